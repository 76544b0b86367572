//go:build linux

package worker

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
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
	display := startXvfb(t)
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

	stop := moveMouse(t, display)
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

// moveMouse moves the pointer on display every 200 ms with xdotool, as a
// person at work would, until stopped; a failing xdotool fails the test.
func moveMouse(t *testing.T, display string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var failure error
	go func() {
		defer close(done)
		for i := 0; ctx.Err() == nil; i++ {
			cmd := exec.CommandContext(ctx, "xdotool", "mousemove", fmt.Sprint(100+i%50), fmt.Sprint(100+i%30))
			cmd.Env = append(os.Environ(), "DISPLAY="+display)
			if out, err := cmd.CombinedOutput(); err != nil && ctx.Err() == nil {
				failure = fmt.Errorf("xdotool: %w: %s", err, out)
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
			if failure != nil {
				t.Error(failure)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// startXvfb starts a virtual screen on a free display number and returns
// its name (":N"); it stops when the test ends.
func startXvfb(t *testing.T) string {
	t.Helper()
	n := 150
	for ; n < 250; n++ {
		_, errSock := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n))
		_, errLock := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n))
		if os.IsNotExist(errSock) && os.IsNotExist(errLock) {
			break
		}
	}
	display := fmt.Sprintf(":%d", n)
	cmd := exec.Command("Xvfb", display, "-screen", "0", "640x480x24", "-nolisten", "tcp")
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting Xvfb: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // it may have died already; Wait says how
		_ = cmd.Wait()
	})
	farmtest.Eventually(t, "Xvfb to start", 10*time.Second, func() bool {
		_, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n))
		return err == nil
	})
	return display
}
