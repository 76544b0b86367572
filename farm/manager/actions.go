package manager

import (
	"errors"
	"fmt"
	"slices"

	"farmhand/farm/model"
)

// Actor is who asks for a change: a member, and whether it is an admin.
// Admins act on every job; others (artists) on the jobs they submitted only.
// The check runs inside the action's transaction, against the job as it is
// then. Name, Role and Address (the request's IP address) go into the audit
// log with MemberID.
type Actor struct {
	MemberID string
	Admin    bool
	Name     string
	Role     model.Role
	Address  string
}

// AsAdmin acts as the farm itself: for the manager's own callers and tests.
// Its audit entries name no member ("the manager").
var AsAdmin = Actor{Admin: true}

// mayActOn returns an error wrapping ErrForbidden unless a may act on j.
func (a Actor) mayActOn(j *model.Job) error {
	if a.Admin || (a.MemberID != "" && j.SubmitterID == a.MemberID) {
		return nil
	}
	who := j.Submitter
	if who == "" {
		who = "someone else"
	}
	return fmt.Errorf("%w: job %q was submitted by %s; artists may act on their own jobs only", ErrForbidden, j.Name, who)
}

// JobAction applies an action to one job as an admin; see JobActions.
func (m *Manager) JobAction(id string, action model.JobAction, priority int) (*model.Job, error) {
	jobs, err := m.JobActions(AsAdmin, action, []string{id}, priority)
	if err != nil {
		return nil, err
	}
	return jobs[0], nil
}

// JobActions applies a user's action to a batch of jobs, all or nothing, in
// one transaction, and returns the jobs as they are after it, in the order of
// ids. priority (0–100) is only read by set-priority.
//
// Errors: ErrInvalid for an unknown action, no jobs or a bad priority;
// store.ErrNotFound (wrapped) for an unknown job; ErrForbidden when by may not
// act on one of the jobs; a *model.ActionError when a job's status does not
// allow the action. On error nothing changes.
func (m *Manager) JobActions(by Actor, action model.JobAction, ids []string, priority int) ([]*model.Job, error) {
	if !model.ValidJobAction(action) {
		return nil, fmt.Errorf("%w: unknown job action %q; actions are %v", ErrInvalid, action, model.JobActions)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: no jobs given", ErrInvalid)
	}
	if action == model.JobSetPriority {
		if err := checkPriority(priority); err != nil {
			return nil, err
		}
	}
	var result []*model.Job
	var dropped []string // jobs whose task logs and images go
	err := m.update(func(o *op) error {
		result, dropped = result[:0], dropped[:0]
		for _, id := range ids {
			jc, err := o.job(id)
			if err != nil {
				return err // it names the job
			}
			if err := by.mayActOn(jc.job); err != nil {
				return err
			}
			if err := model.CheckJobAction(jc.job.ID, jc.job.Status, action); err != nil {
				return err
			}
			was := *jc.job
			if err := o.jobAction(jc, action, priority); err != nil {
				return err
			}
			if err := o.audit(by, jobActionNote(&was, jc, action)); err != nil {
				return err
			}
			if jc.deleted || jc.archived {
				dropped = append(dropped, id)
			}
			result = append(result, withJobActions(jc.job))
		}
		return nil
	})
	if err != nil {
		var ae *model.ActionError
		if errors.As(err, &ae) || errors.Is(err, ErrForbidden) {
			return nil, err // it names the job and the action already
		}
		return nil, fmt.Errorf("%s: %w", action, err) // err names the job
	}
	m.dropJobFiles(action, dropped)
	for _, j := range result {
		m.log.Info("job action", "job", j.ID, "action", action, "status", j.Status)
	}
	return result, nil
}

// jobAction applies one allowed action to one job of the op, then settles it.
func (o *op) jobAction(jc *jobChange, action model.JobAction, priority int) error {
	j := jc.job
	if action == model.JobRequeue || action == model.JobRequeueFailed {
		// An upload job whose files never all came is refused, not requeued.
		if err := o.checkFilesIn(j, action); err != nil {
			return err
		}
	}
	var err error
	switch action {
	case model.JobCancel:
		err = o.enterJobStatus(jc, model.JobCancelRequested, "canceled by request")
	case model.JobPause:
		err = o.enterJobStatus(jc, model.JobPauseRequested, "paused by request")
	case model.JobResume:
		err = o.requeueTasks(jc, func(t *model.Task) bool { return t.Status == model.TaskPaused }, "resumed")
	case model.JobRequeue:
		j.Blocklist, j.Failures = nil, nil // a fresh start for every worker
		all := j.Status == model.JobCompleted
		err = o.requeueTasks(jc, func(t *model.Task) bool { return all || t.Status != model.TaskCompleted }, "job requeued")
		if err == nil {
			err = o.requeueDownstream(jc, requeuedIndexes(jc)...)
		}
	case model.JobRequeueFailed:
		j.Blocklist, j.Failures = nil, nil
		err = o.requeueTasks(jc, func(t *model.Task) bool {
			return t.Status == model.TaskFailed || t.Status == model.TaskCanceled
		}, "failed tasks requeued")
		if err == nil {
			err = o.requeueDownstream(jc, requeuedIndexes(jc)...)
		}
	case model.JobSetPriority:
		j.Priority = priority
		jc.dirty = true
	case model.JobArchive:
		// Keep the job, its settings and its counters; drop the task bulk.
		j.Status, j.StatusReason = model.JobArchived, fmt.Sprintf("archived from %s", j.Status)
		jc.dirty, jc.archived = true, true
		err = o.tx.DeleteTasks(j.ID)
	case model.JobDelete:
		jc.deleted = true
		err = o.tx.DeleteJob(j.ID)
	}
	if err != nil {
		return err
	}
	return o.settle(jc)
}

// dropJobFiles removes what archived and deleted jobs keep outside the
// database: task logs, and for deleted jobs the last-rendered images.
func (m *Manager) dropJobFiles(action model.JobAction, ids []string) {
	for _, id := range ids {
		if err := m.logs.RemoveJob(id); err != nil {
			m.log.Warn("removing task logs", "job", id, "err", err)
		}
		if action != model.JobDelete {
			continue
		}
		if err := m.rendered.Remove(id); err != nil {
			m.log.Warn("removing last-rendered images", "job", id, "err", err)
		}
	}
}

// requeueTasks queues the tasks pick selects, forgets who failed them, and puts
// the job back in the queue.
func (o *op) requeueTasks(jc *jobChange, pick func(*model.Task) bool, why string) error {
	tasks, err := o.allTasks(jc)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if pick(t) {
			t.FailedBy = nil
			o.setTaskStatus(jc, t, model.TaskQueued, why)
		}
	}
	jc.job.Status, jc.job.StatusReason = model.JobQueued, ""
	jc.dirty = true
	return nil
}

// requeuedIndexes lists the tasks of jc this op changed, which after
// requeueTasks are exactly the ones it requeued.
func requeuedIndexes(jc *jobChange) []int {
	out := make([]int, 0, len(jc.changed))
	for i := range jc.changed {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

// TaskAction applies an action to a batch of tasks as an admin; see
// TaskActions.
func (m *Manager) TaskAction(action model.TaskAction, taskIDs []string) ([]*model.Task, error) {
	return m.TaskActions(AsAdmin, action, taskIDs)
}

// TaskActions applies a user's action to a batch of tasks, all or nothing,
// in one transaction; a requeue takes the tasks that depend on the requeued
// ones along (see model.DependentAfter). It returns the tasks as they are
// after it, without their commands.
//
// Errors: ErrInvalid for an unknown action or no tasks; store.ErrNotFound
// (wrapped) for an unknown task; ErrForbidden when by may not act on a task's
// job; a *model.ActionError naming the first task whose status does not
// allow the action. On error nothing changes.
func (m *Manager) TaskActions(by Actor, action model.TaskAction, taskIDs []string) ([]*model.Task, error) {
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
			if err := by.mayActOn(jc.job); err != nil {
				return err
			}
			if err := model.CheckTaskAction(t.ID, t.Status, action); err != nil {
				return err
			}
			if action == model.TaskRequeue {
				// A task of an upload job runs only with the job's files,
				// as the job does (jobAction).
				if err := o.checkFilesIn(jc.job, model.JobRequeue); err != nil {
					return err
				}
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
			result = append(result, p.t)
		}
		for _, jc := range o.order {
			if err := o.requeueDownstream(jc, requeued[jc]...); err != nil {
				return err
			}
			if err := o.settle(jc); err != nil {
				return err
			}
		}
		return o.auditTaskAction(by, action, taskIDs)
	})
	if err != nil {
		var ae *model.ActionError
		if errors.As(err, &ae) || errors.Is(err, ErrForbidden) {
			return nil, err // it names the task and the action already
		}
		return nil, fmt.Errorf("%s tasks: %w", action, err)
	}
	out := make([]*model.Task, len(result))
	for i, t := range result {
		out[i] = taskSummary(t) // as they ended, after settling
	}
	return out, nil
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
