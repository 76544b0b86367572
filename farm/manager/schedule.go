package manager

import (
	"errors"
	"fmt"
	"slices"

	"farmhand/farm/model"
	"farmhand/farm/sched"
	"farmhand/farm/store"
)

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
		if w, err = m.storedWorker(tx, workerID); err != nil {
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
		if t.Commands, err = m.renderCommandsFor(j, t.Commands, w); err != nil {
			return err
		}
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
		c, ok := m.pickFor(want, w) // blenderversion.go: only jobs whose Blender w has
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
		cmds, err := o.tx.TaskCommands(t.JobID, t.Index)
		if err != nil {
			return err
		}
		if cmds, err = m.renderCommandsFor(jc.job, cmds, w); err != nil {
			if !isExpandError(err) {
				return err
			}
			// This worker cannot run the task (a path variable has no value
			// for its platform): that is a failure of the task here, and
			// other workers get their turn.
			if err := o.failTask(jc, t, w, err.Error()); err != nil {
				return err
			}
			return o.settle(jc)
		}
		w.Status, w.LastSeen = model.WorkerAwake, o.now
		w.SetTask(t)
		t.WorkerID, t.LastTouched, t.Started = workerID, o.now, o.now
		o.setTaskStatus(jc, t, model.TaskActive, "assigned to "+w.Name)
		if err := o.settle(jc); err != nil {
			return err
		}
		assigned := withTaskActions(t)
		assigned.Commands = cmds
		a = &Assignment{Task: assigned, Job: jc.job}
		return nil
	})
	return a, err
}
