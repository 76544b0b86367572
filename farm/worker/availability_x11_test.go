//go:build linux

package worker

import (
	"testing"
	"time"

	"farmhand/farm/availability"
	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// Real input under Xvfb, typed by xdotool, read back through the X11 idle
// source, makes the worker unavailable at once; its task runs on through the
// grace period and is then stopped.
func TestXInputMakesWorkerUnavailable(t *testing.T) {
	farmtest.NeedTool(t, "Xvfb", "apt-get install xvfb")
	farmtest.NeedTool(t, "xdotool", "apt-get install xdotool")
	display := farmtest.Xvfb(t, "640x480x24")
	src := availability.NewX11(display)
	farmtest.Eventually(t, "the X idle time to be readable", 10*time.Second, func() bool { return src.Idle().Known })
	fastAvailability(t, src)

	f := startFarm(t)
	startWorker(t, f, "desk")
	w := onlyWorker(t, f)
	setRules(t, f, w.ID, availability.Rules{IdleAfter: availability.Duration(2 * time.Second),
		OnReturn: availability.ReturnStop, Grace: availability.Duration(3 * time.Second)})
	waitRule(t, f, w.ID, availability.RuleIdle) // nobody has touched the new screen
	_, taskID := longJob(t, f)

	stop := farmtest.MoveMouse(t, display)
	defer stop()
	d := waitRule(t, f, w.ID, availability.RulePresent)
	if d.Available {
		t.Fatalf("input seen, yet %+v", d)
	}
	if task := farmtest.Must(f.m.Task(taskID))(t); task.Status != model.TaskActive {
		t.Fatalf("the task was stopped before the grace period ended: %s", task.Status)
	}
	waitLog(t, f, taskID, "not available to the farm now")
	farmtest.Eventually(t, "the task to go back to the queue", 20*time.Second, func() bool {
		task := farmtest.Must(f.m.Task(taskID))(t)
		return task.Status == model.TaskQueued && task.WorkerID == ""
	})
}
