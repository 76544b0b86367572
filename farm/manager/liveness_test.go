package manager

import (
	"errors"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// clock is farmtest's Clock with the advance the manager's tests call.
type clock struct{ *farmtest.Clock }

func (c *clock) advance(d time.Duration) { c.Advance(d) }

func openWithClock(t *testing.T, taskTimeout time.Duration) (*Manager, *clock) {
	t.Helper()
	c := &clock{farmtest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))}
	return openWith(t, Config{TaskTimeout: taskTimeout, WorkerTimeout: 24 * time.Hour, Now: c.Now}), c
}

func submitQuiet(t *testing.T, m *Manager, settings map[string]any) (*model.Job, error) {
	t.Helper()
	s := map[string]any{"frames": "1", "sleep_seconds": 660.0}
	for k, v := range settings {
		s[k] = v
	}
	return m.Submit(Submission{Name: "quiet", Type: "echo-sleep-test", Settings: s})
}

// Case 05: a task whose process prints nothing for longer than the task
// timeout stays alive while its worker's heartbeats name it, and completes.
func TestQuietTaskLivesWhileItsWorkerHeartbeats(t *testing.T) {
	m, c := openWithClock(t, 10*time.Minute)
	j, err := submitQuiet(t, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := register(t, m, "w1")
	a, err := m.Schedule(w.ID)
	if err != nil || a == nil {
		t.Fatalf("schedule: %v %v", a, err)
	}
	for range 11 { // 11 minutes of silence but for heartbeats
		c.advance(time.Minute)
		if reply, err := m.Heartbeat(w.ID, a.Task.ID); err != nil || !reply.MayKeepRunning {
			t.Fatalf("heartbeat: %+v %v", reply, err)
		}
		m.checkTaskTimeouts()
	}
	if got := mustTask(t, m, a.Task.ID); got.Status != model.TaskActive {
		t.Fatalf("a quiet task with a heartbeating worker is %s (%q)", got.Status, got.Activity)
	}
	if _, err := m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Status: model.ReportCompleted}); err != nil {
		t.Fatal(err)
	}
	if job := mustJob(t, m, j.ID); job.Status != model.JobCompleted {
		t.Fatalf("job %s (%q)", job.Status, job.StatusReason)
	}
}

// A worker that heartbeats without naming its task (it lost it, say after a
// restart) has the task timed out, with the reason in the task's log.
func TestTaskTimesOutWhenItsWorkerStopsReportingOnIt(t *testing.T) {
	m, c := openWithClock(t, 10*time.Minute)
	if _, err := submitQuiet(t, m, nil); err != nil {
		t.Fatal(err)
	}
	w := register(t, m, "w1")
	register(t, m, "w2") // so that the task is retried, not failed for good
	a, err := m.Schedule(w.ID)
	if err != nil || a == nil {
		t.Fatalf("schedule: %v %v", a, err)
	}
	for range 11 {
		c.advance(time.Minute)
		if _, err := m.Heartbeat(w.ID, ""); err != nil {
			t.Fatal(err)
		}
		m.checkTaskTimeouts()
	}
	got := mustTask(t, m, a.Task.ID)
	if got.Status != model.TaskSoftFailed || got.WorkerID != "" {
		t.Fatalf("task %s on %q, want soft-failed and unassigned", got.Status, got.WorkerID)
	}
	tail, _ := m.TaskLogTail(got.ID, 10)
	if !strings.Contains(tail, "has not reported on it for 10m0s (task timeout)") {
		t.Errorf("the log does not say why the task timed out: %q", tail)
	}
	// The worker, if it still runs it, is told why at its next heartbeat.
	reply, err := m.Heartbeat(w.ID, a.Task.ID)
	if err != nil || reply.MayKeepRunning || !strings.Contains(reply.Reason, "task timeout") {
		t.Errorf("heartbeat reply %+v %v", reply, err)
	}
}

// max_task_duration is a hard limit: a task past it fails even while its
// worker heartbeats.
func TestMaxTaskDurationStopsAHungTask(t *testing.T) {
	m, c := openWithClock(t, 10*time.Minute)
	if _, err := submitQuiet(t, m, map[string]any{model.MaxTaskDurationSetting: "30m"}); err != nil {
		t.Fatal(err)
	}
	w := register(t, m, "w1")
	register(t, m, "w2")
	a, err := m.Schedule(w.ID)
	if err != nil || a == nil {
		t.Fatalf("schedule: %v %v", a, err)
	}
	for minute := 1; minute <= 31; minute++ {
		c.advance(time.Minute)
		farmtest.Must(m.Heartbeat(w.ID, a.Task.ID))(t)
		m.checkTaskTimeouts()
		if got := mustTask(t, m, a.Task.ID); (got.Status == model.TaskActive) != (minute <= 30) {
			t.Fatalf("minute %d: task %s (%q)", minute, got.Status, got.Activity)
		}
	}
	tail, _ := m.TaskLogTail(a.Task.ID, 10)
	if !strings.Contains(tail, "ran longer than the job's max_task_duration of 30m0s") {
		t.Errorf("log %q", tail)
	}
}

func TestBadMaxTaskDurationIsRefused(t *testing.T) {
	m, _ := openWithClock(t, time.Minute)
	_, err := submitQuiet(t, m, map[string]any{model.MaxTaskDurationSetting: "a while"})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "max_task_duration") || !strings.Contains(err.Error(), "a while") {
		t.Fatalf("got %v", err)
	}
}

// Task-log events come from the commit hook like every other event: a
// worker's lines arrive before the status change they led to, and the
// manager's line about that change after it.
func TestTaskLogEventsAreInCommitOrder(t *testing.T) {
	m, _ := openWithClock(t, time.Minute)
	if _, err := submitQuiet(t, m, nil); err != nil {
		t.Fatal(err)
	}
	w := register(t, m, "w1")
	a, err := m.Schedule(w.ID)
	if err != nil || a == nil {
		t.Fatalf("schedule: %v %v", a, err)
	}
	sub := m.Events().Subscribe(64)
	defer sub.Close()
	if _, err := m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Log: "first line\n"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Status: model.ReportCompleted, Log: "last line\n"}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for len(seen) < 5 {
		select {
		case ev := <-sub.C:
			switch ev.Type {
			case model.EventTaskLog:
				seen = append(seen, "log:"+strings.TrimSpace(ev.TaskLog.Text))
			case model.EventTask:
				seen = append(seen, "task:"+string(ev.Task.Status))
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("events so far %v", seen)
		}
	}
	want := []string{"task:active", "log:first line", "task:completed", "log:last line", "log:"}
	for i, w := range want {
		if !strings.HasPrefix(seen[i], w) {
			t.Fatalf("event %d is %q, want %q…; all: %q", i, seen[i], w, seen)
		}
	}
	if !strings.HasSuffix(seen[4], "manager: status active → completed: completed by w1") {
		t.Errorf("the manager's line is %q", seen[4])
	}
}
