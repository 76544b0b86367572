package manager

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// Representative tasks for a job in each status.
var jobFixtures = map[model.JobStatus][]model.TaskStatus{
	model.JobUnderConstruction:  {model.TaskQueued},
	model.JobConstructionFailed: {model.TaskQueued},
	model.JobQueued:             {model.TaskQueued, model.TaskQueued},
	model.JobActive:             {model.TaskActive, model.TaskQueued},
	model.JobPauseRequested:     {model.TaskActive, model.TaskPaused},
	model.JobPaused:             {model.TaskCompleted, model.TaskPaused},
	model.JobCancelRequested:    {model.TaskCancelRequested, model.TaskCanceled},
	model.JobCanceled:           {model.TaskCompleted, model.TaskCanceled},
	model.JobFailRequested:      {model.TaskCancelRequested, model.TaskFailed},
	model.JobFailed:             {model.TaskFailed, model.TaskCanceled},
	model.JobRequeueing:         {model.TaskQueued},
	model.JobCompleted:          {model.TaskCompleted, model.TaskCompleted},
	model.JobArchiving:          {model.TaskCompleted},
	model.JobArchived:           {},
}

// What each allowed (status, action) pair leads to; "gone" means deleted.
var jobOutcomes = map[model.JobStatus]map[model.JobAction]string{
	model.JobConstructionFailed: {model.JobDelete: "gone"},
	model.JobQueued:             {model.JobCancel: "canceled", model.JobPause: "paused", model.JobSetPriority: "queued", model.JobDelete: "gone"},
	model.JobActive:             {model.JobCancel: "cancel-requested", model.JobPause: "pause-requested", model.JobSetPriority: "active"},
	model.JobPauseRequested:     {model.JobCancel: "cancel-requested", model.JobSetPriority: "pause-requested"},
	model.JobPaused: {model.JobResume: "active", model.JobCancel: "canceled", model.JobRequeue: "active",
		model.JobArchive: "archived", model.JobDelete: "gone", model.JobSetPriority: "paused"},
	model.JobCancelRequested: {model.JobSetPriority: "cancel-requested"},
	model.JobCanceled: {model.JobRequeue: "active", model.JobRequeueFailed: "active", model.JobArchive: "archived",
		model.JobDelete: "gone", model.JobSetPriority: "canceled"},
	model.JobFailRequested: {model.JobSetPriority: "fail-requested"},
	model.JobFailed: {model.JobRequeue: "queued", model.JobRequeueFailed: "queued", model.JobArchive: "archived",
		model.JobDelete: "gone", model.JobSetPriority: "failed"},
	model.JobRequeueing: {model.JobSetPriority: "requeueing"},
	model.JobCompleted: {model.JobRequeue: "queued", model.JobArchive: "archived", model.JobDelete: "gone",
		model.JobSetPriority: "completed"},
	model.JobArchived: {model.JobDelete: "gone"},
}

func TestEveryJobStatusAndAction(t *testing.T) {
	m := openManager(t)
	for _, js := range model.JobStatuses {
		for _, action := range model.JobActions {
			t.Run(fmt.Sprintf("%s/%s", js, action), func(t *testing.T) {
				j := plant(t, m, js, jobFixtures[js]...)
				before := farmtest.Must(m.Tasks(j.ID))(t)
				got, err := m.JobAction(j.ID, action, 80)
				want, allowed := jobOutcomes[js][action]
				if !allowed {
					var ae *model.ActionError
					if !errors.As(err, &ae) {
						t.Fatalf("err = %v, want an ActionError", err)
					}
					if !strings.Contains(err.Error(), "it is "+string(js)) {
						t.Errorf("message %q does not name the status", err)
					}
					for _, a := range model.AllowedJobActions(js) {
						if !strings.Contains(err.Error(), string(a)) {
							t.Errorf("message %q does not name allowed action %s", err, a)
						}
					}
					after := farmtest.Must(m.Tasks(j.ID))(t)
					again := mustJob(t, m, j.ID)
					if again.Status != js || !sameJSON(after, before) {
						t.Errorf("a refused action changed the job: %s → %s", js, again.Status)
					}
					return
				}
				if err != nil {
					t.Fatalf("allowed action failed: %v", err)
				}
				if want == "gone" {
					if _, err := m.Job(j.ID); !errors.Is(err, ErrNotFound) {
						t.Errorf("deleted job still there: %v", err)
					}
					return
				}
				if string(got.Status) != want {
					t.Errorf("status %s, want %s (reason %q)", got.Status, want, got.StatusReason)
				}
				if !slices.Equal(got.AllowedActions, model.AllowedJobActions(got.Status)) {
					t.Errorf("allowed_actions %v does not follow status %s", got.AllowedActions, got.Status)
				}
				if action == model.JobSetPriority && got.Priority != 80 {
					t.Errorf("priority %d, want 80", got.Priority)
				}
				checkCounters(t, m, j.ID)
			})
		}
	}
}

// What each allowed (task status, action) pair leads to.
var taskOutcomes = map[model.TaskStatus]map[model.TaskAction]model.TaskStatus{
	model.TaskQueued:     {model.TaskCancel: model.TaskCanceled},
	model.TaskActive:     {model.TaskCancel: model.TaskCancelRequested},
	model.TaskSoftFailed: {model.TaskCancel: model.TaskCanceled, model.TaskRequeue: model.TaskQueued},
	model.TaskPaused:     {model.TaskCancel: model.TaskCanceled},
	model.TaskCanceled:   {model.TaskRequeue: model.TaskQueued},
	model.TaskFailed:     {model.TaskRequeue: model.TaskQueued},
	model.TaskCompleted:  {model.TaskRequeue: model.TaskQueued},
}

func TestEveryTaskStatusAndAction(t *testing.T) {
	m := openManager(t)
	for _, ts := range model.TaskStatuses {
		for _, action := range model.TaskActions {
			t.Run(fmt.Sprintf("%s/%s", ts, action), func(t *testing.T) {
				js, other := model.JobActive, model.TaskQueued
				if ts == model.TaskPaused {
					js, other = model.JobPaused, model.TaskPaused
				}
				j := plant(t, m, js, ts, other)
				tasks := farmtest.Must(m.Tasks(j.ID))(t)
				got, err := m.TaskAction(action, []string{tasks[0].ID})
				want, allowed := taskOutcomes[ts][action]
				if !allowed {
					var ae *model.ActionError
					if !errors.As(err, &ae) || !strings.Contains(err.Error(), "it is "+string(ts)) {
						t.Fatalf("err = %v, want an ActionError naming %s", err, ts)
					}
					if again := mustTask(t, m, tasks[0].ID); again.Status != ts {
						t.Errorf("a refused action changed the task to %s", again.Status)
					}
					return
				}
				if err != nil {
					t.Fatalf("allowed action failed: %v", err)
				}
				if got[0].Status != want {
					t.Errorf("task status %s, want %s", got[0].Status, want)
				}
				checkCounters(t, m, j.ID)
			})
		}
	}
}

func TestTaskBatchIsAllOrNothing(t *testing.T) {
	m := openManager(t)
	j := plant(t, m, model.JobActive, model.TaskActive, model.TaskQueued, model.TaskCompleted)
	tasks := farmtest.Must(m.Tasks(j.ID))(t)
	_, err := m.TaskAction(model.TaskCancel, []string{tasks[1].ID, tasks[2].ID})
	var ae *model.ActionError
	if !errors.As(err, &ae) || ae.ID != tasks[2].ID {
		t.Fatalf("err = %v, want an ActionError for the completed task", err)
	}
	if again := mustTask(t, m, tasks[1].ID); again.Status != model.TaskQueued {
		t.Fatalf("first task of a refused batch became %s", again.Status)
	}
}

func TestConcurrentSchedulingGivesDistinctTasks(t *testing.T) {
	m := openManager(t)
	j := submit(t, m, "1-10")
	workers := make([]*model.Worker, 64)
	for i := range workers {
		workers[i] = register(t, m, fmt.Sprint("w", i))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]string{}
	start := make(chan struct{})
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			a, err := m.Schedule(w.ID)
			if err != nil {
				t.Error(err)
				return
			}
			if a != nil {
				mu.Lock()
				defer mu.Unlock()
				if prev, dup := got[a.Task.ID]; dup {
					t.Errorf("task %s given to %s and %s", a.Task.Name, prev, w.Name)
				}
				got[a.Task.ID] = w.Name
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(got) != 10 {
		t.Fatalf("%d tasks assigned, want 10", len(got))
	}
	job := mustJob(t, m, j.ID)
	if job.Status != model.JobActive || job.TaskCounts[model.TaskActive] != 10 {
		t.Errorf("job %s with counts %v", job.Status, job.TaskCounts)
	}
	checkCounters(t, m, j.ID)
}

func TestJobRunsToCompletion(t *testing.T) {
	m := openManager(t)
	j := submit(t, m, "1-5")
	w := register(t, m, "solo")
	for range 5 {
		a, err := m.Schedule(w.ID)
		if err != nil || a == nil {
			t.Fatalf("schedule: %v %v", a, err)
		}
		reply, err := m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Status: model.ReportCompleted, Log: "done\n"})
		if err != nil {
			t.Fatal(err)
		}
		if reply.MayKeepRunning {
			t.Error("told to keep running a completed task")
		}
	}
	if a, _ := m.Schedule(w.ID); a != nil {
		t.Fatalf("sixth task %v", a.Task.Name)
	}
	job := mustJob(t, m, j.ID)
	if job.Status != model.JobCompleted || job.StepsCompleted != job.StepsTotal {
		t.Fatalf("job %s, steps %d/%d", job.Status, job.StepsCompleted, job.StepsTotal)
	}
	tasks := farmtest.Must(m.Tasks(j.ID))(t)
	tail := farmtest.Must(m.TaskLogTail(tasks[0].ID, 10))(t)
	if !strings.Contains(tail, "done") || !strings.Contains(tail, "assigned to solo") {
		t.Errorf("log tail %q", tail)
	}
}

func TestReportsFromTheWrongWorkerAreRefused(t *testing.T) {
	m := openManager(t)
	submit(t, m, "1")
	a := register(t, m, "a")
	b := register(t, m, "b")
	as := mustSchedule(t, m, a.ID)
	if _, err := m.UpdateTask(b.ID, as.Task.ID, TaskUpdate{Status: model.ReportCompleted}); !errors.Is(err, ErrNotYours) {
		t.Fatalf("err = %v, want ErrNotYours", err)
	}
	if _, err := m.UpdateTask(a.ID, as.Task.ID, TaskUpdate{Status: "soft-failed"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

func TestFailureRetriesOnOtherWorkers(t *testing.T) {
	m := openManager(t)
	j := submit(t, m, "1")
	var ws []*model.Worker
	for i := range 4 {
		ws = append(ws, register(t, m, fmt.Sprint("w", i)))
	}
	for i := range 3 {
		if i > 0 {
			if a := farmtest.Must(m.Schedule(ws[0].ID))(t); a != nil {
				t.Fatalf("w0 got the task it failed")
			}
		}
		a := mustSchedule(t, m, ws[i].ID)
		farmtest.Must(m.UpdateTask(ws[i].ID, a.Task.ID, TaskUpdate{Status: model.ReportFailed}))(t)
	}
	job := mustJob(t, m, j.ID)
	if job.Status != model.JobFailed || job.TaskCounts[model.TaskFailed] != 1 {
		t.Fatalf("job %s %v after three failures, want failed", job.Status, job.TaskCounts)
	}
}

func TestCancelStopsRunningTask(t *testing.T) {
	m := openManager(t)
	j := submit(t, m, "1-3")
	w := register(t, m, "w")
	a := mustSchedule(t, m, w.ID)
	if _, err := m.JobAction(j.ID, model.JobCancel, 0); err != nil {
		t.Fatal(err)
	}
	if hb := farmtest.Must(m.Heartbeat(w.ID, a.Task.ID))(t); hb.MayKeepRunning {
		t.Fatal("heartbeat lets a canceled task run on")
	}
	farmtest.Must(m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Status: model.ReportStopped}))(t)
	job := mustJob(t, m, j.ID)
	if job.Status != model.JobCanceled {
		t.Fatalf("job %s after its last task stopped, want canceled", job.Status)
	}
	checkCounters(t, m, j.ID)
}

func TestPauseAndResume(t *testing.T) {
	m := openManager(t)
	j := submit(t, m, "1-3")
	w := register(t, m, "w")
	a := mustSchedule(t, m, w.ID)
	job := farmtest.Must(m.JobAction(j.ID, model.JobPause, 0))(t)
	if job.Status != model.JobPauseRequested {
		t.Fatalf("status %s", job.Status)
	}
	if b := farmtest.Must(m.Schedule(register(t, m, "w2").ID))(t); b != nil {
		t.Fatal("scheduled a task of a pausing job")
	}
	farmtest.Must(m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Status: model.ReportStopped}))(t)
	job = mustJob(t, m, j.ID)
	if job.Status != model.JobPaused || job.TaskCounts[model.TaskPaused] != 3 {
		t.Fatalf("job %s %v, want paused with 3 paused tasks", job.Status, job.TaskCounts)
	}
	job = farmtest.Must(m.JobAction(j.ID, model.JobResume, 0))(t)
	if job.Status != model.JobQueued {
		t.Fatalf("resumed job is %s", job.Status)
	}
	mustSchedule(t, m, w.ID) // work again after the resume
}

func TestLostWorkerTaskIsRequeued(t *testing.T) {
	m := openManager(t)
	clock := time.Now()
	var mu sync.Mutex
	m.cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	j := submit(t, m, "1")
	w := register(t, m, "flaky")
	a := mustSchedule(t, m, w.ID)
	mu.Lock()
	clock = clock.Add(2 * DefaultWorkerTimeout)
	mu.Unlock()
	m.checkWorkerTimeouts()
	lost := farmtest.Must(m.Worker(w.ID))(t)
	if lost.Status != model.WorkerLost || lost.TaskID != "" {
		t.Fatalf("worker %s holding %q", lost.Status, lost.TaskID)
	}
	if task := mustTask(t, m, a.Task.ID); task.Status != model.TaskQueued {
		t.Fatalf("task %s, want queued", task.Status)
	}
	if _, err := m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Status: model.ReportCompleted}); !errors.Is(err, ErrNotYours) {
		t.Fatalf("a lost worker completed its requeued task: %v", err)
	}
	other := register(t, m, "steady")
	if b := mustSchedule(t, m, other.ID); b.Task.ID != a.Task.ID {
		t.Fatal("requeued task not given to the other worker")
	}
	checkCounters(t, m, j.ID)
}

func TestRestartKeepsJobsAndResumesWork(t *testing.T) {
	dir := t.TempDir()
	m, err := Open(Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	j := submit(t, m, "1-4")
	w := register(t, m, "w")
	a := mustSchedule(t, m, w.ID)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	m = openWith(t, Config{DataDir: dir})
	again, err := m.Schedule(w.ID)
	if err != nil || again == nil || again.Task.ID != a.Task.ID {
		t.Fatalf("after restart the worker got %v, %v; want its active task back", again, err)
	}
	if _, err := m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Status: model.ReportCompleted}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		b := mustSchedule(t, m, w.ID) // fails when a queued task was lost in the restart
		farmtest.Must(m.UpdateTask(w.ID, b.Task.ID, TaskUpdate{Status: model.ReportCompleted}))(t)
	}
	if job := mustJob(t, m, j.ID); job.Status != model.JobCompleted {
		t.Fatalf("job %s", job.Status)
	}
}

// The task list served from stored bytes is the same as the decoded one.
func TestTasksJSONMatchesTasks(t *testing.T) {
	m := openManager(t)
	j := plant(t, m, model.JobActive, model.TaskActive, model.TaskQueued, model.TaskCompleted, model.TaskFailed)
	// An activity that looks like JSON must not fool the raw list. (Set
	// directly: the planted worker that runs task 0 is not a real one.)
	const tricky = `tricky "status":"completed" text`
	farmtest.NoErr(t, m.update(func(o *op) error {
		jc, err := o.job(j.ID)
		if err != nil {
			return err
		}
		t0, err := o.task(jc, 0)
		if err != nil {
			return err
		}
		t0.Activity = tricky
		jc.changed[0] = true
		return nil
	}))
	tasks, err := m.Tasks(j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tasks[0].Activity != tricky {
		t.Fatalf("task 0's activity is %q, want %q", tasks[0].Activity, tricky)
	}
	raw, err := m.TasksJSON(j.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Tasks []*model.Task }
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if !sameJSON(got.Tasks, tasks) {
		t.Errorf("raw list\n%s\ndiffers from\n%s", raw, mustJSON(tasks))
	}
	if _, err := m.TasksJSON("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown job: %v", err)
	}
}
