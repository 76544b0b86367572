package manager

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"farmhand/farm/model"
	"farmhand/farm/sched"
	"farmhand/farm/store"
)

// WorkerInfo is what a worker tells about itself when it registers or signs on.
type WorkerInfo struct {
	Name      string
	Platform  string
	Version   string
	TaskTypes []string
	Tags      []string
	Address   string
}

func (wi WorkerInfo) check() error {
	if strings.TrimSpace(wi.Name) == "" {
		return fmt.Errorf("%w: a worker needs a name", ErrInvalid)
	}
	if strings.TrimSpace(wi.Platform) == "" {
		return fmt.Errorf("%w: a worker needs a platform", ErrInvalid)
	}
	return nil
}

func (wi WorkerInfo) applyTo(w *model.Worker) {
	w.Name, w.Platform, w.Version, w.Address = strings.TrimSpace(wi.Name), wi.Platform, wi.Version, wi.Address
	w.TaskTypes = nonNil(wi.TaskTypes)
	w.Tags = nonNil(wi.Tags)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// SignOn marks a worker awake with what it says about itself now. A member
// signing on for the first time becomes a worker.
func (m *Manager) SignOn(workerID string, info WorkerInfo) (*model.Worker, error) {
	if err := info.check(); err != nil {
		return nil, err
	}
	var result model.Worker
	err := m.update(func(o *op) error {
		w, err := o.worker(workerID)
		if errors.Is(err, store.ErrNotFound) {
			w = &model.Worker{ID: workerID, Registered: o.now}
			o.workers[workerID] = w
			m.log.Info("new worker", "worker", workerID, "name", info.Name, "platform", info.Platform)
		} else if err != nil {
			return err
		}
		name := w.Name
		info.applyTo(w)
		if w.Renamed {
			w.Name = name // an admin's name wins over the machine's
		}
		// Back in the status it had when it went away; a shutdown or restart
		// it was asked for is done now that it is back.
		w.Status = w.SignOnStatus
		if !w.Status.Reachable() {
			w.Status = model.WorkerAwake
		}
		if w.StatusRequested == model.WorkerOffline || w.StatusRequested == model.WorkerRestartRequested || w.StatusRequested == w.Status {
			w.StatusRequested, w.Lazy = "", false
		}
		w.LastSeen = o.now
		result = *withWorkerActions(w)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("signing on worker %s: %w", workerID, err)
	}
	m.touch(workerID)
	m.log.Info("worker signed on", "worker", workerID, "name", result.Name, "task_types", result.TaskTypes)
	return &result, nil
}

// SignOff marks a worker offline and gives its task back to the queue.
func (m *Manager) SignOff(workerID string) error {
	err := m.update(func(o *op) error {
		return o.workerGone(workerID, model.WorkerOffline, "worker signed off")
	})
	if err != nil {
		return fmt.Errorf("signing off worker %s: %w", workerID, err)
	}
	m.seenMu.Lock()
	delete(m.seen, workerID)
	m.seenMu.Unlock()
	return nil
}

// workerGone marks a worker offline or lost, remembering the status it returns
// to, and requeues the task it was running.
func (o *op) workerGone(workerID string, status model.WorkerStatus, why string) error {
	w, err := o.worker(workerID)
	if err != nil {
		return err
	}
	w.SignOnStatus = signOnStatus(w)
	w.Status, w.LastSeen = status, o.now
	if w.StatusRequested == model.WorkerOffline || w.StatusRequested == model.WorkerRestartRequested {
		w.StatusRequested, w.Lazy = "", false
	}
	return o.releaseTask(w, why)
}

// stoppedStatus is where a running task goes when its worker stops it: back to
// the queue, unless the task or its job was on its way out anyway.
func (o *op) stoppedStatus(jc *jobChange, t *model.Task) model.TaskStatus {
	switch {
	case t.Status == model.TaskCancelRequested:
		return model.TaskCanceled
	case jc.job.Status == model.JobPauseRequested || jc.job.Status == model.JobPaused:
		return model.TaskPaused
	case jc.job.Status == model.JobCancelRequested || jc.job.Status == model.JobFailRequested:
		return model.TaskCanceled
	}
	return model.TaskQueued
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
	deadline := m.now().Add(-m.cfg.WorkerTimeout)
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
			return o.workerGone(id, model.WorkerLost, fmt.Sprintf("worker not heard from for %s", m.cfg.WorkerTimeout))
		})
		if err != nil {
			m.log.Error("marking worker lost", "worker", id, "err", err)
			continue
		}
		m.log.Warn("worker lost", "worker", id, "timeout", m.cfg.WorkerTimeout)
	}
}

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
		if w, err = tx.Worker(workerID); err != nil {
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

// Assignment is a task handed to a worker, with what it needs of the job.
type Assignment struct {
	Task *model.Task
	Job  *model.Job
}

// maxPickAttempts bounds how often Schedule retries when the picked task changed
// between picking and assigning (it was canceled, say).
const maxPickAttempts = 8

// Schedule hands the worker its next task, or nil when there is none for it. A
// worker that still holds an active task (it restarted mid-task) gets that task
// again.
func (m *Manager) Schedule(workerID string) (*Assignment, error) {
	var w *model.Worker
	var resumed *Assignment
	err := m.store.View(func(tx *store.Tx) (err error) {
		if w, err = tx.Worker(workerID); err != nil {
			return err
		}
		if w.TaskID == "" {
			return nil
		}
		t, err := tx.TaskByID(w.TaskID)
		if err != nil || t.WorkerID != workerID || t.Status != model.TaskActive {
			return nil
		}
		j, err := tx.Job(t.JobID)
		if err != nil || !j.Status.Runnable() {
			return nil
		}
		if t.Commands, err = tx.TaskCommands(t.JobID, t.Index); err != nil {
			return err
		}
		t.Commands = withOverrides(j, t.Commands)
		resumed = &Assignment{Task: withTaskActions(t), Job: j}
		return nil
	})
	if err != nil {
		return nil, err
	}
	m.touch(workerID)
	if w.StatusRequested != "" && w.StatusRequested != w.Status {
		return nil, &StatusChangeError{StatusChange{Status: w.StatusRequested, Lazy: w.Lazy}}
	}
	if w.Status != model.WorkerAwake && w.Status != model.WorkerLost {
		return nil, fmt.Errorf("%w: worker %s is %s", ErrNotAwake, w.Name, w.Status)
	}
	if resumed != nil {
		return resumed, nil
	}
	want := sched.Worker{ID: w.ID, TaskTypes: w.TaskTypes, Tags: w.Tags}
	for range maxPickAttempts {
		c, ok := m.index.Pick(want)
		if !ok {
			return nil, nil
		}
		a, err := m.assign(workerID, c)
		if err != nil {
			m.index.Release(c)
			return nil, err
		}
		if a != nil {
			return a, nil
		}
		m.index.Release(c) // lost a race with another change; pick again
	}
	return nil, nil
}

// assign gives the picked task to the worker, unless the task or its job changed
// since the pick; then it returns nil and changes nothing.
func (m *Manager) assign(workerID string, c sched.Candidate) (*Assignment, error) {
	var a *Assignment
	err := m.update(func(o *op) error {
		a = nil
		jc, err := o.job(c.JobID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		t, err := o.task(jc, c.Index)
		if err != nil {
			return err
		}
		w, err := o.worker(workerID)
		if err != nil {
			return err
		}
		if !t.Status.Schedulable() || !jc.job.Status.Runnable() || slices.Contains(t.FailedBy, workerID) || jc.job.Blocked(workerID, t.Type) {
			delete(o.workers, workerID) // nothing to write
			return nil
		}
		w.Status, w.LastSeen = model.WorkerAwake, o.now
		w.SetTask(t)
		t.WorkerID, t.LastTouched, t.Started = workerID, o.now, o.now
		o.setTaskStatus(jc, t, model.TaskActive, "assigned to "+w.Name)
		if err := o.settle(jc); err != nil {
			return err
		}
		assigned := withTaskActions(t)
		if assigned.Commands, err = o.tx.TaskCommands(t.JobID, t.Index); err != nil {
			return err
		}
		assigned.Commands = withOverrides(jc.job, assigned.Commands)
		a = &Assignment{Task: assigned, Job: jc.job}
		return nil
	})
	return a, err
}

// TaskUpdate is a worker's report on its task. Nil fields are not reported.
type TaskUpdate struct {
	Status         model.TaskReport // empty: no status change
	StepsCompleted *int
	Activity       string
	Log            string
}

// UpdateTask applies a worker's report on a task assigned to it. It answers
// whether the worker may go on running the task.
func (m *Manager) UpdateTask(workerID, taskID string, u TaskUpdate) (HeartbeatReply, error) {
	switch u.Status {
	case "", model.ReportActive, model.ReportCompleted, model.ReportFailed, model.ReportStopped:
	default:
		return HeartbeatReply{}, fmt.Errorf("%w: a worker cannot report status %q; use active, completed, failed or stopped", ErrInvalid, u.Status)
	}
	if u.StepsCompleted != nil && *u.StepsCompleted < 0 {
		return HeartbeatReply{}, fmt.Errorf("%w: steps_completed cannot be negative", ErrInvalid)
	}
	var reply HeartbeatReply
	err := m.update(func(o *op) error {
		jc, t, err := o.taskByID(taskID)
		if err != nil {
			return err
		}
		if t.WorkerID != workerID || !t.Status.Running() {
			return fmt.Errorf("%w: task %s is %s", ErrNotYours, taskID, t.Status)
		}
		if u.Log != "" {
			// Before the status change's own lines: the worker wrote them first.
			o.logs = append(o.logs, logLine{jobID: t.JobID, taskID: t.ID, text: u.Log})
		}
		t.LastTouched = o.now
		jc.changed[t.Index] = true
		if u.StepsCompleted != nil {
			o.setSteps(jc, t, *u.StepsCompleted)
		}
		if u.Activity != "" {
			t.Activity = u.Activity
		}
		w, err := o.worker(workerID)
		if err != nil {
			return err
		}
		w.LastSeen = o.now
		switch u.Status {
		case model.ReportCompleted:
			o.setTaskStatus(jc, t, model.TaskCompleted, "completed by "+w.Name)
		case model.ReportFailed:
			if err := o.failTask(jc, t, w, orDefault(u.Activity, "a command failed")); err != nil {
				return err
			}
		case model.ReportStopped:
			o.setTaskStatus(jc, t, o.stoppedStatus(jc, t), "stopped by "+w.Name)
		}
		if !t.Status.Running() && w.TaskID == t.ID {
			w.ClearTask()
		}
		if err := o.settle(jc); err != nil {
			return err
		}
		reply.Status = w.Status
		reply.MayKeepRunning = t.Status == model.TaskActive && jc.job.Status.Runnable()
		if !reply.MayKeepRunning && t.Status.Running() {
			reply.Reason = fmt.Sprintf("the task is %s in a job that is %s", t.Status, jc.job.Status)
		}
		return nil
	})
	if err != nil {
		return reply, fmt.Errorf("updating task %s: %w", taskID, err)
	}
	m.touch(workerID)
	return reply, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Workers returns every worker, by name.
func (m *Manager) Workers() ([]*model.Worker, error) {
	var ws []*model.Worker
	err := m.store.View(func(tx *store.Tx) error {
		return tx.Workers(func(w *model.Worker) bool { ws = append(ws, m.live(w)); return true })
	})
	if err != nil {
		return nil, fmt.Errorf("listing workers: %w", err)
	}
	slices.SortFunc(ws, func(a, b *model.Worker) int { return strings.Compare(a.Name, b.Name) })
	return ws, nil
}

// Worker returns one worker.
func (m *Manager) Worker(id string) (*model.Worker, error) {
	var w *model.Worker
	err := m.store.View(func(tx *store.Tx) (err error) {
		w, err = tx.Worker(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return m.live(w), nil
}

// live fills in what the store does not keep up to the second: when the worker
// was last heard from, and the actions its status allows.
func (m *Manager) live(w *model.Worker) *model.Worker {
	m.seenMu.Lock()
	if seen, ok := m.seen[w.ID]; ok && seen.After(w.LastSeen) {
		w.LastSeen = seen
	}
	if w.Status.Reachable() {
		w.Stats = m.stats[w.ID]
	}
	m.seenMu.Unlock()
	return withWorkerActions(w)
}
