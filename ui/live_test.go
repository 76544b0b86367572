package ui_test

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
	"farmhand/ui"
)

// startFarm runs a real manager with its API on 127.0.0.1 and returns an
// admin's client of it.
func startFarm(t *testing.T) *client.Client {
	t.Helper()
	_, admin := startJoinFarm(t)
	return admin
}

// liveWait bounds each wait for the windows to follow the farm.
const liveWait = 10 * time.Second

// openWindows starts the windows' logic on cl, as the GUI does, and waits for
// the first load. The windows close when the test ends.
func openWindows(t *testing.T, cl *client.Client) *ui.Serial {
	t.Helper()
	u := ui.NewSerial(t.Context(), ui.Config{App: test.NewTempApp(t), Client: cl, Farm: "test"})
	u.Start()
	u.Until(t, "the first load", liveWait, u.Online)
	return u
}

// TestLiveWindowFollowsTheFarm drives a real manager through the same API
// client the windows use, and checks that the windows follow: the first
// load, job events, a mass task change (refresh_tasks) and task actions.
func TestLiveWindowFollowsTheFarm(t *testing.T) {
	cl := startFarm(t)
	ctx := t.Context()
	u := openWindows(t, cl)
	const wait = liveWait

	job, err := cl.Submit(ctx, wire.SubmitJob{Name: "shot 1", Type: "echo-sleep-test",
		Settings: map[string]any{"frames": "1-40", "chunk_size": 1}})
	if err != nil {
		t.Fatal(err)
	}
	u.Until(t, "the submitted job", wait, func() bool { _, ok := u.Job(job.ID); return ok })

	u.OpenJob(job.ID)
	u.Until(t, "its 40 tasks", wait, func() bool { return u.Tasks()[model.TaskQueued] == 40 })

	// Pausing 40 tasks is one job event with refresh_tasks, not 40 task events.
	if _, err := cl.JobAction(ctx, job.ID, model.JobPause, nil); err != nil {
		t.Fatal(err)
	}
	u.Until(t, "the job paused", wait, func() bool { j, _ := u.Job(job.ID); return j.Status == model.JobPaused })
	u.Until(t, "its tasks paused", wait, func() bool { return u.Tasks()[model.TaskPaused] == 40 })

	// A few task changes come as task events.
	tasks, err := cl.Tasks(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.TaskAction(ctx, model.TaskCancel, []string{tasks[0].ID, tasks[1].ID}); err != nil {
		t.Fatal(err)
	}
	u.Until(t, "two tasks canceled", wait, func() bool { return u.Tasks()[model.TaskCanceled] == 2 })

	if err := cl.DeleteJob(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	u.Until(t, "the job gone", wait, func() bool { _, ok := u.Job(job.ID); return !ok })
}

// TestWindowGetsLoadAndJoinRequestsFromEvents: with no polling, a worker's
// CPU use and a new join request reach the window through the event stream.
func TestWindowGetsLoadAndJoinRequestsFromEvents(t *testing.T) {
	cl := startFarm(t)
	ctx := t.Context()
	u := openWindows(t, cl)
	const wait = liveWait

	code, err := cl.JoinCode(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	joined, err := cl.Join(ctx, wire.JoinRequest{Name: "node-1", Platform: "linux", JoinCode: code})
	if err != nil {
		t.Fatal(err)
	}
	wcl := cl.AsWorker(joined.Member.ID, joined.Token)
	w, err := wcl.SignOn(ctx, wire.WorkerRegistration{Name: "node-1", Platform: "linux", Version: "test", TaskTypes: []string{"misc"}})
	if err != nil {
		t.Fatal(err)
	}
	u.Until(t, "the worker listed", wait, func() bool { return u.Workers() == 1 })
	if _, err := wcl.Heartbeat(ctx, "", &model.HostStats{CPUPercent: 42, CPUs: 2, Sampled: time.Now()}); err != nil {
		t.Fatal(err)
	}
	u.Until(t, "the worker's CPU use", wait, func() bool { cpu, ok := u.WorkerCPU(w.ID); return ok && cpu == 42 })

	u.Until(t, "admin rights", wait, u.Admin)
	if _, err := cl.WithToken("").Join(ctx, wire.JoinRequest{Name: "laptop", Platform: "linux"}); err != nil {
		t.Fatal(err)
	}
	u.Until(t, "the join request shown", wait, func() bool { return u.PendingJoins() == 1 })
}
