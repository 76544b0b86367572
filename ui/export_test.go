package ui

import (
	"context"
	"testing"
	"time"

	"farmhand/farm/model"
)

// This file lets the tests of package ui_test, which run a real manager,
// drive and read the windows.

// Serial is a UI whose updates from other goroutines queue up until the test
// runs them on its own goroutine, as Fyne's event loop would run them on its.
type Serial struct {
	*UI
	queue chan func()
}

// NewSerial builds the windows with cfg; updates wait for Until.
func NewSerial(ctx context.Context, cfg Config) *Serial {
	s := &Serial{UI: New(ctx, cfg), queue: make(chan func(), 1024)}
	s.do = func(f func()) {
		select {
		case s.queue <- f:
		case <-ctx.Done():
		}
	}
	return s
}

// Until runs queued updates until cond holds, or fails the test after
// timeout.
func (s *Serial) Until(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case f := <-s.queue:
			f()
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// Job returns the job as the jobs table has it.
func (s *Serial) Job(id string) (*model.Job, bool) { return s.jobs.list.Get(id) }

// OpenJob selects the job, which shows its tasks beside the table.
func (s *Serial) OpenJob(id string) { s.jobs.selectJob(id) }

// Tasks returns the shown job's tasks by status.
func (s *Serial) Tasks() map[model.TaskStatus]int {
	n := map[model.TaskStatus]int{}
	for _, t := range s.panel.tasks.list.all {
		n[t.Status]++
	}
	return n
}

// Workers returns the number of workers listed.
func (s *Serial) Workers() int { return s.workers.list.Total() }

// Online reports whether the status bar says the farm answers.
func (s *Serial) Online() bool {
	return s.status.farm.Text != "" && s.status.farm.Text[:9] == "Connected"
}

// WorkerCPU returns the CPU use the workers table shows for worker id, and
// whether it shows any.
func (s *Serial) WorkerCPU(id string) (float64, bool) {
	w, ok := s.workers.list.Get(id)
	if !ok || w.Stats == nil {
		return 0, false
	}
	return w.Stats.CPUPercent, true
}

// PendingJoins returns the join requests the workers view shows.
func (s *Serial) PendingJoins() int { return len(s.workers.join.shown) }

// Admin reports whether the window knows it is an admin's.
func (s *Serial) Admin() bool { return s.isAdmin() }
