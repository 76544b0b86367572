package app

import (
	"context"
	"sync"
	"sync/atomic"

	"farmhand/farm/worker"
)

// localWorker is this computer's worker, which the tray turns on and off.
// Turning it off stops the running task (the manager requeues it) and signs off.
type localWorker struct {
	parent context.Context
	make   func(onState func(worker.State), paused func() bool) *worker.Worker
	// data is the worker's data directory, where it keeps its credentials
	// (and with them its id on the farm).
	data string
	// exited, if set, learns why the worker stopped by itself: the manager
	// asked it to shut down or restart.
	exited func(error)

	// paused is the person's "Pause after current task"; the worker reads it.
	paused atomic.Bool

	mu       sync.Mutex
	cancel   context.CancelFunc
	done     chan struct{}
	state    worker.State
	watchers []func()
}

func newLocalWorker(parent context.Context, data string, make func(onState func(worker.State), paused func() bool) *worker.Worker) *localWorker {
	return &localWorker{parent: parent, data: data, make: make, state: worker.StateStopped}
}

// WorkerID is this computer's worker's id on the farm, from the credentials
// it keeps; "" before it first joined. On the manager's own computer it is
// not the id of the window's member (the admin), so the windows ask here.
func (lw *localWorker) WorkerID() string {
	c, err := worker.ReadCredentials(lw.data)
	if err != nil {
		return ""
	}
	return c.WorkerID
}

// Enabled reports whether the worker runs.
func (lw *localWorker) Enabled() bool {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.cancel != nil
}

// SetEnabled starts or stops the worker; stopping waits until it signed off.
func (lw *localWorker) SetEnabled(on bool) {
	lw.mu.Lock()
	if on == (lw.cancel != nil) {
		lw.mu.Unlock()
		return
	}
	if on {
		ctx, cancel := context.WithCancel(lw.parent)
		done := make(chan struct{})
		lw.cancel, lw.done = cancel, done
		w := lw.make(lw.setState, lw.Paused)
		lw.mu.Unlock()
		go func() {
			err := w.Run(ctx)
			lw.mu.Lock()
			stoppedItself := lw.done == done
			if stoppedItself {
				lw.cancel, lw.done = nil, nil
			}
			lw.mu.Unlock()
			close(done)
			cancel()
			if stoppedItself && err != nil && lw.exited != nil {
				lw.exited(err)
			}
		}()
		return
	}
	cancel, done := lw.cancel, lw.done
	lw.cancel, lw.done = nil, nil
	lw.mu.Unlock()
	cancel()
	<-done
}

// Wait blocks until a running worker has stopped.
func (lw *localWorker) Wait() {
	lw.mu.Lock()
	done := lw.done
	lw.mu.Unlock()
	if done != nil {
		<-done
	}
}

// Paused reports whether the worker is to take no new work.
func (lw *localWorker) Paused() bool { return lw.paused.Load() }

// SetPaused asks the worker to take no new work after its current task, or to
// take work again.
func (lw *localWorker) SetPaused(on bool) {
	lw.paused.Store(on)
	lw.notify()
}

// State returns what the worker does: stopped, starting, idle, rendering or unreachable.
func (lw *localWorker) State() string {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return string(lw.state)
}

// OnChange registers fn to be called (on any goroutine) when State or Enabled changes.
func (lw *localWorker) OnChange(fn func()) {
	lw.mu.Lock()
	lw.watchers = append(lw.watchers, fn)
	lw.mu.Unlock()
}

func (lw *localWorker) setState(s worker.State) {
	lw.mu.Lock()
	lw.state = s
	lw.mu.Unlock()
	lw.notify()
}

func (lw *localWorker) notify() {
	lw.mu.Lock()
	watchers := append([]func(){}, lw.watchers...)
	lw.mu.Unlock()
	for _, fn := range watchers {
		fn()
	}
}
