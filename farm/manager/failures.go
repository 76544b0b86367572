package manager

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"farmhand/farm/model"
	"farmhand/farm/store"
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
	case failures >= o.m.current().MaxTaskFailures:
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
		o.setTaskStatus(jc, t, model.TaskSoftFailed, fmt.Sprintf("failed by %s (%s); %d more failures fail it for good",
			w.Name, truncateReason(why), o.m.current().MaxTaskFailures-failures))
	}
	return nil
}

// truncateReason keeps a failure's reason short enough for a task's activity.
func truncateReason(why string) string {
	const most = 160
	if r := []rune(why); len(r) > most {
		return string(r[:most]) + "…"
	}
	return why
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
	if j.Failures[key] < o.m.current().BlocklistThreshold || j.Blocked(w.ID, t.Type) {
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
		if !keptFrom(w, jc.job, t, false, "") {
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

// touchTask records that the worker of an active task just said it runs it.
func (m *Manager) touchTask(taskID string) {
	m.seenMu.Lock()
	defer m.seenMu.Unlock()
	if _, active := m.touched[taskID]; active {
		m.touched[taskID] = m.now()
	}
}

// checkTaskTimeouts fails active tasks that their worker stopped reporting on
// for TaskTimeout (it heartbeats without them: it lost them), and tasks that
// ran past their job's max_task_duration (they hang). Either is a failure by
// the worker, so the task is retried elsewhere (soft-failed), and the worker,
// told by its next heartbeat that the task is no longer its own, stops it and
// logs why.
func (m *Manager) checkTaskTimeouts() {
	now := m.now()
	silentSince := now.Add(-m.current().TaskTimeout.D())
	type overdue struct {
		id     string
		silent bool // no report; else past its hard limit
	}
	var due []overdue
	m.seenMu.Lock()
	for id, touched := range m.touched {
		if touched.Before(silentSince) {
			due = append(due, overdue{id, true})
		} else if d, ok := m.deadlines[id]; ok && now.After(d) {
			due = append(due, overdue{id, false})
		}
	}
	m.seenMu.Unlock()
	for _, d := range due {
		if err := m.timeOut(d.id, d.silent, silentSince); err != nil {
			m.log.Error("timing out task", "task", d.id, "err", err)
		}
	}
}

// timeOut fails one active task: silent, because its worker stopped reporting
// on it before silentSince; else because it ran past its job's hard limit. It
// does nothing when the task finished, or was reported on, meanwhile.
func (m *Manager) timeOut(id string, silent bool, silentSince time.Time) error {
	return m.update(func(o *op) error {
		jc, t, err := o.taskByID(id)
		if errors.Is(err, store.ErrNotFound) {
			return nil // deleted meanwhile
		}
		if err != nil {
			return err
		}
		m.seenMu.Lock()
		touched, active := m.touched[id]
		m.seenMu.Unlock()
		if t.Status != model.TaskActive || !active || (silent && !touched.Before(silentSince)) {
			return nil
		}
		why := fmt.Sprintf("its worker has not reported on it for %s (task timeout): it seems to have lost the task", m.current().TaskTimeout.D())
		if !silent {
			limit, _ := jc.job.MaxTaskDuration()
			why = fmt.Sprintf("it ran longer than the job's %s of %s: it seems to hang", model.MaxTaskDurationSetting, limit)
		}
		w, err := o.worker(t.WorkerID)
		if err != nil {
			return fmt.Errorf("worker of task %s: %w", id, err)
		}
		if w.TaskID == t.ID {
			w.ClearTask()
		}
		t.WorkerID = ""
		if err := o.failTask(jc, t, w, why); err != nil {
			return err
		}
		return o.settle(jc)
	})
}
