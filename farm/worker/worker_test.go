package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"farmhand/farm/api"
	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// farm is a manager served on 127.0.0.1, which a test can take down and bring
// back on the same address.
type farm struct {
	t    *testing.T
	m    *manager.Manager
	addr string
	srv  *http.Server
	cl   *client.Client // an admin's
	code string         // the join code
}

func startFarm(t *testing.T) *farm {
	t.Helper()
	m, err := manager.Open(manager.Config{DataDir: t.TempDir(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	f := &farm{t: t, m: m, addr: "127.0.0.1:0"}
	f.up()
	_, admin, err := m.CreateAdmin("test")
	if err != nil {
		t.Fatal(err)
	}
	if f.code, err = m.JoinCode(); err != nil {
		t.Fatal(err)
	}
	f.cl = client.New("http://" + f.addr).WithToken(admin)
	t.Cleanup(func() { f.down(); m.Close() })
	return f
}

func (f *farm) up() {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		f.t.Fatal(err)
	}
	f.addr = ln.Addr().String()
	f.srv = &http.Server{Handler: api.New(f.m, "test", quiet)}
	go func() { _ = f.srv.Serve(ln) }() // ErrServerClosed when the test takes the farm down
}

func (f *farm) down() {
	if f.srv != nil {
		f.srv.Close()
		f.srv = nil
	}
}

func startWorker(t *testing.T, f *farm, name string) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := New(Config{Client: client.New("http://" + f.addr), DataDir: t.TempDir(), Name: name, Version: "test",
		Logger: quiet, Heartbeat: 200 * time.Millisecond, IdlePoll: 50 * time.Millisecond, LogFlush: 50 * time.Millisecond,
		JoinCode: f.code})
	wait := runWorker(ctx, w)
	t.Cleanup(func() {
		cancel()
		if err := wait(); err != nil {
			t.Errorf("worker %s ended with %v", name, err)
		}
	})
	return cancel
}

// runWorker runs w until ctx ends. The returned wait waits until Run has
// returned and gives its error, nil for ctx's own (a cancel that came while
// the worker signed on ends Run with it); it may be called more than once.
func runWorker(ctx context.Context, w *Worker) (wait func() error) {
	ended := make(chan error, 1)
	go func() { ended <- w.Run(ctx) }()
	var once sync.Once
	var err error
	return func() error {
		once.Do(func() {
			if err = <-ended; errors.Is(err, ctx.Err()) {
				err = nil
			}
		})
		return err
	}
}

func submit(t *testing.T, f *farm, settings map[string]any) *model.Job {
	t.Helper()
	j, err := f.cl.Submit(context.Background(), wire.SubmitJob{Name: t.Name(), Type: "echo-sleep-test", Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// waitJob waits up to within for job id to reach status want, and returns it.
func waitJob(t *testing.T, f *farm, id string, want model.JobStatus, within time.Duration) *model.Job {
	t.Helper()
	var j *model.Job
	var err error
	farmtest.Eventually(t, fmt.Sprintf("job %s to be %s", id, want), within, func() bool {
		j, err = f.m.Job(id)
		return err == nil && j.Status == want
	})
	return j
}

// waitLog waits until the log of task id holds text.
func waitLog(t *testing.T, f *farm, id, text string) {
	t.Helper()
	farmtest.Eventually(t, fmt.Sprintf("%q in the log of task %s", text, id), 20*time.Second, func() bool {
		log, err := f.m.TaskLogTail(id, 50)
		return err == nil && strings.Contains(log, text)
	})
}

func TestWorkerRunsAJob(t *testing.T) {
	f := startFarm(t)
	startWorker(t, f, "w1")
	startWorker(t, f, "w2")
	j := submit(t, f, map[string]any{"frames": "1-12", "chunk_size": 2, "sleep_seconds": 0.01, "message": "hi"})
	done := waitJob(t, f, j.ID, model.JobCompleted, 20*time.Second)
	if done.StepsCompleted != done.StepsTotal {
		t.Errorf("steps %d/%d", done.StepsCompleted, done.StepsTotal)
	}
	tasks, _ := f.m.Tasks(j.ID)
	log, _ := f.m.TaskLogTail(tasks[0].ID, 50)
	for _, want := range []string{"hi (frames 1,2)", "sleeping 10ms", "task completed", "assigned to w"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

func TestCancelStopsTheProcess(t *testing.T) {
	f := startFarm(t)
	startWorker(t, f, "w")
	// A real process that would run for a minute.
	j := submit(t, f, map[string]any{"frames": "1", "sleep_seconds": 60.0})
	waitJob(t, f, j.ID, model.JobActive, 10*time.Second)
	waitLog(t, f, model.TaskID(j.ID, 0), "sleeping 1m0s")
	if _, err := f.cl.JobAction(context.Background(), j.ID, model.JobCancel, nil); err != nil {
		t.Fatal(err)
	}
	// The heartbeat is 200 ms here; well within a minute means it was stopped.
	waitJob(t, f, j.ID, model.JobCanceled, 10*time.Second)
	log := farmtest.Must(f.m.TaskLogTail(model.TaskID(j.ID, 0), 20))(t)
	if !strings.Contains(log, "stopped: the task") {
		t.Errorf("log does not say why the task stopped:\n%s", log)
	}
}

func TestExecStopsWithinTheGrace(t *testing.T) {
	script := filepath.Join(t.TempDir(), "stubborn.sh")
	// Ignores SIGTERM (its sleep inherits that), so only the kill after
	// stopGrace ends it. "started" comes after the trap is set.
	if err := os.WriteFile(script, []byte("#!/bin/sh\ntrap '' TERM\necho started\nsleep 60 & wait\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{}
	errc := make(chan error, 1)
	go func() { errc <- execCommand(ctx, rec.env(Tools{}), map[string]any{"exe": script}) }()
	farmtest.Eventually(t, "the script to set its trap and say started", 10*time.Second, func() bool {
		return strings.Contains(rec.log(), "started")
	})
	start := time.Now()
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
		// SIGTERM cannot end it: only the kill, stopGrace after the
		// request, can. Sooner would mean the kill path did not run.
		if took := time.Since(start); took < stopGrace {
			t.Errorf("stopped %v after cancel, before the %v grace: SIGTERM ended it", took, stopGrace)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a process ignoring SIGTERM was not killed")
	}
}

func TestExecReportsExitCodeAndOutput(t *testing.T) {
	var lines []string
	env := Env{Log: func(s string) { lines = append(lines, s) }, Step: func() {}}
	err := execCommand(context.Background(), env, map[string]any{"exe": "sh", "args": []any{"-c", "echo out; echo err >&2; exit 3"}})
	if err == nil || !strings.Contains(err.Error(), "exited with code 3") {
		t.Fatalf("err = %v", err)
	}
	got := strings.Join(lines, "|")
	if !strings.Contains(got, "out") || !strings.Contains(got, "err") {
		t.Errorf("output not logged: %q", got)
	}
	for _, bad := range []map[string]any{{}, {"exe": 5}, {"exe": "x", "args": "not a list"}, {"exe": "x", "args": []any{1}}} {
		if err := execCommand(context.Background(), env, bad); err == nil {
			t.Errorf("params %v accepted", bad)
		}
	}
	if err := execCommand(context.Background(), env, map[string]any{"exe": "/no/such/program"}); err == nil {
		t.Error("missing program ran")
	}
}

// TestManagerAwayWhileTaskRuns takes the manager down while a task runs and
// brings it back: the worker keeps its reports and logs and delivers them.
func TestManagerAwayWhileTaskRuns(t *testing.T) {
	f := startFarm(t)
	dir := t.TempDir()
	runWorkerIn(t, f, dir, "w")
	j := submit(t, f, map[string]any{"frames": "1-2", "sleep_seconds": 1.0, "message": "through the outage"})
	record := filepath.Join(dir, runningTaskFile)
	waitFor(t, "the worker to record its running task", func() bool { _, err := os.Stat(record); return err == nil })
	f.down()
	// The worker erases the record once the task's outcome is queued: the
	// task ended while the manager was away, and its report waits.
	waitFor(t, "the task to end while the manager is away", func() bool {
		_, err := os.Stat(record)
		return errors.Is(err, os.ErrNotExist)
	})
	f.up()
	done := waitJob(t, f, j.ID, model.JobCompleted, 30*time.Second)
	if done.TaskCounts[model.TaskCompleted] != 2 {
		t.Fatalf("counts %v", done.TaskCounts)
	}
	for _, task := range farmtest.Must(f.m.Tasks(j.ID))(t) {
		log := farmtest.Must(f.m.TaskLogTail(task.ID, 50))(t)
		if !strings.Contains(log, "through the outage") || strings.Count(log, "task completed") != 1 {
			t.Errorf("task %s log:\n%s", task.Name, log)
		}
	}
}

func TestRestartedWorkerKeepsItsIdentity(t *testing.T) {
	f := startFarm(t)
	dir := t.TempDir()
	for run := range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		w := New(Config{Client: client.New(f.cl.BaseURL()), DataDir: dir, Name: "same", Logger: quiet,
			IdlePoll: 20 * time.Millisecond, JoinCode: f.code})
		wait := runWorker(ctx, w)
		// Signed on: awake (the first run's sign-off left it offline).
		waitFor(t, fmt.Sprintf("run %d to sign on", run+1), func() bool {
			ws, err := f.m.Workers()
			return err == nil && slices.ContainsFunc(ws, func(w *model.Worker) bool { return w.Status == model.WorkerAwake })
		})
		cancel()
		if err := wait(); err != nil {
			t.Fatalf("run %d ended with %v", run+1, err)
		}
	}
	ws := farmtest.Must(f.m.Workers())(t)
	if len(ws) != 1 || ws[0].Status != model.WorkerOffline {
		t.Fatalf("workers %v", fmt.Sprint(ws))
	}
}

// A worker without the join code waits for an admin; once approved it works,
// and once revoked it stops.
func TestWorkerWaitsForApprovalAndStopsWhenRevoked(t *testing.T) {
	f := startFarm(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := New(Config{Client: client.New("http://" + f.addr), DataDir: t.TempDir(), Name: "newcomer", Logger: quiet,
		IdlePoll: 50 * time.Millisecond, Heartbeat: 100 * time.Millisecond})
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var pending []*model.Member
	waitFor(t, "the worker to ask to join", func() bool {
		pending, _ = f.m.Members(model.MemberPending)
		return len(pending) > 0
	})
	if len(pending) != 1 || pending[0].Name != "newcomer" {
		t.Fatalf("pending %v", pending)
	}
	if ws := farmtest.Must(f.m.Workers())(t); len(ws) != 0 {
		t.Fatalf("an unapproved worker signed on: %v", ws)
	}
	farmtest.Must(f.cl.Approve(context.Background(), pending[0].ID, model.RoleWorker))(t)
	j := submit(t, f, map[string]any{"frames": "1", "sleep_seconds": 30.0})
	waitJob(t, f, j.ID, model.JobActive, 10*time.Second)
	farmtest.Must(f.cl.Revoke(context.Background(), pending[0].ID))(t)
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotAdmitted) {
			t.Fatalf("revoked worker stopped with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a revoked worker keeps going")
	}
	if task := farmtest.Must(f.m.Tasks(j.ID))(t); task[0].Status != model.TaskQueued {
		t.Fatalf("revoked worker's task is %s", task[0].Status)
	}
}

// The tray's "Pause after current task": the worker finishes its task, takes
// no more, and takes work again once the pause is lifted.
func TestPauseAfterCurrentTask(t *testing.T) {
	f := startFarm(t)
	var pause atomic.Bool
	ctx, cancel := context.WithCancel(context.Background())
	w := New(Config{Client: client.New("http://" + f.addr), DataDir: t.TempDir(), Name: "desk", Logger: quiet,
		IdlePoll: 50 * time.Millisecond, AsleepPoll: 50 * time.Millisecond, JoinCode: f.code, PauseRequested: pause.Load})
	wait := runWorker(ctx, w)
	t.Cleanup(func() {
		cancel()
		if err := wait(); err != nil {
			t.Errorf("the worker ended with %v", err)
		}
	})
	j := submit(t, f, map[string]any{"frames": "1-3", "sleep_seconds": 0.5})
	waitJob(t, f, j.ID, model.JobActive, 10*time.Second)
	pause.Store(true)
	waitFor(t, "the worker to pause", func() bool {
		ws, err := f.m.Workers()
		return err == nil && len(ws) == 1 && ws[0].Status == model.WorkerPaused
	})
	job := farmtest.Must(f.m.Job(j.ID))(t)
	if job.TaskCounts[model.TaskCompleted] < 1 || job.TaskCounts[model.TaskCanceled]+job.TaskCounts[model.TaskFailed] != 0 {
		t.Fatalf("the running task was not finished first: %v", job.TaskCounts)
	}
	pause.Store(false)
	waitJob(t, f, j.ID, model.JobCompleted, 15*time.Second)
}

// runWorkerIn runs a worker on data dir dir until the returned stop is called.
func runWorkerIn(t *testing.T, f *farm, dir, name string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := New(Config{Client: client.New("http://" + f.addr), DataDir: dir, Name: name, Version: "test",
		Logger: quiet, Heartbeat: 200 * time.Millisecond, IdlePoll: 50 * time.Millisecond, LogFlush: 50 * time.Millisecond,
		JoinCode: f.code})
	wait := runWorker(ctx, w)
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := wait(); err != nil {
				t.Errorf("worker %s ended with %v", name, err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// Case 12: a worker that died mid-task (here: its record of the running task
// is left, as a kill -9 leaves it) tells the manager at its restart, which
// requeues the task at once and says why in the task's log.
func TestRestartedWorkerReportsTheTaskItLost(t *testing.T) {
	f := startFarm(t)
	dir := t.TempDir()
	stop := runWorkerIn(t, f, dir, "w1")
	var id string
	waitFor(t, "w1 to sign on", func() bool {
		ws, _ := f.m.Workers()
		if len(ws) == 1 && ws[0].Status == model.WorkerAwake {
			id = ws[0].ID
		}
		return id != ""
	})
	stop()
	// The manager still thinks w1 runs the task, as after a crash.
	if _, err := f.m.SignOn(id, manager.WorkerInfo{Name: "w1", Platform: "linux", Version: "test", TaskTypes: []string{"misc"}}); err != nil {
		t.Fatal(err)
	}
	j := submit(t, f, map[string]any{"frames": "1", "sleep_seconds": 0.01})
	a, err := f.m.Schedule(id)
	if err != nil || a == nil {
		t.Fatalf("schedule: %v %v", a, err)
	}
	record := fmt.Sprintf(`{"task_id":%q,"task_name":%q,"job_id":%q,"started":"2026-12-01T09:00:00Z"}`, a.Task.ID, a.Task.Name, j.ID)
	if err := os.WriteFile(filepath.Join(dir, runningTaskFile), []byte(record), 0o600); err != nil {
		t.Fatal(err)
	}

	runWorkerIn(t, f, dir, "w1")
	waitJob(t, f, j.ID, model.JobCompleted, 20*time.Second)
	log := farmtest.Must(f.m.TaskLogTail(a.Task.ID, 50))(t)
	for _, want := range []string{"lost: worker w1 restarted; its previous run of this task (started 2026-12-01T09:00:00Z) ended with the worker process",
		"active → queued: stopped by w1", "task completed"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, runningTaskFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the running-task record is still there after the task: %v", err)
	}
}

// waitFor waits up to 20 s for ok, failing the test with what it waited for.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	farmtest.Eventually(t, what, 20*time.Second, ok)
}

// Batches leave a log buffer in the order they were taken, also when the
// ticker and the task flush at once: the task's last lines must not arrive
// after its final report.
func TestLogBufferKeepsBatchesInOrder(t *testing.T) {
	var mu sync.Mutex
	var got []string
	lb := newLogBuffer(func(s string) {
		mu.Lock()
		got = append(got, s)
		mu.Unlock()
	}, time.Microsecond) // the ticker flushes all the time
	for i := range 2000 {
		lb.line(fmt.Sprint(i))
		if i%7 == 0 {
			lb.flush()
		}
	}
	lb.close()
	mu.Lock()
	defer mu.Unlock()
	all := strings.Fields(strings.Join(got, ""))
	for i, s := range all {
		if s != fmt.Sprint(i) {
			t.Fatalf("line %d is %q: batches passed each other", i, s)
		}
	}
	if len(all) != 2000 {
		t.Fatalf("%d lines arrived, want 2000", len(all))
	}
}
