package manager

import (
	"errors"
	"fmt"
	"io"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// TaskAction applies a user's action to a batch of tasks, all or nothing: when
// one task's status does not allow the action, nothing changes and the
// *model.ActionError names that task.
func (m *Manager) TaskAction(action model.TaskAction, taskIDs []string) ([]*model.Task, error) {
	if !model.ValidTaskAction(action) {
		return nil, fmt.Errorf("%w: unknown task action %q; actions are %v", ErrInvalid, action, model.TaskActions)
	}
	if len(taskIDs) == 0 {
		return nil, fmt.Errorf("%w: no tasks given", ErrInvalid)
	}
	var result []*model.Task
	err := m.update(func(o *op) error {
		result = result[:0]
		type pair struct {
			jc *jobChange
			t  *model.Task
		}
		var pairs []pair
		for _, id := range taskIDs {
			jc, t, err := o.taskByID(id)
			if err != nil {
				return err
			}
			if err := model.CheckTaskAction(t.ID, t.Status, action); err != nil {
				return err
			}
			pairs = append(pairs, pair{jc, t})
		}
		requeued := map[*jobChange][]int{}
		for _, p := range pairs {
			switch action {
			case model.TaskCancel:
				to := model.TaskCanceled
				if p.t.Status == model.TaskActive {
					to = model.TaskCancelRequested // its worker stops it and reports
				}
				o.setTaskStatus(p.jc, p.t, to, "canceled by request")
			case model.TaskRequeue:
				o.requeueTask(p.jc, p.t)
				requeued[p.jc] = append(requeued[p.jc], p.t.Index)
			}
			result = append(result, withTaskActions(p.t))
		}
		for _, jc := range o.order {
			if err := o.requeueDownstream(jc, requeued[jc]...); err != nil {
				return err
			}
			if err := o.settle(jc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		var ae *model.ActionError
		if errors.As(err, &ae) {
			return nil, err // it names the task and the action already
		}
		return nil, fmt.Errorf("%s tasks: %w", action, err)
	}
	return result, nil
}

// requeueTask queues one task again. A job that had finished is back in the
// queue with it; a paused job keeps the task paused until it is resumed.
func (o *op) requeueTask(jc *jobChange, t *model.Task) {
	t.FailedBy = nil
	j := jc.job
	switch j.Status {
	case model.JobPaused, model.JobPauseRequested:
		o.setTaskStatus(jc, t, model.TaskPaused, "requeued by request (job is paused)")
		return
	case model.JobCompleted, model.JobCanceled, model.JobFailed:
		j.Status, j.StatusReason = model.JobQueued, ""
		jc.dirty = true
	}
	o.setTaskStatus(jc, t, model.TaskQueued, "requeued by request")
}

// TaskLog returns a task's whole log.
func (m *Manager) TaskLog(taskID string) (io.ReadCloser, error) {
	t, err := m.Task(taskID)
	if err != nil {
		return nil, err
	}
	return m.logs.Open(t.JobID, t.ID)
}

// TaskLogTail returns the last n lines of a task's log.
func (m *Manager) TaskLogTail(taskID string, n int) (string, error) {
	t, err := m.Task(taskID)
	if err != nil {
		return "", err
	}
	return m.logs.Tail(t.JobID, t.ID, n)
}

// FarmStatus counts jobs and workers by status.
type FarmStatus struct {
	Jobs    map[model.JobStatus]int
	Workers map[model.WorkerStatus]int
}

// Status counts jobs and workers by status.
func (m *Manager) Status() (FarmStatus, error) {
	fs := FarmStatus{Jobs: map[model.JobStatus]int{}, Workers: map[model.WorkerStatus]int{}}
	err := m.store.View(func(tx *store.Tx) error {
		if err := tx.Jobs(func(j *model.Job) bool { fs.Jobs[j.Status]++; return true }); err != nil {
			return err
		}
		return tx.Workers(func(w *model.Worker) bool { fs.Workers[w.Status]++; return true })
	})
	if err != nil {
		return fs, fmt.Errorf("counting jobs and workers: %w", err)
	}
	return fs, nil
}
