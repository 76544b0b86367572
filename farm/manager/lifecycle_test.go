package manager

import (
	"errors"
	"testing"
	"time"

	"farmhand/farm/model"
)

func TestLazySleepWaitsForTheTask(t *testing.T) {
	m := openManager(t)
	submit(t, m, "1-3")
	w := register(t, m, "w")
	a, _ := m.Schedule(w.ID)
	got, err := m.WorkerAction(w.ID, model.WorkerSleep, false)
	if err != nil || got.StatusRequested != model.WorkerAsleep || !got.Lazy {
		t.Fatalf("request: %+v %v", got, err)
	}
	if hb, _ := m.Heartbeat(w.ID, a.Task.ID); !hb.MayKeepRunning || hb.StatusRequested != model.WorkerAsleep || !hb.Lazy {
		t.Fatalf("a lazy request stopped the task: %+v", hb)
	}
	m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Status: model.ReportCompleted})
	var sc *StatusChangeError
	if _, err := m.Schedule(w.ID); !errors.As(err, &sc) || sc.Change.Status != model.WorkerAsleep {
		t.Fatalf("schedule after the task: %v, want a status change to asleep", err)
	}
	got, _ = m.AckStatus(w.ID, model.WorkerAsleep)
	if got.Status != model.WorkerAsleep || got.StatusRequested != "" {
		t.Fatalf("after ack: %+v", got)
	}
	if _, err := m.Schedule(w.ID); !errors.Is(err, ErrNotAwake) {
		t.Fatalf("an asleep worker got work: %v", err)
	}
	m.WorkerAction(w.ID, model.WorkerWake, false)
	if hb, _ := m.Heartbeat(w.ID, ""); hb.StatusRequested != model.WorkerAwake {
		t.Fatalf("wake not delivered: %+v", hb)
	}
	m.AckStatus(w.ID, model.WorkerAwake)
	if a, err := m.Schedule(w.ID); err != nil || a == nil {
		t.Fatalf("woken worker got %v %v", a, err)
	}
}

func TestImmediateSleepStopsTheTask(t *testing.T) {
	m := openManager(t)
	j := submit(t, m, "1")
	w := register(t, m, "w")
	a, _ := m.Schedule(w.ID)
	m.WorkerAction(w.ID, model.WorkerSleep, true)
	hb, _ := m.Heartbeat(w.ID, a.Task.ID)
	if hb.MayKeepRunning || hb.Lazy {
		t.Fatalf("immediate sleep lets the task run: %+v", hb)
	}
	m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Status: model.ReportStopped})
	m.AckStatus(w.ID, model.WorkerAsleep)
	task, _ := m.Task(a.Task.ID)
	if task.Status != model.TaskQueued {
		t.Fatalf("stopped task is %s, want queued", task.Status)
	}
	checkCounters(t, m, j.ID)
}

func TestStatusSurvivesSignOffAndLoss(t *testing.T) {
	m := openManager(t)
	w := register(t, m, "w")
	m.WorkerAction(w.ID, model.WorkerSleep, false)
	m.AckStatus(w.ID, model.WorkerAsleep)
	m.SignOff(w.ID)
	back, _ := m.SignOn(w.ID, WorkerInfo{Name: "w", Platform: "linux", TaskTypes: []string{"misc"}})
	if back.Status != model.WorkerAsleep {
		t.Fatalf("signed on as %s, want asleep again", back.Status)
	}
	// A requested shutdown is done once the worker is back.
	m.WorkerAction(w.ID, model.WorkerShutdown, false)
	m.SignOff(w.ID)
	back, _ = m.SignOn(w.ID, WorkerInfo{Name: "w", Platform: "linux", TaskTypes: []string{"misc"}})
	if back.Status != model.WorkerAsleep || back.StatusRequested != "" {
		t.Fatalf("after shutdown and start: %s, request %q", back.Status, back.StatusRequested)
	}
	// Lost and back: the same.
	m.cfg.WorkerTimeout = time.Nanosecond
	m.checkWorkerTimeouts()
	if lost, _ := m.Worker(w.ID); lost.Status != model.WorkerLost {
		t.Fatalf("not lost: %s", lost.Status)
	}
	hb, _ := m.Heartbeat(w.ID, "")
	if hb.Status != model.WorkerAsleep {
		t.Fatalf("lost worker came back %s, want asleep", hb.Status)
	}
}

func TestWorkerActionsFollowTheTable(t *testing.T) {
	m := openManager(t)
	w := register(t, m, "w")
	if _, err := m.WorkerAction(w.ID, model.WorkerWake, false); err == nil {
		// awake → wake is not in the table
		t.Fatal("woke an awake worker")
	}
	m.SignOff(w.ID)
	var ae *model.ActionError
	if _, err := m.WorkerAction(w.ID, model.WorkerSleep, false); !errors.As(err, &ae) {
		t.Fatalf("sleep for an offline worker: %v", err)
	}
	if _, err := m.WorkerAction(w.ID, "explode", false); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown action: %v", err)
	}
}

func TestRenameTagsAndDelete(t *testing.T) {
	m := openManager(t)
	submit(t, m, "1")
	w := register(t, m, "box-17")
	a, _ := m.Schedule(w.ID)
	name := "Render Box"
	got, err := m.UpdateWorker(w.ID, WorkerChange{Name: &name, Tags: &[]string{"gpu", " big ", "gpu"}})
	if err != nil || got.Name != "Render Box" || len(got.Tags) != 2 {
		t.Fatalf("update: %+v %v", got, err)
	}
	back, _ := m.SignOn(w.ID, WorkerInfo{Name: "box-17", Platform: "linux", TaskTypes: []string{"misc"}})
	if back.Name != "Render Box" {
		t.Fatalf("sign-on undid the rename: %q", back.Name)
	}
	if err := m.DeleteWorker(w.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Worker(w.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted worker still there: %v", err)
	}
	if task, _ := m.Task(a.Task.ID); task.Status != model.TaskQueued {
		t.Fatalf("deleted worker's task is %s", task.Status)
	}
	// Deleting forgets the worker, not the member: if it comes back, it is a
	// new worker (revoke it to keep it out).
	if again, err := m.SignOn(w.ID, WorkerInfo{Name: "box-17", Platform: "linux", TaskTypes: []string{"misc"}}); err != nil || again.Renamed {
		t.Fatalf("a deleted worker signing on again: %+v %v", again, err)
	}
}

func TestForgetLongGoneWorkers(t *testing.T) {
	m := openManager(t)
	clock := time.Now()
	m.cfg.Now = func() time.Time { return clock }
	m.cfg.ForgetAfter = 24 * time.Hour
	old, fresh := register(t, m, "old"), register(t, m, "fresh")
	m.SignOff(old.ID)
	clock = clock.Add(25 * time.Hour)
	m.SignOff(fresh.ID)
	m.forgetWorkers()
	ws, _ := m.Workers()
	if len(ws) != 1 || ws[0].ID != fresh.ID {
		t.Fatalf("workers after forgetting: %v", ws)
	}
}
