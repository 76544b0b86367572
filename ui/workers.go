package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/model"
)

// newWorkerList returns the workers view-model, by name until the user sorts.
func newWorkerList() *rowList[*model.Worker] {
	return newRowList(func(w *model.Worker) string { return w.ID }, func(a, b *model.Worker) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// workersView is the farm's workers: what each does now and when it was last
// heard from.
type workersView struct {
	u     *UI
	list  *rowList[*model.Worker]
	table *table[*model.Worker]
	info  *widget.Label
	empty *widget.Label

	// taskNames caches "task name" per task id for the current-task column,
	// since a worker names its task only by id.
	taskNames map[string]string
	fetching  map[string]bool
}

func newWorkersView(u *UI, tips *tipLayer) *workersView {
	v := &workersView{u: u, list: newWorkerList(), taskNames: map[string]string{}, fetching: map[string]bool{}}
	v.table = newTable(v.list, v.columns(), tips)
	v.info = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.empty = widget.NewLabel("No workers yet.\nStart Farmhand on a render computer and it joins this farm.")
	v.empty.Alignment = fyne.TextAlignCenter
	v.update(change{all: true})
	return v
}

func (v *workersView) columns() []column[*model.Worker] {
	return []column[*model.Worker]{
		{title: "", width: 34, kind: iconCell,
			icon: func(w *model.Worker) fyne.Resource { return workerLook(w).icon() },
			tip:  func(w *model.Worker) string { return workerLook(w).word },
			cmp:  func(a, b *model.Worker) int { return strings.Compare(workerLook(a).word, workerLook(b).word) }},
		{title: "Name", width: 160, kind: textCell,
			text: func(w *model.Worker) string { return w.Name },
			cmp:  func(a, b *model.Worker) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) }},
		{title: "Status", width: 100, kind: textCell,
			text: func(w *model.Worker) string { return workerLook(w).word },
			cmp:  func(a, b *model.Worker) int { return strings.Compare(workerLook(a).word, workerLook(b).word) }},
		{title: "Current task", kind: textCell,
			text: v.currentTask,
			cmp:  func(a, b *model.Worker) int { return strings.Compare(v.currentTask(a), v.currentTask(b)) }},
		{title: "Platform", width: 100, kind: textCell,
			text: func(w *model.Worker) string { return w.Platform },
			cmp:  func(a, b *model.Worker) int { return strings.Compare(a.Platform, b.Platform) }},
		{title: "Tags", width: 140, kind: textCell,
			text: func(w *model.Worker) string { return strings.Join(w.Tags, ", ") },
			cmp: func(a, b *model.Worker) int {
				return strings.Compare(strings.Join(a.Tags, ","), strings.Join(b.Tags, ","))
			}},
		{title: "Last seen", width: 110, kind: textCell,
			text: func(w *model.Worker) string { return ago(w.LastSeen) },
			tip:  func(w *model.Worker) string { return longTime(w.LastSeen) },
			cmp:  func(a, b *model.Worker) int { return a.LastSeen.Compare(b.LastSeen) }},
	}
}

// currentTask names a worker's task and its job: "frames 1-10 of shot 12".
func (v *workersView) currentTask(w *model.Worker) string {
	if w.TaskID == "" {
		return ""
	}
	task, ok := v.taskNames[w.TaskID]
	if !ok {
		v.fetchTaskName(w.TaskID)
		task = "a task"
	}
	if j, ok := v.u.jobs.list.Get(w.TaskJobID); ok {
		return task + " of " + j.Name
	}
	return task
}

// fetchTaskName looks a task's name up once, then repaints.
func (v *workersView) fetchTaskName(id string) {
	if v.fetching[id] {
		return
	}
	v.fetching[id] = true
	u := v.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		t, err := u.client.Task(ctx, id)
		u.do(func() {
			delete(v.fetching, id)
			if err != nil {
				return // shown as "a task"; the next event tries again
			}
			v.taskNames[id] = t.Name
			v.table.w.Refresh()
		})
	}()
}

func (v *workersView) object() fyne.CanvasObject {
	return container.NewBorder(v.info, nil, nil, nil,
		container.NewStack(v.table.object(), container.NewCenter(v.empty)))
}

func (v *workersView) setAll(ws []*model.Worker) { v.update(v.list.setAll(ws)) }

func (v *workersView) apply(ws []*model.Worker) {
	if len(ws) > 0 {
		v.update(v.list.upsert(ws))
	}
}

// update repaints after a change, with the head count.
func (v *workersView) update(ch change) {
	v.table.apply(ch)
	var busy, awake int
	for _, w := range v.list.all {
		if w.Status == model.WorkerAwake {
			awake++
			if w.TaskID != "" {
				busy++
			}
		}
	}
	text := plural(v.list.Total(), "worker")
	if v.list.Total() > 0 {
		text += fmt.Sprintf(": %d awake, %d rendering", awake, busy)
	}
	v.info.SetText(text)
	v.empty.Hidden = v.list.Total() > 0
	v.empty.Refresh()
}
