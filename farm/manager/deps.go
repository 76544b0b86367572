package manager

import (
	"errors"
	"fmt"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// This file applies model.DependentAfter, the dependency rules, inside the op
// that changed a task: a task that can no longer run is canceled in the same
// transaction that ended its dependency, and a requeue takes everything built
// on the requeued task with it.

// dependents returns the job's reverse dependency graph (task index → the
// indexes of the tasks that depend on it), loading every task once per op.
func (o *op) dependents(jc *jobChange) ([][]int, error) {
	if jc.dependents != nil {
		return jc.dependents, nil
	}
	tasks, err := o.allTasks(jc)
	if err != nil {
		return nil, err
	}
	byIndex := make(map[int]*model.Task, len(tasks))
	n := 0
	for _, t := range tasks {
		byIndex[t.Index] = t
		n = max(n, t.Index+1)
	}
	jc.dependents = model.Dependents(n, func(i int) []int {
		if t := byIndex[i]; t != nil {
			return t.DependsOn
		}
		return nil
	})
	return jc.dependents, nil
}

// cancelDependents cancels, transitively, the waiting tasks that depend on a
// task that ended (canceled, or failed for good) in this op, each with the
// name of the dependency that ended.
func (o *op) cancelDependents(jc *jobChange) error {
	if len(jc.ended) == 0 || jc.deleted || jc.archived {
		jc.ended = nil
		return nil
	}
	dependents, err := o.dependents(jc)
	if err != nil {
		return fmt.Errorf("canceling dependents in job %s: %w", jc.job.ID, err)
	}
	paused := jobPaused(jc.job)
	// setTaskStatus appends each task it cancels to jc.ended, so the loop
	// reaches the dependents of dependents.
	for len(jc.ended) > 0 {
		i := jc.ended[0]
		jc.ended = jc.ended[1:]
		if i >= len(dependents) {
			continue
		}
		dep := jc.tasks[i]
		for _, d := range dependents[i] {
			t := jc.tasks[d]
			if to, ok := model.DependentAfter(model.DepEnded, t.Status, paused); ok {
				o.setTaskStatus(jc, t, to, endedBecause(dep))
			}
		}
	}
	return nil
}

// endedBecause says why a dependent of dep cannot run.
func endedBecause(dep *model.Task) string {
	if dep.Status == model.TaskFailed {
		return fmt.Sprintf("dependency %s failed", dep.Name)
	}
	return fmt.Sprintf("dependency %s was %s", dep.Name, dep.Status)
}

// requeueDownstream requeues every task that depends, transitively, on the
// tasks at the given indexes, whatever their status (see model.DependentAfter):
// their output was made from what is about to be made again. A running one
// is taken from its worker, which stops it at its next heartbeat.
func (o *op) requeueDownstream(jc *jobChange, requeued ...int) error {
	if len(requeued) == 0 {
		return nil
	}
	dependents, err := o.dependents(jc)
	if err != nil {
		return fmt.Errorf("requeueing dependents in job %s: %w", jc.job.ID, err)
	}
	paused := jobPaused(jc.job)
	for _, d := range model.Downstream(dependents, requeued...) {
		t := jc.tasks[d]
		to, ok := model.DependentAfter(model.DepRequeued, t.Status, paused)
		if !ok {
			continue
		}
		if t.Status.Running() {
			if err := o.releaseFromWorker(t); err != nil {
				return err
			}
		}
		t.FailedBy = nil
		o.setTaskStatus(jc, t, to, "requeued with a task it depends on")
	}
	return nil
}

// releaseFromWorker forgets that t's worker runs it; the worker hears at its
// next heartbeat that the task is no longer its own.
func (o *op) releaseFromWorker(t *model.Task) error {
	if t.WorkerID == "" {
		return nil
	}
	w, err := o.worker(t.WorkerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the worker was deleted; nothing holds the task
	}
	if err != nil {
		return fmt.Errorf("releasing task %s from its worker: %w", t.ID, err)
	}
	if w.TaskID == t.ID {
		w.ClearTask()
	}
	return nil
}

func jobPaused(j *model.Job) bool {
	return j.Status == model.JobPaused || j.Status == model.JobPauseRequested
}
