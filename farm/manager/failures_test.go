package manager

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// drive runs the farm until no worker gets work: each worker in turn asks for
// a task and reports it done, unless fails says that worker fails it.
func drive(t *testing.T, m *Manager, ws []*model.Worker, fails func(w *model.Worker, task *model.Task) bool) {
	t.Helper()
	for round := 0; round < 1000; round++ {
		busy := false
		for _, w := range ws {
			a, err := m.Schedule(w.ID)
			if err != nil {
				t.Fatal(err)
			}
			if a == nil {
				continue
			}
			busy = true
			report := model.ReportCompleted
			if fails(w, a.Task) {
				report = model.ReportFailed
			}
			if _, err := m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Status: report, Activity: "exit code 1"}); err != nil {
				t.Fatal(err)
			}
		}
		if !busy {
			return
		}
	}
	t.Fatal("the farm never settled")
}

func TestBadWorkerIsBlocklistedAndTheJobStillCompletes(t *testing.T) {
	m := openManager(t)
	j := submit(t, m, "1-30")
	ws := []*model.Worker{register(t, m, "bad"), register(t, m, "good1"), register(t, m, "good2")}
	drive(t, m, ws, func(w *model.Worker, _ *model.Task) bool { return w.Name == "bad" })
	job := mustJob(t, m, j.ID)
	if job.Status != model.JobCompleted || job.TaskCounts[model.TaskFailed] != 0 {
		t.Fatalf("job %s %v (%s)", job.Status, job.TaskCounts, job.StatusReason)
	}
	if len(job.Blocklist) != 1 || job.Blocklist[0].WorkerName != "bad" || job.Blocklist[0].TaskType != "misc" {
		t.Fatalf("blocklist %+v", job.Blocklist)
	}
	if n := job.Failures[ws[0].ID+"/misc"]; n != DefaultBlocklistThreshold {
		t.Errorf("bad worker failed %d tasks; it should have been stopped at %d", n, DefaultBlocklistThreshold)
	}
	// Requeueing the job gives the bad worker another chance.
	job = farmtest.Must(m.JobAction(j.ID, model.JobRequeue, 0))(t)
	if len(job.Blocklist) != 0 {
		t.Fatalf("requeue kept the blocklist %+v", job.Blocklist)
	}
}

func TestTaskEveryWorkerFailsEndsFailed(t *testing.T) {
	m := openManager(t)
	j := submit(t, m, "1-20")
	ws := []*model.Worker{register(t, m, "a"), register(t, m, "b"), register(t, m, "c")}
	drive(t, m, ws, func(_ *model.Worker, task *model.Task) bool { return task.Name == "echo-7" })
	job := mustJob(t, m, j.ID)
	// One failed task of twenty is 5%, under the 10% threshold: the others
	// run to the end, then the job fails, never "completed" with a task missing.
	if job.Status != model.JobFailed || job.TaskCounts[model.TaskFailed] != 1 || job.TaskCounts[model.TaskCompleted] != 19 ||
		!strings.Contains(job.StatusReason, "1 of 20 tasks failed") {
		t.Fatalf("job %s %v (%q)", job.Status, job.TaskCounts, job.StatusReason)
	}
	tasks := farmtest.Must(m.Tasks(j.ID))(t)
	bad := tasks[6]
	if bad.Status != model.TaskFailed || len(bad.FailedBy) != 3 || bad.Activity != "failed by 3 workers" {
		t.Fatalf("task %s failed by %v: %q", bad.Status, bad.FailedBy, bad.Activity)
	}
	log := farmtest.Must(m.TaskLogTail(bad.ID, 20))(t)
	if strings.Count(log, "failed on") != 3 || !strings.Contains(log, "exit code 1") {
		t.Errorf("log does not show the failures:\n%s", log)
	}
	if len(job.Blocklist) != 0 {
		t.Errorf("one failure each blocklisted someone: %+v", job.Blocklist)
	}

	// Over the threshold the job fails.
	j2 := submit(t, m, "1-5")
	drive(t, m, ws, func(_ *model.Worker, task *model.Task) bool { return task.Name == "echo-2" })
	job = mustJob(t, m, j2.ID)
	if job.Status != model.JobFailed || !strings.Contains(job.StatusReason, "1 of 5 tasks failed") {
		t.Fatalf("job %s (%q)", job.Status, job.StatusReason)
	}
}

func TestNoEligibleWorkerLeftFailsTheJob(t *testing.T) {
	m := openManager(t)
	j := submit(t, m, "1-3")
	solo := register(t, m, "solo")
	register(t, m, "renders-only", "blender") // cannot run misc tasks
	a := mustSchedule(t, m, solo.ID)
	farmtest.Must(m.UpdateTask(solo.ID, a.Task.ID, TaskUpdate{Status: model.ReportFailed}))(t)
	job := mustJob(t, m, j.ID)
	if job.Status != model.JobFailed || !strings.Contains(job.StatusReason, "no worker left that can run task "+a.Task.Name) {
		t.Fatalf("job %s (%q)", job.Status, job.StatusReason)
	}
	if job.TaskCounts[model.TaskCanceled] != 2 {
		t.Errorf("the failed job's other tasks: %v", job.TaskCounts)
	}
}

func TestHungTaskSoftFailsAndMovesOn(t *testing.T) {
	m := openManager(t)
	clock := time.Now()
	var mu sync.Mutex
	m.cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	j := submit(t, m, "1")
	slow, other := register(t, m, "slow"), register(t, m, "other")
	a := mustSchedule(t, m, slow.ID)
	advance(DefaultTaskTimeout / 2)
	farmtest.Must(m.UpdateTask(slow.ID, a.Task.ID, TaskUpdate{Log: "still going\n"}))(t) // a report resets the clock
	advance(DefaultTaskTimeout - time.Second)
	m.checkTaskTimeouts()
	if task := mustTask(t, m, a.Task.ID); task.Status != model.TaskActive {
		t.Fatalf("task timed out early: %s", task.Status)
	}
	// Heartbeats that do not name the task keep the worker alive but are no
	// report on the task (one that names it is: see liveness_test.go).
	farmtest.Must(m.Heartbeat(slow.ID, ""))(t)
	advance(2 * time.Second)
	m.checkTaskTimeouts()
	task := mustTask(t, m, a.Task.ID)
	if task.Status != model.TaskSoftFailed || !slices.Contains(task.FailedBy, slow.ID) {
		t.Fatalf("hung task is %s failed by %v, want soft-failed by slow", task.Status, task.FailedBy)
	}
	if hb := farmtest.Must(m.Heartbeat(slow.ID, a.Task.ID))(t); hb.MayKeepRunning {
		t.Fatal("the hung worker may keep running the task")
	}
	if _, err := m.UpdateTask(slow.ID, a.Task.ID, TaskUpdate{Status: model.ReportCompleted}); !errors.Is(err, ErrNotYours) {
		t.Fatalf("late completion accepted: %v", err)
	}
	if b := mustSchedule(t, m, other.ID); b.Task.ID != a.Task.ID {
		t.Fatal("the hung task was not retried on the other worker")
	}
	if w := farmtest.Must(m.Worker(slow.ID))(t); w.TaskID != "" {
		t.Errorf("slow worker still holds %s", w.TaskID)
	}
	checkCounters(t, m, j.ID)
}

func TestWhyNamesEveryReason(t *testing.T) {
	m := openManager(t)
	j, err := m.Submit(Submission{Name: "tagged", Type: "echo-sleep-test", RequiredTags: []string{"gpu"},
		Settings: map[string]any{"frames": "1-3"}})
	if err != nil {
		t.Fatal(err)
	}
	ready := register(t, m, "ready")
	farmtest.Must(m.UpdateWorker(ready.ID, WorkerChange{Tags: &[]string{"gpu"}}))(t)
	failer := register(t, m, "failer")
	farmtest.Must(m.UpdateWorker(failer.ID, WorkerChange{Tags: &[]string{"gpu"}}))(t)
	register(t, m, "no-tag")
	register(t, m, "no-type", "blender")
	sleepy := register(t, m, "sleepy")
	farmtest.Must(m.AckStatus(sleepy.ID, model.WorkerAsleep))(t)
	paused := register(t, m, "paused")
	farmtest.Must(m.AckStatus(paused.ID, model.WorkerPaused))(t)
	gone := register(t, m, "gone")
	farmtest.NoErr(t, m.SignOff(gone.ID))

	// failer fails task 0 (it is soft-failed, then retried), and takes task 1.
	a := mustSchedule(t, m, failer.ID)
	farmtest.Must(m.UpdateTask(failer.ID, a.Task.ID, TaskUpdate{Status: model.ReportFailed}))(t)
	busyWith := mustSchedule(t, m, failer.ID)
	if busyWith.Task.ID == a.Task.ID {
		t.Fatalf("failer got back the task it failed, %s", a.Task.Name)
	}
	// Blocklist failer by hand, for the reason to show.
	farmtest.NoErr(t, m.update(func(o *op) error {
		jc, err := o.job(j.ID)
		if err != nil {
			return err
		}
		jc.job.Blocklist = append(jc.job.Blocklist, model.BlockEntry{WorkerID: failer.ID, WorkerName: "failer", TaskType: "misc"})
		jc.dirty = true
		return nil
	}))

	why, err := m.Why(a.Task.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	verdicts := map[string]model.WorkerVerdict{}
	for _, v := range why.Workers {
		verdicts[v.WorkerName] = v
		for _, r := range v.Reasons {
			seen[r.Code] = true
		}
	}
	if !verdicts["ready"].WouldRun || len(verdicts["ready"].Reasons) != 0 {
		t.Errorf("ready worker: %+v", verdicts["ready"])
	}
	for _, code := range []string{WhyOffline, WhyAsleep, WhyPaused, WhyBusy, WhyLacksType, WhyMissingTag, WhyFailedBefore, WhyBlocklisted} {
		if !seen[code] {
			t.Errorf("no worker got reason %s: %+v", code, why.Workers)
		}
	}
	// failer runs task 1 (busyWith): for task 0 it is busy.
	if !slices.ContainsFunc(verdicts["failer"].Reasons, func(r model.Reason) bool {
		return r.Code == WhyBusy && strings.Contains(r.Message, "failer is running another task")
	}) {
		t.Errorf("failer, running %s, is not busy for %s: %+v", busyWith.Task.Name, a.Task.Name, verdicts["failer"])
	}

	// Task-wide reasons: a job that is paused, a dependency, a task not queued.
	j2 := plant(t, m, model.JobPaused, model.TaskCompleted, model.TaskPaused)
	farmtest.NoErr(t, m.update(func(o *op) error {
		jc, err := o.job(j2.ID)
		if err != nil {
			return err
		}
		t1, err := o.task(jc, 1)
		if err != nil {
			return err
		}
		t1.DependsOn = []int{0}
		jc.changed[1] = true
		t0, err := o.task(jc, 0)
		if err != nil {
			return err
		}
		o.setTaskStatus(jc, t0, model.TaskQueued, "")
		return nil
	}))
	why = farmtest.Must(m.Why(model.TaskID(j2.ID, 1)))(t)
	codes := ""
	for _, r := range why.Reasons {
		codes += r.Code + " "
	}
	for _, code := range []string{WhyNotQueued, WhyJobNotRunning, WhyDependency} {
		if !strings.Contains(codes, code) {
			t.Errorf("task-wide reasons %q lack %s", codes, code)
		}
	}
	setForTest(m, func(s *model.Settings) { s.WorkerTimeout = model.Duration(time.Nanosecond) })
	m.checkWorkerTimeouts()
	why = farmtest.Must(m.Why(a.Task.ID))(t)
	lost := false
	for _, v := range why.Workers {
		for _, r := range v.Reasons {
			lost = lost || r.Code == WhyLost
		}
	}
	if !lost {
		t.Errorf("no lost reason after every worker timed out: %v", fmt.Sprint(why.Workers))
	}
}

func TestBlocklistClearing(t *testing.T) {
	m := openManager(t)
	j := submit(t, m, "1-10")
	bad, good := register(t, m, "bad"), register(t, m, "good")
	drive(t, m, []*model.Worker{bad, good}, func(w *model.Worker, _ *model.Task) bool { return w.ID == bad.ID })
	job := mustJob(t, m, j.ID)
	if len(job.Blocklist) != 1 {
		t.Fatalf("blocklist %+v", job.Blocklist)
	}
	if _, err := m.ClearBlocklist(AsAdmin, j.ID, good.ID, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("clearing a worker not on the list: %v", err)
	}
	job, err := m.ClearBlocklist(AsAdmin, j.ID, bad.ID, "misc")
	if err != nil || len(job.Blocklist) != 0 || job.Failures[bad.ID+"/misc"] != 0 {
		t.Fatalf("after clearing: %+v %v %v", job.Blocklist, job.Failures, err)
	}
}
