package manager

import (
	"fmt"
	"time"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// HeartbeatReply tells a worker whether to go on with its task, and what status
// change is asked of it.
type HeartbeatReply struct {
	Status          model.WorkerStatus
	StatusRequested model.WorkerStatus
	Lazy            bool
	MayKeepRunning  bool
	Reason          string
}

// Heartbeat records that a worker is alive (and how busy its computer is, when
// stats is not nil) and answers whether the task it is running (if any)
// should go on.
func (m *Manager) Heartbeat(workerID, taskID string, stats ...*model.HostStats) (HeartbeatReply, error) {
	var w *model.Worker
	var reply HeartbeatReply
	err := m.store.View(func(tx *store.Tx) (err error) {
		if w, err = m.storedWorker(tx, workerID); err != nil {
			return err
		}
		reply.Status, reply.StatusRequested, reply.Lazy = w.Status, w.StatusRequested, w.Lazy
		if taskID != "" {
			reply.MayKeepRunning, reply.Reason = mayKeepRunning(tx, w, taskID)
		}
		return nil
	})
	if err != nil {
		return reply, err
	}
	if w.Status == model.WorkerLost {
		// It was only out of reach; take it back in the status it had.
		if err := m.update(func(o *op) error {
			w, err := o.worker(workerID)
			if err == nil && w.Status == model.WorkerLost {
				w.Status = w.SignOnStatus
				if !w.Status.Reachable() {
					w.Status = model.WorkerAwake
				}
				reply.Status = w.Status
			}
			return err
		}); err != nil {
			return reply, err
		}
		m.log.Info("lost worker is back", "worker", workerID, "status", reply.Status)
	}
	m.touch(workerID)
	if reply.MayKeepRunning {
		// The worker says it runs the task: that keeps the task alive, however
		// quiet its process is (Flamenco's rule; case 05).
		m.touchTask(taskID)
	}
	if len(stats) > 0 && stats[0] != nil {
		m.recordLoad(workerID, stats[0])
	}
	return reply, nil
}

func mayKeepRunning(tx *store.Tx, w *model.Worker, taskID string) (bool, string) {
	workerID := w.ID
	if w.StatusRequested != "" && w.StatusRequested != model.WorkerAwake && !w.Lazy {
		return false, fmt.Sprintf("the worker was asked to change to %s now", w.StatusRequested)
	}
	t, err := tx.TaskByID(taskID)
	if err != nil {
		return false, "the task no longer exists"
	}
	if t.WorkerID != workerID || !t.Status.Running() {
		// Say what happened, as the manager logged it: the worker writes this
		// reason into the task's log when it stops.
		return false, fmt.Sprintf("the task is no longer this worker's (it is %s: %s)", t.Status, t.Activity)
	}
	if t.Status == model.TaskCancelRequested {
		return false, "the task was canceled"
	}
	j, err := tx.Job(t.JobID)
	if err != nil {
		return false, "the job no longer exists"
	}
	if !j.Status.Runnable() {
		return false, fmt.Sprintf("the job is %s", j.Status)
	}
	return true, ""
}

// loadEvery is the least time between two worker-load events of one worker:
// the windows' graphs need no more, and a farm of 30 workers heartbeating
// every second would otherwise send 30 events a second.
const loadEvery = 5 * time.Second

// recordLoad keeps a worker's latest host stats and publishes them, at most
// every loadEvery per worker.
func (m *Manager) recordLoad(workerID string, s *model.HostStats) {
	now := m.now()
	m.seenMu.Lock()
	m.stats[workerID] = s
	due := now.Sub(m.loadSent[workerID]) >= loadEvery
	if due {
		m.loadSent[workerID] = now
	}
	m.seenMu.Unlock()
	if due {
		m.events.Publish(model.Event{Type: model.EventWorkerLoad, Load: &model.WorkerLoad{WorkerID: workerID, Stats: s}})
	}
}

// touch records that a worker was heard from.
func (m *Manager) touch(workerID string) {
	m.seenMu.Lock()
	m.seen[workerID] = m.now()
	m.seenMu.Unlock()
}

// checkWorkerTimeouts marks workers lost that were silent longer than the
// timeout, and requeues their tasks.
func (m *Manager) checkWorkerTimeouts() {
	deadline := m.now().Add(-m.current().WorkerTimeout.D())
	var silent []string
	m.seenMu.Lock()
	for id, seen := range m.seen {
		if seen.Before(deadline) {
			silent = append(silent, id)
			delete(m.seen, id)
		}
	}
	m.seenMu.Unlock()
	for _, id := range silent {
		err := m.update(func(o *op) error {
			return o.workerGone(id, model.WorkerLost, fmt.Sprintf("worker not heard from for %s", m.current().WorkerTimeout.D()))
		})
		if err != nil {
			m.log.Error("marking worker lost", "worker", id, "err", err)
			continue
		}
		m.log.Warn("worker lost", "worker", id, "timeout", m.current().WorkerTimeout.D())
	}
}
