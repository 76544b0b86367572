package ui

import (
	"context"
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/model"
)

// overridesView edits a job's Python overrides: lines Blender runs after
// loading the file and before rendering (a lower sample count, a different
// camera). Saving changes what later tasks run; "Save and requeue" also
// renders the finished ones again.
type overridesView struct {
	u       *UI
	job     *model.Job
	entry   *widget.Entry
	saved   string // the job's overrides as last loaded; the text differs from it while edited
	save    *widget.Button
	requeue *widget.Button
	busy    bool
}

func newOverridesView(u *UI) *overridesView {
	v := &overridesView{u: u}
	v.entry = widget.NewMultiLineEntry()
	v.entry.SetPlaceHolder("import bpy\nbpy.context.scene.cycles.samples = 64")
	v.entry.TextStyle = fyne.TextStyle{Monospace: true}
	v.entry.SetMinRowsVisible(8)
	v.entry.OnChanged = func(string) { v.refreshButtons() }
	v.save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), func() { v.store(false) })
	v.requeue = widget.NewButtonWithIcon("Save and requeue", theme.MediaReplayIcon(), func() { v.store(true) })
	v.requeue.Importance = widget.HighImportance
	return v
}

func (v *overridesView) object() fyne.CanvasObject {
	hint := widget.NewLabel("Python that Blender runs after opening the file, before it renders. " +
		"Tasks that start after saving use it; requeue to render the finished frames again.")
	hint.Wrapping = fyne.TextWrapWord
	hint.Importance = widget.LowImportance
	return container.NewBorder(hint, container.NewHBox(v.save, v.requeue), nil, nil, v.entry)
}

// show switches to job j, or follows the shown job's changes. Text being
// edited is kept; otherwise it follows what the manager has.
func (v *overridesView) show(j *model.Job) {
	opened := v.job == nil || v.job.ID != j.ID
	editing := v.entry.Text != v.saved
	v.job = j
	if opened || !editing {
		v.saved = j.PythonOverrides
		v.entry.SetText(j.PythonOverrides)
	}
	v.refreshButtons()
}

func (v *overridesView) refreshButtons() {
	if v.job == nil {
		return
	}
	changed := v.entry.Text != v.saved
	if changed && !v.busy {
		v.save.Enable()
	} else {
		v.save.Disable()
	}
	showIf(v.requeue, slices.Contains(v.job.AllowedActions, model.JobRequeue))
	if v.busy {
		v.requeue.Disable()
	} else {
		v.requeue.Enable()
	}
}

// store saves the overrides and, with requeue, requeues the job.
func (v *overridesView) store(requeue bool) {
	if v.job == nil || v.busy {
		return
	}
	v.busy = true
	v.refreshButtons()
	u, j, lines := v.u, v.job, v.entry.Text
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		got, err := u.client.SetPythonOverrides(ctx, j.ID, lines)
		what := "save the Python overrides of"
		if err == nil && requeue {
			what = "requeue"
			var rq *model.Job
			if rq, err = u.client.JobAction(ctx, j.ID, model.JobRequeue, nil); err == nil {
				got = rq
			}
		}
		u.do(func() {
			v.busy = false
			if got != nil && got.ID != "" {
				if v.job != nil && v.job.ID == got.ID {
					v.saved = got.PythonOverrides
				}
				u.jobs.apply([]*model.Job{got}, nil)
				u.panel.jobsChanged()
			}
			v.refreshButtons()
			if err != nil {
				u.showError(fmt.Sprintf("Could not %s %q", what, j.Name), fmt.Errorf("%s", explain(err, u.client.BaseURL())))
			}
		})
	}()
}
