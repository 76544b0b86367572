package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/model"
)

// actionTimeout bounds one API call made for a button.
const actionTimeout = 30 * time.Second

// jobActionSpec is how one job action shows as a button.
type jobActionSpec struct {
	action model.JobAction
	label  string
	icon   fyne.ThemeIconName
	danger bool
}

// jobActionSpecs in the order the buttons appear: the everyday ones first,
// the destructive ones last.
var jobActionSpecs = []jobActionSpec{
	{model.JobPause, "Pause", theme.IconNameMediaPause, false},
	{model.JobResume, "Resume", theme.IconNameMediaPlay, false},
	{model.JobCancel, "Cancel", theme.IconNameCancel, false},
	{model.JobRequeue, "Requeue", theme.IconNameMediaReplay, false},
	{model.JobRequeueFailed, "Requeue failed", theme.IconNameMediaReplay, false},
	{model.JobSetPriority, "Priority…", theme.IconNameMoveUp, false},
	{model.JobArchive, "Archive", theme.IconNameStorage, false},
	{model.JobDelete, "Delete…", theme.IconNameDelete, true},
}

// allowing returns the items (jobs, workers) whose allowed actions, as
// actionsOf reads them, include a.
func allowing[T any, A comparable](items []T, actionsOf func(T) []A, a A) []T {
	var out []T
	for _, it := range items {
		if slices.Contains(actionsOf(it), a) {
			out = append(out, it)
		}
	}
	return out
}

// jobAllows and workerAllows read the manager's allowed_actions for allowing.
func jobAllows(j *model.Job) []model.JobAction          { return j.AllowedActions }
func workerAllows(w *model.Worker) []model.WorkerAction { return w.AllowedActions }

// jobActions is the button bar for the selected jobs. A button shows only
// when at least one selected job allows its action (the manager's
// allowed_actions), and acts on those that do; with several jobs selected it
// says how many.
type jobActions struct {
	u        *UI
	bar      *fyne.Container
	label    *widget.Label
	buttons  []*widget.Button
	selected []*model.Job
}

func newJobActions(u *UI) *jobActions {
	a := &jobActions{u: u, label: widget.NewLabel("")}
	a.bar = container.NewHBox(a.label)
	for _, s := range jobActionSpecs {
		b := widget.NewButtonWithIcon(s.label, theme.Icon(s.icon), func() { a.run(s) })
		if s.danger {
			b.Importance = widget.DangerImportance
		}
		b.Hide()
		a.buttons = append(a.buttons, b)
		a.bar.Add(b)
	}
	a.update(nil)
	return a
}

// update shows the buttons the selection allows.
func (a *jobActions) update(selected []*model.Job) {
	a.selected = selected
	switch len(selected) {
	case 0:
		a.label.SetText("Select jobs to act on them (Ctrl-click or Shift-click for several)")
	case 1:
		a.label.SetText("")
	default:
		a.label.SetText(fmt.Sprintf("%d jobs selected:", len(selected)))
	}
	for i, s := range jobActionSpecs {
		b, n := a.buttons[i], len(allowing(selected, jobAllows, s.action))
		if n == 0 {
			b.Hide()
			continue
		}
		label := s.label
		if len(selected) > 1 {
			label = fmt.Sprintf("%s (%d)", s.label, n)
		}
		b.SetText(label)
		b.Show()
	}
	a.bar.Refresh() // lay the buttons out again: some appeared, some went
}

// visibleActions lists the actions whose buttons show, for tests.
func (a *jobActions) visibleActions() []model.JobAction {
	var out []model.JobAction
	for i, s := range jobActionSpecs {
		if a.buttons[i].Visible() {
			out = append(out, s.action)
		}
	}
	return out
}

// run asks what the action needs (a confirmation, a priority) and applies it.
func (a *jobActions) run(s jobActionSpec) {
	jobs := allowing(a.selected, jobAllows, s.action)
	if len(jobs) == 0 {
		return
	}
	switch s.action {
	case model.JobDelete:
		msg := fmt.Sprintf("Delete %q with its tasks and logs?", jobs[0].Name)
		if len(jobs) > 1 {
			msg = fmt.Sprintf("Delete %d jobs with their tasks and logs?", len(jobs))
		}
		dialog.ShowConfirm("Delete", msg+"\nThis cannot be undone.", func(ok bool) {
			if ok {
				a.apply(s, jobs, nil)
			}
		}, a.u.win)
	case model.JobSetPriority:
		a.askPriority(jobs, func(p int) { a.apply(s, jobs, &p) })
	default:
		a.apply(s, jobs, nil)
	}
}

// askPriority asks for a priority from 0 to 100, starting at the first job's.
func (a *jobActions) askPriority(jobs []*model.Job, then func(int)) {
	value := widget.NewLabel(strconv.Itoa(jobs[0].Priority))
	slider := widget.NewSlider(0, 100)
	slider.Step = 1
	slider.SetValue(float64(jobs[0].Priority))
	slider.OnChanged = func(f float64) { value.SetText(strconv.Itoa(int(f))) }
	what := fmt.Sprintf("%q", jobs[0].Name)
	if len(jobs) > 1 {
		what = plural(len(jobs), "job")
	}
	items := []*widget.FormItem{
		widget.NewFormItem("Priority", container.NewBorder(nil, nil, nil, value, slider)),
	}
	items[0].HintText = "Higher runs first; new jobs get 50."
	d := dialog.NewForm("Priority of "+what, "Set", "Cancel", items, func(ok bool) {
		if ok {
			then(int(slider.Value))
		}
	}, a.u.win)
	d.Resize(fyne.NewSize(420, 0))
	d.Show()
}

// apply asks the manager, off the UI goroutine, to act on the jobs in one
// batch: all of them or, when one refuses, none (the error names it). The
// table follows from the answer and the events it causes.
func (a *jobActions) apply(s jobActionSpec, jobs []*model.Job, priority *int) {
	u := a.u
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		got, err := u.client.JobActions(ctx, s.action, ids, priority)
		u.do(func() {
			if err != nil {
				u.showError(fmt.Sprintf("Could not %s %s", actionVerb(s), plural(len(ids), "job")),
					errors.New(explain(err, u.client.BaseURL())))
				return
			}
			if s.action == model.JobDelete {
				u.jobs.apply(nil, ids)
			} else {
				u.jobs.apply(got, nil)
			}
			u.panel.jobsChanged()
		})
	}()
}

func actionVerb(s jobActionSpec) string {
	switch s.action {
	case model.JobSetPriority:
		return "change the priority of"
	case model.JobRequeueFailed:
		return "requeue the failed tasks of"
	}
	return string(s.action)
}
