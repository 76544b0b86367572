package manager

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// Closing the manager while its timers and workers are busy with a job: no
// panic (the store used to panic on a write after Close), Run ends without its
// context being canceled, no goroutine is left, and the file holds a job
// whose counters match its tasks, with every completion the manager
// acknowledged (issue 10).
func TestCloseWhileBusyLosesNothing(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	dir := t.TempDir()
	// Timeouts this short keep Run's timers finding work (lost workers,
	// silent tasks) while the manager closes.
	m, err := Open(Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		WorkerTimeout: 60 * time.Millisecond, TaskTimeout: 60 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	j := submit(t, m, "1-2000")
	runDone := make(chan struct{})
	go func() { m.Run(context.Background()); close(runDone) }()

	// A worker that takes a task and goes silent: Run must mark it lost.
	silent := register(t, m, "silent")
	if a, err := m.Schedule(silent.ID); err != nil || a == nil {
		t.Fatalf("schedule: %v, %v", a, err)
	}
	acked := &acknowledged{done: map[string]bool{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 4 {
		w := register(t, m, fmt.Sprint("busy", i))
		wg.Add(1)
		go func() { defer wg.Done(); work(m, w.ID, acked, stop) }()
	}
	waitFor(t, "Run marks the silent worker lost while others complete tasks", func() bool {
		w, err := m.Worker(silent.ID)
		return err == nil && w.Status == model.WorkerLost && acked.count() >= 20
	})

	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case <-runDone:
	case <-time.After(5 * time.Second):
		t.Fatal("Run still runs after Close")
	}
	m.Run(context.Background()) // after Close: returns at once
	workersDone := make(chan struct{})
	go func() { wg.Wait(); close(workersDone) }()
	select {
	case <-workersDone:
	case <-time.After(10 * time.Second):
		close(stop)
		wg.Wait()
		t.Fatal("workers never got store.ErrClosed from the closed manager")
	}
	checkStoredJob(t, dir, j.ID, acked)
}

type acknowledged struct {
	mu   sync.Mutex
	done map[string]bool
}

func (a *acknowledged) add(id string) { a.mu.Lock(); a.done[id] = true; a.mu.Unlock() }

func (a *acknowledged) count() int { a.mu.Lock(); defer a.mu.Unlock(); return len(a.done) }

// work runs tasks as a worker does (progress, then completion) until the
// manager answers store.ErrClosed, noting the completions it acknowledged.
func work(m *Manager, workerID string, acked *acknowledged, stop <-chan struct{}) {
	closed := func(err error) bool { return errors.Is(err, store.ErrClosed) }
	for {
		select {
		case <-stop:
			return
		default:
		}
		a, err := m.Schedule(workerID)
		if closed(err) {
			return
		}
		if err != nil || a == nil {
			runtime.Gosched()
			continue
		}
		one := 1
		_, err = m.UpdateTask(workerID, a.Task.ID, TaskUpdate{Status: model.ReportActive, StepsCompleted: &one, Log: "half\n"})
		if closed(err) {
			return
		}
		_, err = m.UpdateTask(workerID, a.Task.ID, TaskUpdate{Status: model.ReportCompleted, Log: "done\n"})
		if closed(err) {
			return
		}
		if err == nil {
			acked.add(a.Task.ID)
		}
	}
}

// checkStoredJob opens the database file alone and checks the job's counters
// against its tasks, and that every acknowledged completion was kept.
func checkStoredJob(t *testing.T, dir, jobID string, acked *acknowledged) {
	t.Helper()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.View(func(tx *store.Tx) error {
		j, err := tx.Job(jobID)
		if err != nil {
			return err
		}
		counts := map[model.TaskStatus]int{}
		steps, n := 0, 0
		err = tx.Tasks(jobID, func(task *model.Task) bool {
			n++
			counts[task.Status]++
			if task.Status.CountsSteps() {
				steps += task.StepsCompleted
			}
			if acked.done[task.ID] && task.Status != model.TaskCompleted {
				t.Errorf("task %s was acknowledged completed but is stored %s", task.ID, task.Status)
			}
			return true
		})
		if err != nil {
			return err
		}
		if fmt.Sprint(counts) != fmt.Sprint(j.TaskCounts) || steps != j.StepsCompleted || n != j.TaskCount {
			t.Errorf("stored counters %v (%d steps, %d tasks) disagree with stored tasks %v (%d steps, %d tasks)",
				j.TaskCounts, j.StepsCompleted, j.TaskCount, counts, steps, n)
		}
		if counts[model.TaskCompleted] < len(acked.done) {
			t.Errorf("%d tasks stored completed, %d acknowledged", counts[model.TaskCompleted], len(acked.done))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds, failing the test after 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
