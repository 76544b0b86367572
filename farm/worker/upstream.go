package worker

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// upstream delivers task updates to the manager in order. When the manager is
// away, updates (logs included) wait in the queue and go out when it is back;
// the worker keeps working meanwhile.
type upstream struct {
	cl  *client.Client
	log *slog.Logger

	mu      sync.Mutex
	queue   []pendingUpdate
	wake    chan struct{}
	drained *sync.Cond
	// refused is called when the manager refuses updates for a task because it
	// is no longer this worker's (requeued, reassigned, deleted).
	refused func(taskID string)
	// stopRunning is called when the manager answers that a task must stop.
	stopRunning func(taskID, reason string)
}

type pendingUpdate struct {
	taskID string
	u      wire.TaskUpdate
}

func newUpstream(cl *client.Client, log *slog.Logger) *upstream {
	up := &upstream{cl: cl, log: log, wake: make(chan struct{}, 1)}
	up.drained = sync.NewCond(&up.mu)
	return up
}

// send queues an update. Log-only updates of the same task are merged, so a
// chatty command while the manager is away costs memory for its text, not for
// a request per line.
func (up *upstream) send(taskID string, u wire.TaskUpdate) {
	up.mu.Lock()
	if n := len(up.queue); n > 1 { // the head may be in flight; never merge into it
		last := &up.queue[n-1]
		if last.taskID == taskID && last.u.Status == "" && u.Status == "" && last.u.StepsCompleted == nil {
			last.u.Log += u.Log
			last.u.StepsCompleted = u.StepsCompleted
			if u.Activity != "" {
				last.u.Activity = u.Activity
			}
			up.mu.Unlock()
			return
		}
	}
	up.queue = append(up.queue, pendingUpdate{taskID, u})
	up.mu.Unlock()
	select {
	case up.wake <- struct{}{}:
	default:
	}
}

// pending returns how many updates wait for delivery.
func (up *upstream) pending() int {
	up.mu.Lock()
	defer up.mu.Unlock()
	return len(up.queue)
}

// run delivers queued updates until ctx ends, retrying with backoff while the
// manager cannot be reached.
func (up *upstream) run(ctx context.Context) {
	backoff := retryMin
	for {
		up.mu.Lock()
		if len(up.queue) == 0 {
			up.drained.Broadcast()
			up.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-up.wake:
			}
			continue
		}
		next := up.queue[0]
		up.mu.Unlock()

		reply, err := up.cl.UpdateTask(ctx, next.taskID, next.u)
		switch status := client.StatusOf(err); {
		case err == nil:
			backoff = retryMin
			up.pop()
			if (next.u.Status == "" || next.u.Status == model.ReportActive) && !reply.MayKeepRunning {
				up.stopRunning(next.taskID, reply.Reason)
			}
		case status == http.StatusConflict || status == http.StatusNotFound || status == http.StatusUnauthorized:
			// Not ours any more (or we are not the farm's any more): nothing
			// queued for this task will be accepted.
			up.log.Warn("manager refused task update; dropping the task's pending updates", "task", next.taskID, "err", err)
			up.dropTask(next.taskID)
			up.refused(next.taskID)
		case status == http.StatusBadRequest:
			up.log.Error("manager rejected a task update as malformed; dropping it", "task", next.taskID, "err", err)
			up.pop()
		default:
			if ctx.Err() != nil {
				return
			}
			up.log.Warn("manager unreachable; keeping task updates until it is back", "pending", up.pending(), "retry_in", backoff, "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, retryMax)
		}
	}
}

func (up *upstream) pop() {
	up.mu.Lock()
	up.queue = up.queue[1:]
	up.mu.Unlock()
}

func (up *upstream) dropTask(taskID string) {
	up.mu.Lock()
	kept := up.queue[:0]
	for _, p := range up.queue {
		if p.taskID != taskID {
			kept = append(kept, p)
		}
	}
	up.queue = kept
	up.mu.Unlock()
}

// flush waits until the queue is empty or ctx ends.
func (up *upstream) flush(ctx context.Context) bool {
	done := make(chan struct{})
	go func() {
		up.mu.Lock()
		for len(up.queue) > 0 && ctx.Err() == nil {
			up.drained.Wait()
		}
		up.mu.Unlock()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		up.mu.Lock()
		up.drained.Broadcast() // let the waiter see ctx is done
		up.mu.Unlock()
		return false
	}
}
