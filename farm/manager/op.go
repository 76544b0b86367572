package manager

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"farmhand/farm/model"
	"farmhand/farm/sched"
	"farmhand/farm/store"
)

// op is one change to the farm, inside one store transaction. It caches what it
// reads so that every record is decoded once and written once, keeps the job
// counters in step with task status changes, and on commit feeds the index and
// the event stream.
type op struct {
	m       *Manager
	tx      *store.Tx
	now     time.Time
	jobs    map[string]*jobChange
	order   []*jobChange // jobs in the order they were first touched
	workers map[string]*model.Worker
	// loaded is the eligibility (able.go) of the workers as the op read them.
	loaded map[string]string
	// deletedWorkers are removed by this op; flush must not write them back.
	deletedWorkers []string
	logs           []logLine
	// membersChanged: a member was added or decided on; subscribers hear it.
	membersChanged bool
}

// jobChange is one job touched by an op.
type jobChange struct {
	job        *model.Job
	wasIndexed bool
	tasks      map[int]*model.Task // tasks read (and possibly changed) by this op
	all        bool                // tasks holds every task of the job
	changed    map[int]bool        // tasks to write back
	dirty      bool                // job to write back
	deleted    bool
	archived   bool
	// ended are tasks that became canceled or failed in this op; settle
	// cancels what depends on them.
	ended []int
	// dependents is the job's reverse dependency graph, built on first use.
	dependents [][]int
	// frames are tasks that became completed or stopped being so, for the
	// job's frame counts and time per frame (eta.go).
	frames []frameChange
}

// logLine is text for a task's log: the manager's own lines, and what workers
// send. It is written and published after the commit, in commit order.
type logLine struct {
	jobID, taskID, text string
}

// update runs fn as one transaction. Once it is on disk, its commit hook feeds
// the index, the event stream and the task logs (see apply).
func (m *Manager) update(fn func(o *op) error) error {
	err := m.store.Update(func(tx *store.Tx) error {
		o := m.newOp(tx)
		if err := fn(o); err != nil {
			return err
		}
		return o.flush()
	})
	return err
}

func (m *Manager) newOp(tx *store.Tx) *op {
	return &op{m: m, tx: tx, now: m.now(), jobs: map[string]*jobChange{}, workers: map[string]*model.Worker{}}
}

func (o *op) job(id string) (*jobChange, error) {
	if jc, ok := o.jobs[id]; ok {
		return jc, nil
	}
	j, err := o.m.storedJob(o.tx, id)
	if err != nil {
		return nil, err
	}
	if j.TaskCounts == nil {
		j.TaskCounts = map[model.TaskStatus]int{}
	}
	jc := &jobChange{job: j, wasIndexed: sched.Indexed(j.Status), tasks: map[int]*model.Task{}, changed: map[int]bool{}}
	o.jobs[id] = jc
	o.order = append(o.order, jc)
	return jc, nil
}

func (o *op) task(jc *jobChange, index int) (*model.Task, error) {
	if t, ok := jc.tasks[index]; ok {
		return t, nil
	}
	t, err := o.tx.Task(jc.job.ID, index)
	if err != nil {
		return nil, err
	}
	jc.tasks[index] = t
	return t, nil
}

// taskByID loads a task and its job.
func (o *op) taskByID(id string) (*jobChange, *model.Task, error) {
	t, err := o.tx.TaskByID(id)
	if err != nil {
		return nil, nil, err
	}
	jc, err := o.job(t.JobID)
	if err != nil {
		return nil, nil, fmt.Errorf("task %s: %w", id, err)
	}
	if cached, ok := jc.tasks[t.Index]; ok {
		return jc, cached, nil
	}
	jc.tasks[t.Index] = t
	return jc, t, nil
}

// allTasks loads every task of a job, in index order.
func (o *op) allTasks(jc *jobChange) ([]*model.Task, error) {
	if !jc.all {
		err := o.tx.Tasks(jc.job.ID, func(t *model.Task) bool {
			if _, ok := jc.tasks[t.Index]; !ok {
				jc.tasks[t.Index] = t
			}
			return true
		})
		if err != nil {
			return nil, fmt.Errorf("loading tasks of job %s: %w", jc.job.ID, err)
		}
		jc.all = true
	}
	out := make([]*model.Task, 0, len(jc.tasks))
	for _, t := range jc.tasks {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *model.Task) int { return a.Index - b.Index })
	return out, nil
}

func (o *op) worker(id string) (*model.Worker, error) {
	if w, ok := o.workers[id]; ok {
		return w, nil
	}
	w, err := o.m.storedWorker(o.tx, id)
	if err != nil {
		return nil, err
	}
	o.noteLoaded(w)
	o.workers[id] = w
	return w, nil
}

// putMember stores a member record and tells subscribers that members changed.
func (o *op) putMember(mb *model.Member) error {
	o.membersChanged = true
	return o.tx.PutMember(mb)
}

func (o *op) log(t *model.Task, format string, args ...any) {
	text := o.now.UTC().Format(time.RFC3339) + " manager: " + fmt.Sprintf(format, args...)
	o.logs = append(o.logs, logLine{jobID: t.JobID, taskID: t.ID, text: text})
}

// setTaskStatus moves a task to status s, keeping its job's counters in step.
func (o *op) setTaskStatus(jc *jobChange, t *model.Task, s model.TaskStatus, why string) {
	jc.changed[t.Index] = true
	jc.dirty = true
	t.Updated = o.now
	if t.Status == s {
		return
	}
	j := jc.job
	old := t.Status
	o.noteFrames(jc, t, old, s)
	j.TaskCounts[old]--
	if j.TaskCounts[old] <= 0 {
		delete(j.TaskCounts, old)
	}
	j.TaskCounts[s]++
	if s.Ends() {
		jc.ended = append(jc.ended, t.Index)
	}
	if old.CountsSteps() {
		j.StepsCompleted -= t.StepsCompleted
	}
	switch s {
	case model.TaskCompleted:
		t.StepsCompleted = t.StepsTotal
	case model.TaskQueued, model.TaskActive:
		// A new attempt (active comes only from assignment) starts from nothing.
		t.StepsCompleted = 0
	}
	if s.CountsSteps() {
		j.StepsCompleted += t.StepsCompleted
	}
	if !s.Running() && s != model.TaskCompleted && s != model.TaskFailed {
		t.WorkerID = ""
	}
	t.Status = s
	if why != "" {
		t.Activity = why
	}
	o.log(t, "status %s → %s%s", old, s, suffix(why))
}

func suffix(why string) string {
	if why == "" {
		return ""
	}
	return ": " + why
}

// setSteps records a task's progress, keeping the job's total in step when
// the task's status counts toward it (model.TaskStatus.CountsSteps).
func (o *op) setSteps(jc *jobChange, t *model.Task, done int) {
	done = min(max(done, 0), t.StepsTotal)
	if t.Status.CountsSteps() {
		jc.job.StepsCompleted += done - t.StepsCompleted
	}
	t.StepsCompleted = done
	jc.changed[t.Index] = true
	jc.dirty = true
}

// enterJobStatus moves a job to status s and makes its tasks follow: a job that
// is canceled or fails cancels what has not run, and asks running tasks to stop;
// a pausing job pauses what waits.
func (o *op) enterJobStatus(jc *jobChange, s model.JobStatus, reason string) error {
	j := jc.job
	if reason != "" || s == model.JobCompleted || s == model.JobQueued || s == model.JobActive {
		j.StatusReason = reason
	}
	j.Status, j.Updated = s, o.now
	jc.dirty = true
	var follow func(model.TaskStatus) (model.TaskStatus, bool)
	switch s {
	case model.JobCancelRequested, model.JobFailRequested, model.JobFailed, model.JobCanceled:
		follow = func(ts model.TaskStatus) (model.TaskStatus, bool) {
			switch ts {
			case model.TaskQueued, model.TaskSoftFailed, model.TaskPaused:
				return model.TaskCanceled, true
			case model.TaskActive:
				return model.TaskCancelRequested, true
			}
			return ts, false
		}
	case model.JobPauseRequested:
		follow = func(ts model.TaskStatus) (model.TaskStatus, bool) {
			return model.TaskPaused, ts == model.TaskQueued || ts == model.TaskSoftFailed
		}
	default:
		return nil
	}
	// Only walk the tasks when the counters say some will change.
	needed := false
	for ts, n := range j.TaskCounts {
		if _, ok := follow(ts); ok && n > 0 {
			needed = true
		}
	}
	if !needed {
		return nil
	}
	tasks, err := o.allTasks(jc)
	if err != nil {
		return err
	}
	why := fmt.Sprintf("job became %s", s)
	for _, t := range tasks {
		if to, ok := follow(t.Status); ok {
			o.setTaskStatus(jc, t, to, why)
		}
	}
	return nil
}

// settle derives the job's status from its task counters until it is stable.
func (o *op) settle(jc *jobChange) error {
	if err := o.cancelDependents(jc); err != nil {
		return err
	}
	for range 4 { // each step moves towards a final status; a few suffice
		d := model.DeriveJobStatus(jc.job.Status, jc.job.TaskCounts, jc.job.TaskCount, o.m.current().FailThreshold)
		if d.Status == jc.job.Status {
			return nil
		}
		if err := o.enterJobStatus(jc, d.Status, d.Reason); err != nil {
			return err
		}
		// A failing job cancels what waits; those have dependents too.
		if err := o.cancelDependents(jc); err != nil {
			return err
		}
	}
	return nil
}

// flush writes what the op changed and registers the commit hook.
func (o *op) flush() error {
	for _, jc := range o.order {
		if jc.deleted {
			o.m.jobMemo.drop(jc.job.ID)
			continue
		}
		// A job coming back into the index (requeued, resumed) brings all its
		// tasks; the index dropped them when the job stopped.
		if !jc.wasIndexed && sched.Indexed(jc.job.Status) {
			if _, err := o.allTasks(jc); err != nil {
				return err
			}
		}
		for i := range jc.changed {
			if err := o.tx.PutTask(jc.tasks[i]); err != nil {
				return err
			}
		}
		if jc.dirty {
			jc.job.Updated = o.now
			if err := o.updateETA(jc); err != nil {
				return err
			}
			if err := o.m.putJob(o.tx, jc.job); err != nil {
				return err
			}
		}
	}
	o.forgetAbleCounts()
	for _, w := range o.workers {
		if err := o.tx.PutWorker(w); err != nil {
			return err
		}
		o.m.keepWorker(o.tx, w)
	}
	for _, id := range o.deletedWorkers {
		if err := o.tx.DeleteWorker(id); err != nil {
			return err
		}
		o.m.workerMemo.drop(id)
	}
	o.tx.OnCommit(o.apply)
	return nil
}

// MassChange is the most task changes of one job an op publishes one by one;
// more (a job action on a big job) go out as one job event with
// refresh_tasks, and subscribers reload the job's task list (the API
// document says so at Event.refresh_tasks). Sixteen task events cost a window
// less than one task-list fetch; a thousand would cost far more.
const MassChange = 16

// apply runs after commit: the index and the subscribers learn what changed.
func (o *op) apply() {
	ix, hub := o.m.index, o.m.events
	for _, jc := range o.order {
		j := jc.job
		switch {
		case jc.deleted:
			ix.Remove(j.ID)
			o.m.lists.bump(j.ID, true)
			hub.Publish(model.Event{Type: model.EventJob, Job: withJobActions(j), Deleted: true})
			continue
		case jc.all && sched.Indexed(j.Status):
			tasks := make([]*model.Task, 0, len(jc.tasks))
			for _, t := range jc.tasks {
				tasks = append(tasks, t)
			}
			ix.Load(j, tasks)
		default:
			ix.UpdateJob(j)
			for i := range jc.changed {
				ix.UpdateTask(jc.tasks[i])
			}
		}
		o.m.trackActive(jc)
		if !jc.dirty && len(jc.changed) == 0 {
			continue
		}
		o.m.lists.bump(j.ID, false)
		// A handful of task changes go out one by one; a mass change (a job
		// action) as one job event that asks subscribers to reload the tasks.
		mass := len(jc.changed) > MassChange
		hub.Publish(model.Event{Type: model.EventJob, Job: withJobActions(j), RefreshTasks: mass})
		if !mass {
			for i := range jc.changed {
				hub.Publish(model.Event{Type: model.EventTask, Task: taskSummary(jc.tasks[i])})
			}
		}
	}
	for _, w := range o.workers {
		hub.Publish(model.Event{Type: model.EventWorker, Worker: withWorkerActions(w)})
	}
	for _, id := range o.deletedWorkers {
		hub.Publish(model.Event{Type: model.EventWorker, Worker: &model.Worker{ID: id}, Deleted: true})
	}
	if o.membersChanged {
		hub.Publish(model.Event{Type: model.EventMembers})
	}
	// Task logs last, so a subscriber sees a task's new status before the
	// lines about it. Append only queues: it does not block the writer.
	for _, l := range o.logs {
		text := l.text
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		o.m.logs.Append(l.jobID, l.taskID, text)
		hub.Publish(model.Event{Type: model.EventTaskLog, TaskLog: &model.TaskLogChunk{TaskID: l.taskID, JobID: l.jobID, Text: text}})
	}
}

// withWorkerActions returns a copy of w with its allowed actions filled in.
// The manager's own bookkeeping (the status a worker signs on with, whether
// an admin renamed or retagged it) stays out of what clients see.
func withWorkerActions(w *model.Worker) *model.Worker {
	c := *w
	c.AllowedActions = model.AllowedWorkerActions(w.Status)
	c.SignOnStatus, c.Renamed, c.Retagged = "", false, false
	return &c
}

// trackActive keeps the task-timeout clock and the hard deadline of the job's
// changed tasks.
func (m *Manager) trackActive(jc *jobChange) {
	m.seenMu.Lock()
	defer m.seenMu.Unlock()
	if jc.deleted || jc.archived {
		for _, t := range jc.tasks {
			delete(m.touched, t.ID)
			delete(m.deadlines, t.ID)
		}
		return
	}
	limit, _ := jc.job.MaxTaskDuration() // checked at submission
	for i := range jc.changed {
		t := jc.tasks[i]
		if t.Status != model.TaskActive {
			delete(m.touched, t.ID)
			delete(m.deadlines, t.ID)
			continue
		}
		// A heartbeat may have seen the task more recently than the store.
		if t.LastTouched.After(m.touched[t.ID]) {
			m.touched[t.ID] = t.LastTouched
		}
		if limit > 0 {
			m.deadlines[t.ID] = t.Started.Add(limit)
		}
	}
}

// withJobActions returns a copy of j with its allowed actions filled in.
func withJobActions(j *model.Job) *model.Job {
	c := *j
	c.AllowedActions = model.AllowedJobActions(j.Status)
	c.TaskCounts = make(map[model.TaskStatus]int, len(j.TaskCounts))
	for k, v := range j.TaskCounts {
		c.TaskCounts[k] = v
	}
	if c.Settings == nil {
		c.Settings = map[string]any{}
	}
	if c.Metadata == nil {
		c.Metadata = map[string]string{}
	}
	if c.RequiredTags == nil {
		c.RequiredTags = []string{}
	}
	return &c
}

// taskSummary returns a copy of t without its commands, with allowed actions.
func taskSummary(t *model.Task) *model.Task {
	c := withTaskActions(t)
	c.Commands = nil
	return c
}

func withTaskActions(t *model.Task) *model.Task {
	c := *t
	c.AllowedActions = model.AllowedTaskActions(t.Status)
	return &c
}
