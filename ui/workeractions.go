package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// workerActionSpec is how one lifecycle action shows as a button.
type workerActionSpec struct {
	action model.WorkerAction
	label  string
	icon   fyne.ThemeIconName
	verb   string // for error messages: "could not wake 2 workers"
}

var workerActionSpecs = []workerActionSpec{
	{model.WorkerWake, "Wake", theme.IconNameMediaPlay, "wake"},
	{model.WorkerSleep, "Sleep", theme.IconNameMediaStop, "send to sleep"},
	{model.WorkerPause, "Pause", theme.IconNameMediaPause, "pause"},
	{model.WorkerRestart, "Restart", theme.IconNameViewRefresh, "restart"},
	{model.WorkerShutdown, "Shut down", theme.IconNameLogout, "shut down"},
}

// workerActions is the button bar for the selected workers. Only admins may
// steer workers (the API's x-min-role), so for others it just says so. A
// lifecycle button shows when a selected worker allows its action; "Now"
// makes it interrupt the current task instead of waiting for it to end.
type workerActions struct {
	u        *UI
	bar      *fyne.Container
	label    *widget.Label
	now      *widget.Check
	buttons  []*widget.Button
	tags     *widget.Button
	rename   *widget.Button
	del      *widget.Button
	upgrade  *widget.Button // workerupgrade.go
	selected []*model.Worker
}

func newWorkerActions(u *UI) *workerActions {
	a := &workerActions{u: u, label: widget.NewLabel("")}
	a.bar = container.NewHBox(a.label)
	for _, s := range workerActionSpecs {
		b := widget.NewButtonWithIcon(s.label, theme.Icon(s.icon), func() { a.run(s) })
		a.buttons = append(a.buttons, b)
		a.bar.Add(b)
	}
	a.now = widget.NewCheck("Now, interrupting the current task", nil)
	a.upgrade = newUpgradeButton(a)
	a.bar.Add(a.upgrade)
	a.bar.Add(a.now)
	a.tags = widget.NewButtonWithIcon("Tags…", theme.Icon(theme.IconNameDocumentCreate), a.editTags)
	a.rename = widget.NewButtonWithIcon("Rename…", theme.Icon(theme.IconNameDocumentCreate), a.askRename)
	a.del = widget.NewButtonWithIcon("Delete…", theme.Icon(theme.IconNameDelete), a.askDelete)
	a.del.Importance = widget.DangerImportance
	a.bar.Add(a.tags)
	a.bar.Add(a.rename)
	a.bar.Add(a.del)
	a.update(nil)
	return a
}

// update shows the buttons the selection and this member's role allow.
func (a *workerActions) update(selected []*model.Worker) {
	a.selected = selected
	admin := a.u.isAdmin()
	switch {
	case !admin:
		a.label.SetText("Workers are steered by the farm's admins.")
	case len(selected) == 0:
		a.label.SetText("Select workers to act on them (Ctrl-click or Shift-click for several)")
	case len(selected) == 1:
		a.label.SetText("")
	default:
		a.label.SetText(fmt.Sprintf("%d workers selected:", len(selected)))
	}
	some := false
	for i, s := range workerActionSpecs {
		b, n := a.buttons[i], len(allowing(selected, workerAllows, s.action))
		if !admin || n == 0 {
			b.Hide()
			continue
		}
		some = true
		label := s.label
		if len(selected) > 1 {
			label = fmt.Sprintf("%s (%d)", s.label, n)
		}
		b.SetText(label)
		b.Show()
	}
	showIf(a.now, some)
	a.showUpgrade(selected) // workerupgrade.go
	showIf(a.tags, admin && len(selected) > 0)
	showIf(a.rename, admin && len(selected) == 1)
	showIf(a.del, admin && len(allowing(selected, workerAllows, model.WorkerDelete)) > 0)
	a.bar.Refresh()
}

func showIf(o fyne.CanvasObject, show bool) {
	if show {
		o.Show()
	} else {
		o.Hide()
	}
}

// visibleActions lists the lifecycle actions whose buttons show, for tests.
func (a *workerActions) visibleActions() []model.WorkerAction {
	var out []model.WorkerAction
	for i, s := range workerActionSpecs {
		if a.buttons[i].Visible() {
			out = append(out, s.action)
		}
	}
	if a.del.Visible() {
		out = append(out, model.WorkerDelete)
	}
	return out
}

// run asks the manager for a lifecycle action on the selected workers that
// allow it.
func (a *workerActions) run(s workerActionSpec) {
	ws := allowing(a.selected, workerAllows, s.action)
	now := a.now.Checked
	a.each(ws, s.verb, func(ctx context.Context, w *model.Worker) (*model.Worker, error) {
		return a.u.client.WorkerAction(ctx, w.ID, s.action, now)
	})
}

// editTags replaces the selected workers' tags, starting from the first's.
func (a *workerActions) editTags() {
	ws := a.selected
	if len(ws) == 0 {
		return
	}
	entry := widget.NewEntry()
	entry.SetText(strings.Join(ws[0].Tags, ", "))
	entry.SetPlaceHolder("gpu, big-memory")
	item := widget.NewFormItem("Tags", entry)
	item.HintText = "Separated by commas. Jobs that need tags run only on workers that carry them all."
	title := "Tags of " + ws[0].Name
	if len(ws) > 1 {
		title = "Tags of " + plural(len(ws), "worker")
	}
	d := dialog.NewForm(title, "Save", "Cancel", []*widget.FormItem{item}, func(ok bool) {
		if !ok {
			return
		}
		tags := model.SplitTags(entry.Text)
		a.each(ws, "change the tags of", func(ctx context.Context, w *model.Worker) (*model.Worker, error) {
			return a.u.client.UpdateWorker(ctx, w.ID, wire.WorkerChange{Tags: &tags})
		})
	}, a.u.win)
	d.Resize(fyne.NewSize(460, 0))
	d.Show()
}

func (a *workerActions) askRename() {
	if len(a.selected) != 1 {
		return
	}
	w := a.selected[0]
	entry := widget.NewEntry()
	entry.SetText(w.Name)
	entry.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("a worker needs a name")
		}
		return nil
	}
	item := widget.NewFormItem("Name", entry)
	item.HintText = "The farm then keeps this name, whatever the computer calls itself."
	d := dialog.NewForm("Rename "+w.Name, "Rename", "Cancel", []*widget.FormItem{item}, func(ok bool) {
		if !ok {
			return
		}
		name := strings.TrimSpace(entry.Text)
		a.each([]*model.Worker{w}, "rename", func(ctx context.Context, w *model.Worker) (*model.Worker, error) {
			return a.u.client.UpdateWorker(ctx, w.ID, wire.WorkerChange{Name: &name})
		})
	}, a.u.win)
	d.Resize(fyne.NewSize(420, 0))
	d.Show()
}

func (a *workerActions) askDelete() {
	ws := allowing(a.selected, workerAllows, model.WorkerDelete)
	if len(ws) == 0 {
		return
	}
	what := fmt.Sprintf("%q", ws[0].Name)
	if len(ws) > 1 {
		what = plural(len(ws), "worker")
	}
	dialog.ShowConfirm("Delete", "Forget "+what+"?\nA task it runs goes back to the queue. "+
		"A worker that is still running signs on again as a new worker.", func(ok bool) {
		if !ok {
			return
		}
		a.each(ws, "delete", func(ctx context.Context, w *model.Worker) (*model.Worker, error) {
			return nil, a.u.client.DeleteWorker(ctx, w.ID)
		})
	}, a.u.win)
}

// each calls do for every worker off the UI goroutine, then shows the
// answers (a nil worker without error means it was deleted) and, together,
// the failures.
func (a *workerActions) each(ws []*model.Worker, verb string, do func(context.Context, *model.Worker) (*model.Worker, error)) {
	if len(ws) == 0 {
		return
	}
	u := a.u
	go func() {
		var errs []error
		var changed []*model.Worker
		var deleted []string
		for _, w := range ws {
			ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
			got, err := do(ctx, w)
			cancel()
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("%q: %s", w.Name, explain(err, u.client.BaseURL())))
			case got == nil:
				deleted = append(deleted, w.ID)
			default:
				changed = append(changed, got)
			}
		}
		u.do(func() {
			u.workers.apply(changed, deleted)
			if len(errs) > 0 {
				u.showError(fmt.Sprintf("Could not %s %s", verb, plural(len(errs), "worker")), errors.Join(errs...))
			}
		})
	}()
}
