//go:build e2e

package app_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/availability"
	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// The real binary's worker, on a computer whose screen is an Xvfb display,
// reads the X idle time: once the rules (set with 'farmhand worker ID
// availability') want 3 s without input it renders; real input typed by
// xdotool makes it unavailable at once, and after the 3 s grace period its
// task is stopped and goes back to the queue (issue 14, item 1).
func TestE2EXInputMakesWorkerUnavailable(t *testing.T) {
	farmtest.NeedTool(t, "Xvfb", "apt-get install xvfb")
	farmtest.NeedTool(t, "xdotool", "apt-get install xdotool")
	display := farmtest.Xvfb(t, "640x480x24")
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	cl := adminClient(t, addr)
	ctx := context.Background()
	cmd := exec.Command(farmhandBinary(t), "worker", "--headless", "--manager", "http://"+addr, "--data", t.TempDir(),
		"--name", "desk", "--join", joinCode(t, addr))
	cmd.Env = append(os.Environ(), "FARMHAND_MANAGER=", "DISPLAY="+display)
	worker := farmtest.Start(t, "worker", cmd)
	var id string
	waitFor(t, "the worker", 20*time.Second, func() bool {
		ws, _ := cl.Workers(ctx)
		if len(ws) == 1 && ws[0].Status == model.WorkerAwake {
			id = ws[0].ID
		}
		return id != ""
	})
	// Seconds, not the command line's whole minutes, to keep the test short:
	// through the API, as the command line sends its rules.
	if _, err := cl.SetWorkerAvailability(ctx, id, availability.Rules{IdleAfter: availability.Duration(3 * time.Second),
		OnReturn: availability.ReturnStop, Grace: availability.Duration(3 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	out := cli(t, addr, "worker", id, "availability")
	if !strings.Contains(out, "Idle after     3s") || !strings.Contains(out, "stop after a grace of 3s") {
		t.Fatalf("the rules as printed:\n%s", out)
	}
	rule := func() *availability.Decision {
		var a wire.WorkerAvailability
		if err := json.Unmarshal([]byte(cli(t, addr, "worker", id, "availability", "--json")), &a); err != nil {
			t.Fatal(err)
		}
		return a.Decision
	}
	waitFor(t, "the worker to find nobody at its screen", 30*time.Second, func() bool {
		d := rule()
		return d != nil && d.Available && d.Rule == availability.RuleIdle
	})
	job := submitCLI(t, addr, "while nobody is there", "frames=1", "sleep_seconds=120")
	var taskID string
	waitFor(t, "the task to run", 20*time.Second, func() bool {
		w, _ := cl.Worker(ctx, id)
		taskID = w.TaskID
		return taskID != ""
	})

	stop := farmtest.MoveMouse(t, display)
	defer stop()
	waitFor(t, "the worker to report its person back", 20*time.Second, func() bool {
		d := rule()
		return d != nil && !d.Available && d.Rule == availability.RulePresent
	})
	if task, err := cl.Task(ctx, taskID); err != nil || task.Status != model.TaskActive {
		t.Fatalf("the task did not run on through the grace period: %+v, %v\n%s", task, err, worker.Out.String())
	}
	waitFor(t, "the task to be stopped and queued again", 30*time.Second, func() bool {
		task, err := cl.Task(ctx, taskID)
		return err == nil && task.Status == model.TaskQueued && task.WorkerID == ""
	})
	log := cli(t, addr, "task", taskID, "log")
	if !strings.Contains(log, "not available to the farm now") {
		t.Errorf("the task's log does not say why it stopped:\n%s", log)
	}
	if j, _ := cl.Job(ctx, job); j.TaskCounts[model.TaskActive] != 0 {
		t.Errorf("the worker took the task again while its person was there: %v", j.TaskCounts)
	}
}
