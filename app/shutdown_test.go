package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
	"farmhand/farm/store"
)

// Quitting 'both' (manager and its worker in one process) while the worker
// renders: the role returns, nothing panics, no goroutine is left, the worker
// reported its task stopped and signed off, and the database file holds a
// job whose counters match its tasks (issue 10).
func TestQuitBothWhileRendering(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	t.Setenv("FARMHAND_TOKEN", "")
	dir := t.TempDir()
	e, urls, logs := testEnv(t)
	mf, fs := addManagerFlags(e, "both", "")
	wf := addWorkerFlags(fs, mf.discovery)
	if _, err := parse(fs.FlagSet, []string{"--data", dir, "--listen", "127.0.0.1:0", "--no-discovery",
		"--headless", "--name", "local"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ended := make(chan error, 1)
	go func() { ended <- runBothUntil(ctx, e, mf, wf) }()
	url := waitURL(t, urls, ended)
	admin := client.New(url).WithToken(readAdminToken(dir))
	streamCtx, endStream := context.WithCancel(context.Background())
	defer endStream()
	stream := admin.Events(streamCtx) // as a window holds one

	job, running := submitAndWaitRunning(t, admin)
	waitStreamLive(t, stream)
	cancel() // SIGINT, as the role sees it
	waitEnded(t, ended, logs)

	checkStoppedTask(t, dir, job.ID, running)
}

// Quitting the worker role while its task runs: the worker reports the task
// stopped and signs off before it returns, and the manager, still running,
// has the task back; no goroutine of the worker is left (issue 10).
func TestQuitWorkerWhileRendering(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	t.Setenv("FARMHAND_TOKEN", "")
	dir := t.TempDir()
	e, _, logs := testEnv(t)
	mf, fs := addManagerFlags(e, "manager", "")
	if _, err := parse(fs.FlagSet, []string{"--data", dir, "--listen", "127.0.0.1:0", "--no-discovery"}); err != nil {
		t.Fatal(err)
	}
	rm, err := startManager(context.Background(), e, mf)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = rm.stop() // after a failure the test reports already
		}
	}()
	code, err := rm.m.JoinCode()
	if err != nil {
		t.Fatal(err)
	}
	wfs := &flagSet{newFlags(e, "worker", "")}
	wf := addWorkerFlags(wfs, nil)
	if _, err := parse(wfs.FlagSet, []string{"--name", "render-1"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := t.TempDir()
	lw := newLocalWorker(ctx, data, workerMaker(e, client.New(rm.url), data, wf, code, model.RoleWorker, nil))
	ended := make(chan error, 1)
	go func() { ended <- runLocalWorker(ctx, e, nil, false, lw) }()

	streamCtx, endStream := context.WithCancel(context.Background())
	defer endStream()
	stream := rm.adminClient().Events(streamCtx) // as a window holds one
	_, running := submitAndWaitRunning(t, rm.adminClient())
	waitStreamLive(t, stream)
	cancel()
	waitEnded(t, ended, logs)

	task, err := rm.m.Task(running.ID)
	if err != nil {
		t.Fatal(err)
	}
	if task.Status == model.TaskActive || task.WorkerID == running.WorkerID && task.Status.Running() {
		t.Errorf("task is %s on %q after its worker quit", task.Status, task.WorkerID)
	}
	tail, _ := rm.m.TaskLogTail(running.ID, 20)
	if !strings.Contains(tail, "stopped: the worker is shutting down") {
		t.Errorf("task log does not say the worker stopped it:\n%s", tail)
	}
	w, err := rm.m.Worker(running.WorkerID)
	if err != nil {
		t.Fatal(err)
	}
	if w.Status != model.WorkerOffline {
		t.Errorf("worker is %s after quitting, want offline (signed off)", w.Status)
	}
	// The manager stops with its context still alive (as when the windows
	// quit) and the window's stream open: both must end within the bound.
	stopped = true
	if err := rm.stop(); err != nil {
		t.Fatal(err)
	}
	for _, late := range []string{"did not stop in time", "still running at shutdown", "still open at shutdown"} {
		if strings.Contains(logs.String(), late) {
			t.Errorf("a part of the manager did not stop in time (%q):\n%s", late, logs)
		}
	}
}

// waitStreamLive waits until an event stream delivers an event (the job just
// submitted), so that it is surely subscribed.
func waitStreamLive(t *testing.T, stream <-chan model.Event) {
	t.Helper()
	select {
	case <-stream:
	case <-time.After(30 * time.Second):
		t.Fatal("the event stream delivered nothing")
	}
}

// testEnv is an env whose log goes to a buffer (shown when a test fails) and
// which reports the URL of the manager a role starts.
func testEnv(t *testing.T) (*env, <-chan string, *syncLog) {
	logs := &syncLog{}
	urls := make(chan string, 1)
	e := &env{stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.NewTextHandler(logs, nil)),
		managerStarted: func(url string) { urls <- url }}
	return e, urls, logs
}

type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func waitURL(t *testing.T, urls <-chan string, ended <-chan error) string {
	t.Helper()
	select {
	case url := <-urls:
		return url
	case err := <-ended:
		t.Fatalf("the role ended before its manager served: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the manager never served")
	}
	return ""
}

// waitEnded waits for a role to return after its context ended; it must
// return nil well within the manager's shutdown bound.
func waitEnded(t *testing.T, ended <-chan error, logs *syncLog) {
	t.Helper()
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("the role returned %v\n%s", err, logs)
		}
	case <-time.After(2 * stopWithin):
		t.Fatalf("the role did not return after its context ended\n%s", logs)
	}
	for _, late := range []string{"did not stop in time", "still running at shutdown", "still open at shutdown"} {
		if strings.Contains(logs.String(), late) {
			t.Errorf("a part of the role did not stop in time (%q):\n%s", late, logs)
		}
	}
}

// submitAndWaitRunning submits a job of minute-long tasks and waits until a
// worker runs one of them.
func submitAndWaitRunning(t *testing.T, admin *client.Client) (*model.Job, *model.Task) {
	t.Helper()
	ctx := context.Background()
	job, err := admin.Submit(ctx, wire.SubmitJob{Name: t.Name(), Type: "echo-sleep-test",
		Settings: map[string]any{"frames": "1-3", "chunk_size": 1, "sleep_seconds": 60.0}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		tasks, err := admin.Tasks(ctx, job.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range tasks {
			// Active is said when the manager assigns the task, before the
			// worker has the answer; only its log line says it runs it. A quit
			// in between leaves the worker nothing to stop (signing off
			// requeues the task), which is not what these tests are about.
			if task.Status == model.TaskActive && task.WorkerID != "" {
				if log, err := admin.TaskLogTail(ctx, task.ID, 20); err == nil && strings.Contains(log, ": starting task") {
					return job, task
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no worker took a task")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkStoredTask opens the database the role left and checks that the task
// that ran was handed back (not left active), its worker signed off, the
// job's counters match its tasks, and the task's log says why it stopped.
func checkStoppedTask(t *testing.T, dir, jobID string, running *model.Task) {
	t.Helper()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = st.View(func(tx *store.Tx) error {
		j, err := tx.Job(jobID)
		if err != nil {
			return err
		}
		counts := map[model.TaskStatus]int{}
		n := 0
		if err := tx.Tasks(jobID, func(task *model.Task) bool {
			n++
			counts[task.Status]++
			if task.ID == running.ID && task.Status == model.TaskActive {
				t.Errorf("task %s is still active after its worker quit", task.ID)
			}
			return true
		}); err != nil {
			return err
		}
		if len(counts) != len(j.TaskCounts) || n != j.TaskCount {
			t.Errorf("stored counters %v (%d tasks) disagree with stored tasks %v (%d)", j.TaskCounts, j.TaskCount, counts, n)
		}
		for s, c := range counts {
			if j.TaskCounts[s] != c {
				t.Errorf("stored counters %v disagree with stored tasks %v", j.TaskCounts, counts)
				break
			}
		}
		w, err := tx.Worker(running.WorkerID)
		if err != nil {
			return err
		}
		if w.Status != model.WorkerOffline {
			t.Errorf("worker is %s after quitting, want offline (signed off)", w.Status)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	m, err := manager.Open(manager.Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tail, _ := m.TaskLogTail(running.ID, 20)
	if !strings.Contains(tail, "stopped: the worker is shutting down") {
		t.Errorf("task log does not say the worker stopped it:\n%s", tail)
	}
}
