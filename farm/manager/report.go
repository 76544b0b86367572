package manager

import (
	"cmp"
	"fmt"

	"farmhand/farm/model"
)

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
			if err := o.failTask(jc, t, w, cmp.Or(u.Activity, "a command failed")); err != nil {
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
