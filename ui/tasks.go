package ui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/model"
)

// newTaskList returns the task view-model: index order until the user sorts.
func newTaskList() *rowList[*model.Task] {
	l := newRowList(func(t *model.Task) string { return t.ID }, func(a, b *model.Task) int {
		if c := cmp.Compare(a.Index, b.Index); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	l.newer = func(old, cur *model.Task) bool { return !cur.Updated.Before(old.Updated) }
	return l
}

// taskColumns are the task table's columns; workerName turns a worker id
// into the name users know it by.
func taskColumns(workerName func(id string) string) []column[*model.Task] {
	return []column[*model.Task]{
		{title: "", width: 34, kind: iconCell,
			icon: func(t *model.Task) fyne.Resource { return taskLook(t.Status).icon() },
			tip:  func(t *model.Task) string { return taskLook(t.Status).word },
			cmp:  func(a, b *model.Task) int { return cmp.Compare(taskRank(a.Status), taskRank(b.Status)) }},
		{title: "#", width: 44, kind: textCell, align: fyne.TextAlignTrailing,
			text: func(t *model.Task) string { return fmt.Sprint(t.Index + 1) },
			cmp:  func(a, b *model.Task) int { return cmp.Compare(a.Index, b.Index) }},
		{title: "Name", kind: textCell,
			text: func(t *model.Task) string { return t.Name },
			cmp:  func(a, b *model.Task) int { return strings.Compare(a.Name, b.Name) }},
		{title: "Worker", width: 96, kind: textCell,
			text: func(t *model.Task) string { return workerName(t.WorkerID) },
			cmp:  func(a, b *model.Task) int { return strings.Compare(workerName(a.WorkerID), workerName(b.WorkerID)) }},
		{title: "Progress", width: 96, kind: progressCell,
			done: func(t *model.Task) (int, int) { return t.StepsCompleted, t.StepsTotal },
			tip:  taskProgressTip,
			cmp: func(a, b *model.Task) int {
				return cmp.Compare(fraction(a.StepsCompleted, a.StepsTotal), fraction(b.StepsCompleted, b.StepsTotal))
			}},
		{title: "Updated", width: 64, kind: textCell,
			text: func(t *model.Task) string { return shortTime(t.Updated) },
			tip:  func(t *model.Task) string { return "Last change " + longTime(t.Updated) },
			cmp:  func(a, b *model.Task) int { return a.Updated.Compare(b.Updated) }},
	}
}

func taskProgressTip(t *model.Task) string {
	s := fmt.Sprintf("%d of %d steps", t.StepsCompleted, t.StepsTotal)
	if t.Activity != "" {
		s += " · " + firstLine(t.Activity)
	}
	return s
}

// taskFilter is what the user filters the task table by.
type taskFilter struct {
	status model.TaskStatus // "": any
	text   string           // lower case; matched against name, worker and activity
}

func (f taskFilter) match(workerName func(string) string) func(*model.Task) bool {
	return func(t *model.Task) bool {
		if f.status != "" && t.Status != f.status {
			return false
		}
		if f.text == "" {
			return true
		}
		for _, s := range []string{t.Name, workerName(t.WorkerID), t.Activity, t.ID} {
			if strings.Contains(strings.ToLower(s), f.text) {
				return true
			}
		}
		return false
	}
}

// allStatuses is the status filter's "no filter" choice.
const allStatuses = "All statuses"

// tasksView is one job's full task table: all tasks loaded, sortable,
// filterable, with batch requeue and cancel, and a lock that keeps rows in
// place while some are selected.
type tasksView struct {
	u       *UI
	jobID   string
	gen     int // which load is current; a late answer for another job is dropped
	list    *rowList[*model.Task]
	table   *table[*model.Task]
	filter  taskFilter
	search  *widget.Entry
	status  *widget.Select
	lock    *widget.Check
	info    *widget.Label
	bar     *fyne.Container // info, buttons and lock
	requeue *widget.Button
	cancel  *widget.Button

	// onOpen runs when one task is clicked, to show its log.
	onOpen func(t *model.Task)
	// autoOpen selects a telling task after the next load: the start view
	// "job" shows a log without a click.
	autoOpen bool
}

func newTasksView(u *UI, tips *tipLayer) *tasksView {
	v := &tasksView{u: u, list: newTaskList()}
	v.table = newTable(v.list, taskColumns(u.workerName), tips)
	v.table.onSelect = v.selectionChanged

	v.search = widget.NewEntry()
	v.search.SetPlaceHolder("Filter tasks")
	v.search.OnChanged = func(s string) {
		v.filter.text = strings.ToLower(strings.TrimSpace(s))
		v.refilter()
	}
	options := []string{allStatuses}
	for _, s := range model.TaskStatuses {
		options = append(options, string(s))
	}
	v.info = widget.NewLabel("")
	v.status = widget.NewSelect(options, func(s string) {
		v.filter.status = ""
		if s != allStatuses {
			v.filter.status = model.TaskStatus(s)
		}
		v.refilter()
	})
	v.lock = widget.NewCheck("Keep rows still while selected", func(on bool) {
		v.table.apply(v.list.setLock(on))
	})
	v.requeue = widget.NewButtonWithIcon("Requeue", theme.MediaReplayIcon(), func() { v.act(model.TaskRequeue) })
	v.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { v.act(model.TaskCancel) })
	v.bar = container.NewHBox(v.info, v.requeue, v.cancel, v.lock)
	v.status.SetSelectedIndex(0) // last: its callback refilters, which needs the widgets above

	return v
}

func (v *tasksView) object() fyne.CanvasObject {
	filters := container.NewBorder(nil, nil, nil, v.status, v.search)
	// The bar scrolls sideways rather than widen the panel: the buttons a
	// selection shows made the whole window grow at a click on a task.
	bar := container.NewHScroll(v.bar)
	return container.NewBorder(container.NewVBox(filters, bar), nil, nil, nil, v.table.object())
}

func (v *tasksView) refilter() {
	v.table.apply(v.list.filter(v.filter.match(v.u.workerName)))
	v.selectionChanged()
}

// show switches to job id's tasks and loads them.
func (v *tasksView) show(jobID string) {
	if jobID == v.jobID {
		return
	}
	v.jobID = jobID
	v.table.apply(v.list.setAll(nil))
	v.table.w.ScrollToTop()
	v.selectionChanged()
	if jobID != "" {
		v.reload()
	}
}

// reload fetches the job's tasks again: after a mass change (refresh_tasks),
// a resync, or when the job is opened.
func (v *tasksView) reload() {
	v.gen++
	gen, jobID, u := v.gen, v.jobID, v.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		// The compact list has what the table shows (and the client keeps it,
		// answering a reload of an unchanged job from its copy): a third of
		// the whole list for a big job.
		tasks, err := u.client.TasksCompact(ctx, jobID)
		u.do(func() {
			if gen != v.gen {
				return
			}
			if err != nil {
				v.info.SetText("Could not load the tasks: " + explain(err, u.client.BaseURL()))
				return
			}
			v.setAll(tasks)
		})
	}()
}

func (v *tasksView) setAll(tasks []*model.Task) {
	v.table.apply(v.list.setAll(tasks))
	if v.autoOpen && v.list.Len() > 0 {
		v.autoOpen = false
		pick := v.list.Row(0)
		for _, t := range v.list.rows {
			if t.Status == model.TaskActive {
				pick = t
				break
			}
		}
		v.table.apply(v.list.selectIDs(pick.ID))
		// Scrolling a table that has not been drawn yet leaves it blank
		// (widget.Table measures rows when drawn), so scroll a moment later.
		time.AfterFunc(300*time.Millisecond, func() {
			v.u.do(func() {
				if r, ok := v.list.rowOfID(pick.ID); ok {
					v.table.scrollToRow(r)
				}
			})
		})
	}
	v.selectionChanged()
}

// apply takes task events of the shown job.
func (v *tasksView) apply(tasks []*model.Task) {
	if len(tasks) == 0 {
		return
	}
	v.table.apply(v.list.upsert(tasks))
	v.selectionChanged()
}

// selectionChanged updates the info text and the batch buttons, which show
// when at least one selected task allows their action.
func (v *tasksView) selectionChanged() {
	sel := v.list.selected()
	text := plural(v.list.Total(), "task")
	if v.list.Len() != v.list.Total() {
		text = fmt.Sprintf("%d of %s", v.list.Len(), text)
	}
	if len(sel) > 0 {
		text += fmt.Sprintf(", %d selected", len(sel))
	}
	v.info.SetText(text)
	for _, x := range []struct {
		b *widget.Button
		a model.TaskAction
	}{{v.requeue, model.TaskRequeue}, {v.cancel, model.TaskCancel}} {
		if n := len(tasksAllowing(sel, x.a)); n > 0 {
			x.b.Show()
		} else {
			x.b.Hide()
		}
	}
	v.bar.Refresh()
	if len(sel) == 1 && v.onOpen != nil {
		v.onOpen(sel[0])
	}
}

func tasksAllowing(tasks []*model.Task, a model.TaskAction) []string {
	var ids []string
	for _, t := range tasks {
		if slices.Contains(t.AllowedActions, a) {
			ids = append(ids, t.ID)
		}
	}
	return ids
}

// act applies a task action to the selected tasks that allow it, in one
// batch (the API applies a batch all or nothing).
func (v *tasksView) act(a model.TaskAction) {
	ids := tasksAllowing(v.list.selected(), a)
	if len(ids) == 0 {
		return
	}
	u := v.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		tasks, err := u.client.TaskAction(ctx, a, ids)
		u.do(func() {
			if err != nil {
				u.showError(fmt.Sprintf("Could not %s %s", a, plural(len(ids), "task")),
					errors.New(explain(err, u.client.BaseURL())))
				return
			}
			v.apply(tasks)
		})
	}()
}
