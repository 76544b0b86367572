package ui

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"farmhand/farm/api/client"
	"farmhand/farm/model"
)

// The targets: the jobs table with 1,000 jobs and a job with 100,000
// tasks open in under a second, and a burst of 1,000 task events applied
// without a frame over 100 ms. These benchmarks measure; they assert nothing.

func manyJobs(n int) []*model.Job {
	out := make([]*model.Job, n)
	for i := range out {
		out[i] = job(i, fmt.Sprintf("shot %04d", i), model.JobStatuses[i%len(model.JobStatuses)], i%40, 40, i)
	}
	return out
}

func manyTasks(n int) []*model.Task {
	out := make([]*model.Task, n)
	for i := range out {
		out[i] = task(i, model.TaskQueued, "", 0)
	}
	return out
}

// burst returns n task events spread over the job's tasks, as a busy farm
// reports them: in even rounds half become active and half complete, in odd
// rounds they go back to queued, so every round moves rows in a sorted or
// filtered table.
func burst(tasks []*model.Task, n, round int) []model.Event {
	evs := make([]model.Event, n)
	step := len(tasks) / n
	for i := range evs {
		t := *tasks[i*step]
		t.Updated = t.Updated.Add(time.Duration(round+1) * time.Second)
		switch {
		case round%2 == 1:
			t.Status, t.StepsCompleted = model.TaskQueued, 0
		case i%2 == 0:
			t.Status, t.StepsCompleted = model.TaskActive, 1
		default:
			t.Status, t.StepsCompleted = model.TaskCompleted, 2
		}
		evs[i] = model.Event{Type: model.EventTask, Task: &t}
	}
	return evs
}

func BenchmarkJobListLoad1000(b *testing.B) {
	jobs := manyJobs(1000)
	for b.Loop() {
		newJobList().setAll(jobs)
	}
}

func BenchmarkTaskListLoad100k(b *testing.B) {
	tasks := manyTasks(100_000)
	for b.Loop() {
		newTaskList().setAll(tasks)
	}
}

// BenchmarkTaskBurst1000 applies bursts of 1,000 task events to a job of
// 100,000 tasks, through the same path as live events (applyEvents:
// view-model, repaint, buttons), in three table states. One op is one burst,
// that is one coalesced repaint.
func BenchmarkTaskBurst1000(b *testing.B) {
	for _, mode := range []string{"index order", "sorted by status", "filtered to queued"} {
		b.Run(mode, func(b *testing.B) {
			test.NewTempApp(b)
			u := New(b.Context(), Config{App: fyne.CurrentApp(), Client: client.New("http://127.0.0.1:9"), Farm: "bench"})
			w := test.NewTempWindow(b, u.panel.tasks.object())
			w.Resize(fyne.NewSize(600, 800))
			tasks := manyTasks(100_000)
			v := u.panel.tasks
			v.jobID = "job-02"
			v.setAll(tasks)
			switch mode {
			case "sorted by status":
				v.table.sort(0)
			case "filtered to queued":
				v.status.SetSelected(string(model.TaskQueued))
			}
			round := 0
			for b.Loop() {
				b.StopTimer()
				events := burst(tasks, 1000, round)
				round++
				b.StartTimer()
				u.applyEvents(events)
			}
		})
	}
}

// BenchmarkOpenJob100k is opening a job of 100,000 tasks once they arrived:
// the view-model, the table and the buttons.
func BenchmarkOpenJob100k(b *testing.B) {
	test.NewTempApp(b)
	u := New(b.Context(), Config{App: fyne.CurrentApp(), Client: client.New("http://127.0.0.1:9"), Farm: "bench"})
	w := test.NewTempWindow(b, u.panel.tasks.object())
	w.Resize(fyne.NewSize(600, 800))
	tasks := manyTasks(100_000)
	u.panel.tasks.jobID = "job-02"
	for b.Loop() {
		u.panel.tasks.setAll(tasks)
	}
}

// BenchmarkTaskTableFirstPaint100k is a job of 100,000 tasks from the moment
// its list arrived to its first frame: the view-model, the table and one
// frame painted by the test driver's software painter (slower than a real
// GPU, so an upper bound). The list's fetch and decoding are measured by
// farm/api's BenchmarkTaskList100k.
func BenchmarkTaskTableFirstPaint100k(b *testing.B) {
	test.NewTempApp(b)
	u := New(b.Context(), Config{App: fyne.CurrentApp(), Client: client.New("http://127.0.0.1:9"), Farm: "bench"})
	w := test.NewTempWindow(b, u.panel.tasks.object())
	w.Resize(fyne.NewSize(600, 800))
	tasks := manyTasks(100_000)
	v := u.panel.tasks
	v.jobID = "job-02"
	for b.Loop() {
		v.setAll(tasks)
		w.Canvas().Capture()
	}
}

// BenchmarkTaskTableScroll100k is one scroll frame in a table of 100,000
// tasks: the table moves by a screenful (new rows in every cell) and one
// frame is painted, as in BenchmarkTaskTableFirstPaint100k. Sorted by status,
// the rows come in another order than the list's.
func BenchmarkTaskTableScroll100k(b *testing.B) {
	for _, mode := range []string{"index order", "sorted by status"} {
		b.Run(mode, func(b *testing.B) {
			test.NewTempApp(b)
			u := New(b.Context(), Config{App: fyne.CurrentApp(), Client: client.New("http://127.0.0.1:9"), Farm: "bench"})
			w := test.NewTempWindow(b, u.panel.tasks.object())
			w.Resize(fyne.NewSize(600, 800))
			tasks := manyTasks(100_000)
			for i, t := range tasks {
				t.Status = model.TaskStatuses[i%len(model.TaskStatuses)]
			}
			v := u.panel.tasks
			v.jobID = "job-02"
			v.setAll(tasks)
			if mode == "sorted by status" {
				v.table.sort(0)
			}
			w.Canvas().Capture()
			const page = 40 // rows: more than a screenful at this size
			row := 0
			for b.Loop() {
				row = (row + page) % v.list.Len()
				v.table.scrollToRow(row)
				w.Canvas().Capture()
			}
		})
	}
}
