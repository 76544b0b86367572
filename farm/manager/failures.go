package manager

import (
	"fmt"
	"slices"

	"farmhand/farm/model"
)

// failTask records a worker's failure of a task. The task is retried by other
// workers until MaxTaskFailures of them failed it, or until no worker is left
// that could run it; a worker that fails BlocklistThreshold tasks of one type
// of the job is blocklisted for them.
func (o *op) failTask(jc *jobChange, t *model.Task, w *model.Worker, why string) error {
	if !slices.Contains(t.FailedBy, w.ID) {
		t.FailedBy = append(t.FailedBy, w.ID)
	}
	o.log(t, "failed on %s: %s", w.Name, why)
	if err := o.countFailure(jc, t, w); err != nil {
		return err
	}
	failures := o.failuresCounted(jc, t)
	switch {
	case failures >= o.m.cfg.MaxTaskFailures:
		o.setTaskStatus(jc, t, model.TaskFailed, fmt.Sprintf("failed by %d workers", failures))
	case t.Status == model.TaskCancelRequested:
		o.setTaskStatus(jc, t, model.TaskCanceled, "failed by "+w.Name+" while being canceled")
	case !jc.job.Status.Runnable():
		// The job is pausing or being canceled: the task follows it.
		o.setTaskStatus(jc, t, model.TaskSoftFailed, "failed by "+w.Name)
		o.setTaskStatus(jc, t, o.stoppedStatus(jc, t), "")
	default:
		left, err := o.eligibleWorkers(jc, t)
		if err != nil {
			return err
		}
		if left == 0 {
			o.setTaskStatus(jc, t, model.TaskFailed, "no worker left that could run it")
			return o.failJob(jc, fmt.Sprintf("no worker left that can run task %s (type %s): every worker that could has failed it, is blocklisted, or is offline", t.Name, t.Type))
		}
		o.setTaskStatus(jc, t, model.TaskSoftFailed, fmt.Sprintf("failed by %s; %d more failures fail it for good",
			w.Name, o.m.cfg.MaxTaskFailures-failures))
	}
	return nil
}

// countFailure adds one to the worker's failures in this job and blocklists it
// at the threshold. Its failed tasks of that type go back to the queue: with
// the worker out of the picture, the others deserve their turn.
func (o *op) countFailure(jc *jobChange, t *model.Task, w *model.Worker) error {
	j := jc.job
	if j.Failures == nil {
		j.Failures = map[string]int{}
	}
	key := w.ID + "/" + t.Type
	j.Failures[key]++
	jc.dirty = true
	if j.Failures[key] < o.m.cfg.BlocklistThreshold || j.Blocked(w.ID, t.Type) {
		return nil
	}
	j.Blocklist = append(j.Blocklist, model.BlockEntry{WorkerID: w.ID, WorkerName: w.Name, TaskType: t.Type, Since: o.now})
	o.log(t, "%s is blocklisted for %s tasks of this job after %d failures", w.Name, t.Type, j.Failures[key])
	o.m.log.Warn("worker blocklisted", "worker", w.Name, "job", j.ID, "task_type", t.Type, "failures", j.Failures[key])
	tasks, err := o.allTasks(jc)
	if err != nil {
		return err
	}
	for _, other := range tasks {
		if other != t && other.Status == model.TaskFailed && other.Type == t.Type && slices.Contains(other.FailedBy, w.ID) {
			o.setTaskStatus(jc, other, model.TaskQueued, w.Name+" was blocklisted; retrying elsewhere")
		}
	}
	return nil
}

// failuresCounted is how many workers failed the task, leaving out blocklisted
// ones: a worker that fails everything says little about this task.
func (o *op) failuresCounted(jc *jobChange, t *model.Task) int {
	n := 0
	for _, id := range t.FailedBy {
		if !jc.job.Blocked(id, t.Type) {
			n++
		}
	}
	return n
}

// eligibleWorkers counts the workers that could still run the task some time:
// signed on (asleep counts, it can be woken), able to run its type, carrying
// the job's tags, not blocklisted and not among those that failed it.
func (o *op) eligibleWorkers(jc *jobChange, t *model.Task) (int, error) {
	n := 0
	err := o.tx.Workers(func(w *model.Worker) bool {
		if cached, ok := o.workers[w.ID]; ok {
			w = cached
		}
		if len(whyNot(w, jc.job, t, false)) == 0 {
			n++
		}
		return true
	})
	return n, err
}

// failJob fails the job at once (or as soon as its running tasks stop).
func (o *op) failJob(jc *jobChange, reason string) error {
	status := model.JobFailed
	if jc.job.TaskCounts[model.TaskActive]+jc.job.TaskCounts[model.TaskCancelRequested] > 0 {
		status = model.JobFailRequested
	}
	o.m.log.Warn("job failed", "job", jc.job.ID, "reason", reason)
	return o.enterJobStatus(jc, status, reason)
}

// checkTaskTimeouts fails tasks that went without a report for TaskTimeout:
// they hang. It is a failure by their worker, so the task is retried elsewhere
// (soft-failed), and the worker, told by its next heartbeat that the task is
// no longer its own, stops it.
func (m *Manager) checkTaskTimeouts() {
	deadline := m.now().Add(-m.cfg.TaskTimeout)
	var hung []string
	m.seenMu.Lock()
	for id, touched := range m.touched {
		if touched.Before(deadline) {
			hung = append(hung, id)
		}
	}
	m.seenMu.Unlock()
	for _, id := range hung {
		err := m.update(func(o *op) error {
			jc, t, err := o.taskByID(id)
			if err != nil || t.Status != model.TaskActive || !t.LastTouched.Before(deadline) {
				return nil // finished or reported meanwhile
			}
			w, err := o.worker(t.WorkerID)
			if err != nil {
				return err
			}
			if w.TaskID == t.ID {
				w.TaskID, w.TaskJobID = "", ""
			}
			t.WorkerID = ""
			if err := o.failTask(jc, t, w, fmt.Sprintf("no report for %s; the task seems to hang", m.cfg.TaskTimeout)); err != nil {
				return err
			}
			return o.settle(jc)
		})
		if err != nil {
			m.log.Error("timing out task", "task", id, "err", err)
		}
	}
}
