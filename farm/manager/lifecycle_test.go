package manager

import (
	"errors"
	"slices"
	"testing"
	"time"

	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

func TestLazySleepWaitsForTheTask(t *testing.T) {
	m := openManager(t)
	submit(t, m, "1-3")
	w := register(t, m, "w")
	a := mustSchedule(t, m, w.ID)
	got, err := m.WorkerAction(w.ID, model.WorkerSleep, false)
	if err != nil || got.StatusRequested != model.WorkerAsleep || !got.Lazy {
		t.Fatalf("request: %+v %v", got, err)
	}
	if hb := farmtest.Must(m.Heartbeat(w.ID, a.Task.ID))(t); !hb.MayKeepRunning || hb.StatusRequested != model.WorkerAsleep || !hb.Lazy {
		t.Fatalf("a lazy request stopped the task: %+v", hb)
	}
	farmtest.Must(m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Status: model.ReportCompleted}))(t)
	var sc *StatusChangeError
	if _, err := m.Schedule(w.ID); !errors.As(err, &sc) || sc.Change.Status != model.WorkerAsleep {
		t.Fatalf("schedule after the task: %v, want a status change to asleep", err)
	}
	got = farmtest.Must(m.AckStatus(w.ID, model.WorkerAsleep))(t)
	if got.Status != model.WorkerAsleep || got.StatusRequested != "" {
		t.Fatalf("after ack: %+v", got)
	}
	if _, err := m.Schedule(w.ID); !errors.Is(err, ErrNotAwake) {
		t.Fatalf("an asleep worker got work: %v", err)
	}
	farmtest.Must(m.WorkerAction(w.ID, model.WorkerWake, false))(t)
	if hb := farmtest.Must(m.Heartbeat(w.ID, ""))(t); hb.StatusRequested != model.WorkerAwake {
		t.Fatalf("wake not delivered: %+v", hb)
	}
	farmtest.Must(m.AckStatus(w.ID, model.WorkerAwake))(t)
	if a, err := m.Schedule(w.ID); err != nil || a == nil {
		t.Fatalf("woken worker got %v %v", a, err)
	}
}

func TestImmediateSleepStopsTheTask(t *testing.T) {
	m := openManager(t)
	j := submit(t, m, "1")
	w := register(t, m, "w")
	a := mustSchedule(t, m, w.ID)
	farmtest.Must(m.WorkerAction(w.ID, model.WorkerSleep, true))(t)
	hb := farmtest.Must(m.Heartbeat(w.ID, a.Task.ID))(t)
	if hb.MayKeepRunning || hb.Lazy {
		t.Fatalf("immediate sleep lets the task run: %+v", hb)
	}
	farmtest.Must(m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Status: model.ReportStopped}))(t)
	farmtest.Must(m.AckStatus(w.ID, model.WorkerAsleep))(t)
	task := mustTask(t, m, a.Task.ID)
	if task.Status != model.TaskQueued {
		t.Fatalf("stopped task is %s, want queued", task.Status)
	}
	checkCounters(t, m, j.ID)
}

func TestStatusSurvivesSignOffAndLoss(t *testing.T) {
	m := openManager(t)
	w := register(t, m, "w")
	farmtest.Must(m.WorkerAction(w.ID, model.WorkerSleep, false))(t)
	farmtest.Must(m.AckStatus(w.ID, model.WorkerAsleep))(t)
	farmtest.NoErr(t, m.SignOff(w.ID))
	back := farmtest.Must(m.SignOn(w.ID, WorkerInfo{Name: "w", Platform: "linux", TaskTypes: []string{"misc"}}))(t)
	if back.Status != model.WorkerAsleep {
		t.Fatalf("signed on as %s, want asleep again", back.Status)
	}
	// A requested shutdown is done once the worker is back.
	farmtest.Must(m.WorkerAction(w.ID, model.WorkerShutdown, false))(t)
	farmtest.NoErr(t, m.SignOff(w.ID))
	back = farmtest.Must(m.SignOn(w.ID, WorkerInfo{Name: "w", Platform: "linux", TaskTypes: []string{"misc"}}))(t)
	if back.Status != model.WorkerAsleep || back.StatusRequested != "" {
		t.Fatalf("after shutdown and start: %s, request %q", back.Status, back.StatusRequested)
	}
	// Lost and back: the same.
	setForTest(m, func(s *model.Settings) { s.WorkerTimeout = model.Duration(time.Nanosecond) })
	m.checkWorkerTimeouts()
	if lost := farmtest.Must(m.Worker(w.ID))(t); lost.Status != model.WorkerLost {
		t.Fatalf("not lost: %s", lost.Status)
	}
	hb := farmtest.Must(m.Heartbeat(w.ID, ""))(t)
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
	farmtest.NoErr(t, m.SignOff(w.ID))
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
	a := mustSchedule(t, m, w.ID)
	name := "Render Box"
	got, err := m.UpdateWorker(w.ID, WorkerChange{Name: &name, Tags: &[]string{"gpu", " big ", "gpu"}})
	if err != nil || got.Name != "Render Box" || len(got.Tags) != 2 {
		t.Fatalf("update: %+v %v", got, err)
	}
	back := farmtest.Must(m.SignOn(w.ID, WorkerInfo{Name: "box-17", Platform: "linux", TaskTypes: []string{"misc"}}))(t)
	if back.Name != "Render Box" {
		t.Fatalf("sign-on undid the rename: %q", back.Name)
	}
	// The admin's tags outlive a restart, with or without the worker's own
	// --tags (found by a fresh-eyes try: a restart wiped them).
	if !slices.Equal(back.Tags, []string{"gpu", "big"}) {
		t.Errorf("sign-on without tags left %v, want the admin's [gpu big]", back.Tags)
	}
	back = farmtest.Must(m.SignOn(w.ID, WorkerInfo{Name: "box-17", Platform: "linux", TaskTypes: []string{"misc"}, Tags: []string{"cpu"}}))(t)
	if !slices.Equal(back.Tags, []string{"gpu", "big"}) || back.Retagged || back.Renamed {
		t.Errorf("sign-on with --tags cpu: tags %v (retagged %v, renamed %v shown); want the admin's, bookkeeping hidden",
			back.Tags, back.Retagged, back.Renamed)
	}
	if err := m.DeleteWorker(w.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Worker(w.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted worker still there: %v", err)
	}
	if task := mustTask(t, m, a.Task.ID); task.Status != model.TaskQueued {
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
	setForTest(m, func(s *model.Settings) { s.ForgetWorkersAfter = model.Duration(24 * time.Hour) })
	old, fresh := register(t, m, "old"), register(t, m, "fresh")
	farmtest.NoErr(t, m.SignOff(old.ID))
	clock = clock.Add(25 * time.Hour)
	farmtest.NoErr(t, m.SignOff(fresh.ID))
	m.forgetWorkers()
	ws := farmtest.Must(m.Workers())(t)
	if len(ws) != 1 || ws[0].ID != fresh.ID {
		t.Fatalf("workers after forgetting: %v", ws)
	}
}
