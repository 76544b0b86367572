package manager

import (
	"testing"

	"farmhand/farm/model"
)

// A job's progress counts the steps of its completed and running tasks only:
// what a soft-failed or failed attempt did before failing stays on the task
// but not on the job, and a new attempt starts from nothing. Before schema 7,
// a failed job could show "80% (4 of 5 steps)" beside one frame of four.
func TestJobProgressCountsOnlyCompletedAndRunningTasks(t *testing.T) {
	m := openWith(t, Config{MaxTaskFailures: 2, FailThreshold: 1})
	j := submit(t, m, "1-2")
	w1, w2 := register(t, m, "w1"), register(t, m, "w2")
	steps := func(n int) *int { return &n }
	stepsOf := func(want int, when string) {
		t.Helper()
		job := mustJob(t, m, j.ID)
		if job.StepsCompleted != want {
			t.Errorf("%s: job shows %d of %d steps, want %d", when, job.StepsCompleted, job.StepsTotal, want)
		}
		checkCounters(t, m, j.ID)
	}

	a, err := m.Schedule(w1.ID)
	if err != nil || a == nil {
		t.Fatalf("schedule: %v, %v", a, err)
	}
	if _, err := m.UpdateTask(w1.ID, a.Task.ID, TaskUpdate{Status: model.ReportActive, StepsCompleted: steps(1)}); err != nil {
		t.Fatal(err)
	}
	stepsOf(1, "one step done on a running task")

	if _, err := m.UpdateTask(w1.ID, a.Task.ID, TaskUpdate{Status: model.ReportFailed, Activity: "blender crashed"}); err != nil {
		t.Fatal(err)
	}
	if task := mustTask(t, m, a.Task.ID); task.Status != model.TaskSoftFailed || task.StepsCompleted != 1 {
		t.Fatalf("failed once: task %s with %d steps, want soft-failed keeping its attempt's 1", task.Status, task.StepsCompleted)
	}
	stepsOf(0, "its task soft-failed")

	// The retry goes to the other worker and starts from nothing.
	b, err := m.Schedule(w2.ID)
	if err != nil || b == nil || b.Task.ID != a.Task.ID {
		t.Fatalf("retry: %+v, %v; want task %s again", b, err, a.Task.ID)
	}
	if task := mustTask(t, m, a.Task.ID); task.StepsCompleted != 0 {
		t.Errorf("a new attempt starts at %d steps, want 0", task.StepsCompleted)
	}
	if _, err := m.UpdateTask(w2.ID, b.Task.ID, TaskUpdate{Status: model.ReportActive, StepsCompleted: steps(1)}); err != nil {
		t.Fatal(err)
	}
	stepsOf(1, "the retry did a step")
	if _, err := m.UpdateTask(w2.ID, b.Task.ID, TaskUpdate{Status: model.ReportFailed}); err != nil {
		t.Fatal(err)
	}
	if task := mustTask(t, m, a.Task.ID); task.Status != model.TaskFailed {
		t.Fatalf("failed by two workers: task %s, want failed", task.Status)
	}
	stepsOf(0, "its task failed for good")

	c, err := m.Schedule(w1.ID)
	if err != nil || c == nil {
		t.Fatalf("second task: %v, %v", c, err)
	}
	if _, err := m.UpdateTask(w1.ID, c.Task.ID, TaskUpdate{Status: model.ReportCompleted}); err != nil {
		t.Fatal(err)
	}
	done := mustTask(t, m, c.Task.ID).StepsTotal
	stepsOf(done, "the other task completed")

	if _, err := m.TaskAction(model.TaskRequeue, []string{a.Task.ID}); err != nil {
		t.Fatal(err)
	}
	if task := mustTask(t, m, a.Task.ID); task.Status != model.TaskQueued || task.StepsCompleted != 0 {
		t.Errorf("requeued: task %s with %d steps, want queued with 0", task.Status, task.StepsCompleted)
	}
	stepsOf(done, "the failed task requeued")
}
