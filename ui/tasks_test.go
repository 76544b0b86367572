package ui

import (
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"farmhand/farm/model"
)

// newTaskTestUI opens job-02 with its tasks, as a click on the job would.
func newTaskTestUI(t *testing.T) (*UI, fyne.Window) {
	t.Helper()
	u := newTestUI(t, nil)
	w := test.NewTempWindow(t, u.panel.tasks.object())
	w.Resize(fyne.NewSize(560, 520))
	u.workers.setAll([]*model.Worker{{ID: "w1", Name: "render-01"}, {ID: "w2", Name: "render-02"}})
	u.panel.tasks.jobID = "job-02" // as show() sets it, without a load
	u.panel.tasks.setAll(jobTasks())
	return u, w
}

func TestTaskTableSortAndFilter(t *testing.T) {
	u, w := newTaskTestUI(t)
	v := u.panel.tasks
	if got := v.list.Row(0).Name; got != "frames 1-10" || v.list.Len() != 10 {
		t.Fatalf("index order: first %q of %d", got, v.list.Len())
	}
	v.table.sort(0) // status: queued, active, soft-failed, …, completed
	want := []model.TaskStatus{model.TaskQueued, model.TaskQueued, model.TaskQueued, model.TaskActive, model.TaskActive,
		model.TaskSoftFailed, model.TaskCanceled, model.TaskFailed, model.TaskCompleted, model.TaskCompleted}
	var got []model.TaskStatus
	for i := range v.list.Len() {
		got = append(got, v.list.Row(i).Status)
	}
	if !slices.Equal(got, want) {
		t.Errorf("by status: %v", got)
	}
	test.AssertRendersToMarkup(t, "tasks_by_status.xml", w.Canvas())

	v.status.SetSelected(string(model.TaskQueued))
	if names := rowNames(v.list, taskName); !slices.Equal(names, []string{"frames 41-50", "frames 51-60", "frames 81-90"}) {
		t.Errorf("queued only: %q", names)
	}
	v.status.SetSelected(allStatuses)
	test.Type(v.search, "render-02") // the worker's name, not its id
	if v.list.Len() != 4 {
		t.Errorf("tasks of render-02: %d, want 4", v.list.Len())
	}
	if v.info.Text != "4 of 10 tasks" {
		t.Errorf("info: %q", v.info.Text)
	}
}

func TestTaskTableLockSelection(t *testing.T) {
	u, _ := newTaskTestUI(t)
	v := u.panel.tasks
	v.status.SetSelected(string(model.TaskActive))
	test.Tap(v.lock)
	v.table.apply(v.list.click(0, clickOne)) // frames 21-30, active
	v.selectionChanged()

	// The selected task completes: it no longer matches the filter, but a
	// locked selection keeps it where it is.
	done := *v.list.Row(0)
	done.Status, done.StepsCompleted, done.Updated = model.TaskCompleted, 2, done.Updated.Add(time.Second)
	done.AllowedActions = model.AllowedTaskActions(model.TaskCompleted)
	u.applyEvents([]model.Event{{Type: model.EventTask, Task: &done}})
	if v.list.Len() != 2 || v.list.Row(0).Status != model.TaskCompleted {
		t.Fatalf("the locked row moved or vanished: %d rows, first %s", v.list.Len(), v.list.Row(0).Status)
	}
	if !v.requeue.Visible() || v.cancel.Visible() {
		t.Error("the buttons must follow the selected task's new status (requeue, not cancel)")
	}
	v.table.apply(v.list.clearSelection())
	if v.list.Len() != 1 {
		t.Errorf("after the selection ends the completed task leaves the filter: %d rows", v.list.Len())
	}
}

func TestTaskActionButtons(t *testing.T) {
	u, _ := newTaskTestUI(t)
	v := u.panel.tasks
	for _, tc := range []struct {
		rows            []int
		requeue, cancel bool
	}{
		{nil, false, false},
		{[]int{0}, true, false}, // completed
		{[]int{2}, false, true}, // active
		{[]int{0, 2}, true, true},
		{[]int{6}, true, true}, // soft-failed
	} {
		v.list.clearSelection()
		for _, r := range tc.rows {
			v.list.click(r, clickToggle)
		}
		v.selectionChanged()
		if v.requeue.Visible() != tc.requeue || v.cancel.Visible() != tc.cancel {
			t.Errorf("rows %v: requeue %v cancel %v, want %v %v", tc.rows, v.requeue.Visible(), v.cancel.Visible(), tc.requeue, tc.cancel)
		}
	}
}

func TestTaskLogFollowsEvents(t *testing.T) {
	u, _ := newTaskTestUI(t)
	l := u.panel.log
	l.taskID, l.live = "job-02.2", true
	l.set("line 1\nline 2\n")
	u.applyEvents([]model.Event{
		{Type: model.EventTaskLog, TaskLog: &model.TaskLogChunk{TaskID: "job-02.2", Text: "line 3\npart"}},
		{Type: model.EventTaskLog, TaskLog: &model.TaskLogChunk{TaskID: "job-02.9", Text: "another task\n"}},
		{Type: model.EventTaskLog, TaskLog: &model.TaskLogChunk{TaskID: "job-02.2", Text: "ial line\n"}},
	})
	if !slices.Equal(l.lines, []string{"line 1", "line 2", "line 3", "partial line"}) || l.tail != "" {
		t.Errorf("log lines %q, tail %q", l.lines, l.tail)
	}
}

// TestTaskSelectionKeepsTheWidth checks that selecting tasks, which shows
// their action buttons, does not make the tasks view (so the window) wider:
// a click on a task made the whole window grow.
func TestTaskSelectionKeepsTheWidth(t *testing.T) {
	u, _ := newTaskTestUI(t)
	v := u.panel.tasks
	obj := v.object()
	before := obj.MinSize().Width
	v.list.click(0, clickToggle) // completed: Requeue
	v.list.click(2, clickToggle) // active: Cancel
	v.selectionChanged()
	if !v.requeue.Visible() || !v.cancel.Visible() {
		t.Fatal("the selection shows no buttons")
	}
	if after := obj.MinSize().Width; after > before {
		t.Errorf("the tasks view's least width grew from %v to %v with a selection", before, after)
	}
}
