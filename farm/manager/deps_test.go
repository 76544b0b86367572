package manager

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"farmhand/farm/jobtype"
	"farmhand/farm/model"
)

// openWithScripts opens a manager whose scripts folder holds the given files
// of testdata/.
func openWithScripts(t *testing.T, scripts ...string) *Manager {
	t.Helper()
	data := t.TempDir()
	dir := filepath.Join(data, "scripts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range scripts {
		b, err := os.ReadFile(filepath.Join("testdata", s))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, s), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return openWith(t, Config{DataDir: data, Logger: log, JobTypes: jobtype.Open(dir, jobtype.WithLogger(log))})
}

// submitChain submits case 03's dep-chain job: parts part-1…part-N, then
// collect, which depends on every part (task index N).
func submitChain(t *testing.T, m *Manager, parts int) *model.Job {
	t.Helper()
	j, err := m.Submit(Submission{Name: "chain", Type: "dep-chain",
		Settings: map[string]any{"parts": float64(parts), "sleep_seconds": 0.0, "out_dir": t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func mustTask(t *testing.T, m *Manager, id string) *model.Task {
	t.Helper()
	task, err := m.Task(id)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func mustJob(t *testing.T, m *Manager, id string) *model.Job {
	t.Helper()
	j, err := m.Job(id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// runOne schedules one task on w and reports it with report.
func runOne(t *testing.T, m *Manager, w *model.Worker, report model.TaskReport) *model.Task {
	t.Helper()
	a, err := m.Schedule(w.ID)
	if err != nil || a == nil {
		t.Fatalf("schedule on %s: %v %v", w.Name, a, err)
	}
	if _, err := m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Status: report}); err != nil {
		t.Fatal(err)
	}
	return a.Task
}

func taskAction(t *testing.T, m *Manager, a model.TaskAction, ids ...string) {
	t.Helper()
	if _, err := m.TaskAction(a, ids); err != nil {
		t.Fatal(err)
	}
}

// Case 03: canceling a queued part cancels collect, which depends on it, and
// the job ends as canceled once the other parts finish; before the fix it
// stayed active forever.
func TestCanceledDependencyCancelsDependentsAndEndsJob(t *testing.T) {
	m := openWithScripts(t, "dep_chain.js")
	j := submitChain(t, m, 3)
	w := register(t, m, "w1")
	a, err := m.Schedule(w.ID) // part-1 runs
	if err != nil || a == nil || a.Task.Name != "part-1" {
		t.Fatalf("first task %v %v", a, err)
	}
	taskAction(t, m, model.TaskCancel, model.TaskID(j.ID, 2)) // part-3, queued

	collect := mustTask(t, m, model.TaskID(j.ID, 3))
	if collect.Status != model.TaskCanceled || collect.Activity != "dependency part-3 was canceled" {
		t.Fatalf("collect is %s (%q), want canceled because of part-3", collect.Status, collect.Activity)
	}
	if _, err := m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Status: model.ReportCompleted}); err != nil {
		t.Fatal(err)
	}
	runOne(t, m, w, model.ReportCompleted) // part-2
	if a, _ := m.Schedule(w.ID); a != nil {
		t.Fatalf("%s was handed out after everything ended", a.Task.Name)
	}
	job := mustJob(t, m, j.ID)
	if job.Status != model.JobCanceled || job.StatusReason != "2 of 4 tasks canceled" {
		t.Fatalf("job %s (%q), want canceled", job.Status, job.StatusReason)
	}
	checkCounters(t, m, j.ID)
	tail, _ := m.TaskLogTail(collect.ID, 10)
	if !strings.Contains(tail, "dependency part-3 was canceled") {
		t.Errorf("collect's log does not say why it was canceled: %q", tail)
	}
	// Canceled, collect waits for nothing: why names the dependency as the
	// cause, not as something it waits for.
	got := whyText(t, m, collect.ID)
	if !strings.Contains(got, "it depends on task part-3, which is canceled") || strings.Contains(got, "waits for") {
		t.Errorf("why of the canceled collect: %q", got)
	}
}

// Case 03, failure variant: eleven parts and three workers; part-5 fails on
// every worker (1 of 12 tasks is under the 10% line), collect is canceled and
// the job fails instead of waiting forever.
func TestFailedDependencyCancelsDependentsAndFailsJob(t *testing.T) {
	m := openWithScripts(t, "dep_chain.js")
	j := submitChain(t, m, 11)
	ws := []*model.Worker{register(t, m, "a"), register(t, m, "b"), register(t, m, "c")}
	drive(t, m, ws, func(_ *model.Worker, task *model.Task) bool { return task.Name == "part-5" })

	collect := mustTask(t, m, model.TaskID(j.ID, 11))
	if collect.Status != model.TaskCanceled || collect.Activity != "dependency part-5 failed" {
		t.Fatalf("collect is %s (%q)", collect.Status, collect.Activity)
	}
	job := mustJob(t, m, j.ID)
	if job.Status != model.JobFailed || job.StatusReason != "1 of 12 tasks failed, 1 canceled" {
		t.Fatalf("job %s (%q), want failed", job.Status, job.StatusReason)
	}
	checkCounters(t, m, j.ID)

	// requeue-failed brings back the failed part and what depends on it.
	if _, err := m.JobAction(j.ID, model.JobRequeueFailed, 0); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{4, 11} {
		if got := mustTask(t, m, model.TaskID(j.ID, i)); got.Status != model.TaskQueued {
			t.Errorf("after requeue-failed task %s is %s, want queued", got.Name, got.Status)
		}
	}
	drive(t, m, ws, func(*model.Worker, *model.Task) bool { return false })
	if job := mustJob(t, m, j.ID); job.Status != model.JobCompleted {
		t.Fatalf("after the repair the job is %s (%q)", job.Status, job.StatusReason)
	}
	checkCounters(t, m, j.ID)
}

// Requeueing one completed part of a completed job requeues collect too (a
// repaired frame rebuilds the preview), in the same action.
func TestRequeueTakesDownstreamWithIt(t *testing.T) {
	m := openWithScripts(t, "dep_chain.js")
	j := submitChain(t, m, 2)
	w := register(t, m, "w1")
	for range 3 {
		runOne(t, m, w, model.ReportCompleted)
	}
	if job := mustJob(t, m, j.ID); job.Status != model.JobCompleted {
		t.Fatalf("job %s", job.Status)
	}
	taskAction(t, m, model.TaskRequeue, model.TaskID(j.ID, 0))
	want := map[int]model.TaskStatus{0: model.TaskQueued, 1: model.TaskCompleted, 2: model.TaskQueued}
	for i, s := range want {
		if got := mustTask(t, m, model.TaskID(j.ID, i)); got.Status != s {
			t.Errorf("task %s is %s, want %s", got.Name, got.Status, s)
		}
	}
	if job := mustJob(t, m, j.ID); !job.Status.Runnable() {
		t.Errorf("job %s after a requeue, want queued or active", job.Status)
	}
	checkCounters(t, m, j.ID)

	// collect waits for part-1 again: the first task handed out is part-1.
	if got := runOne(t, m, w, model.ReportCompleted); got.Name != "part-1" {
		t.Fatalf("first task after requeue %s, want part-1", got.Name)
	}
	if got := runOne(t, m, w, model.ReportCompleted); got.Name != "collect" {
		t.Fatalf("second task after requeue %s, want collect", got.Name)
	}
	if job := mustJob(t, m, j.ID); job.Status != model.JobCompleted {
		t.Errorf("job %s, want completed again", job.Status)
	}
}

// A running dependent is taken from its worker when its dependency is
// requeued: its heartbeat tells it to stop, and its late report is refused.
func TestRequeueTakesRunningDependentFromItsWorker(t *testing.T) {
	m := openWithScripts(t, "dep_chain.js")
	j := submitChain(t, m, 1)
	w := register(t, m, "w1")
	runOne(t, m, w, model.ReportCompleted) // part-1
	a, err := m.Schedule(w.ID)             // collect runs
	if err != nil || a == nil || a.Task.Name != "collect" {
		t.Fatalf("collect not scheduled: %v %v", a, err)
	}
	taskAction(t, m, model.TaskRequeue, model.TaskID(j.ID, 0))
	if got := mustTask(t, m, a.Task.ID); got.Status != model.TaskQueued || got.WorkerID != "" {
		t.Fatalf("collect %s on %q, want queued on nobody", got.Status, got.WorkerID)
	}
	reply, err := m.Heartbeat(w.ID, a.Task.ID)
	if err != nil || reply.MayKeepRunning {
		t.Fatalf("heartbeat lets the worker go on with a requeued task: %+v %v", reply, err)
	}
	if wk, _ := m.Worker(w.ID); wk.TaskID != "" {
		t.Errorf("worker still holds %s", wk.TaskID)
	}
	checkCounters(t, m, j.ID)
}

// Why names the dependency a task waits on, and the one that ended.
func TestWhyNamesTheDependency(t *testing.T) {
	m := openWithScripts(t, "dep_chain.js")
	j := submitChain(t, m, 2)
	got := whyText(t, m, model.TaskID(j.ID, 2))
	for _, want := range []string{"part-1", "part-2"} {
		if !strings.Contains(got, fmt.Sprintf("it waits for task %s, which is queued", want)) {
			t.Errorf("why of collect: %q lacks %s", got, want)
		}
	}
}

// Case 07: a task of a type no worker offers waits, and why says so.
func TestWhyNoWorkerOffersTheTaskType(t *testing.T) {
	m := openWithScripts(t, "dep_chain.js")
	j := submitChain(t, m, 1)
	register(t, m, "gpu-less", "blender")
	r, err := m.Why(model.TaskID(j.ID, 0))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, reason := range r.Reasons {
		found = found || (reason.Code == WhyNoWorkerType && reason.Message == "no worker offers task type misc")
	}
	if !found || len(r.Workers) != 1 || r.Workers[0].WouldRun {
		t.Fatalf("why: %+v", r)
	}
	register(t, m, "any", "misc")
	if r, _ = m.Why(model.TaskID(j.ID, 0)); len(r.Reasons) != 0 {
		t.Fatalf("with a misc worker why still says %+v", r.Reasons)
	}
}

// whyText is the task-wide reasons of Why for a task, joined by "; ".
func whyText(t *testing.T, m *Manager, taskID string) string {
	t.Helper()
	r, err := m.Why(taskID)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, reason := range r.Reasons {
		msgs = append(msgs, reason.Message)
	}
	return strings.Join(msgs, "; ")
}
