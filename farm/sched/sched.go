// Package sched keeps the index of runnable tasks that the manager picks from.
//
// The index mirrors the store for every job that can still run: per job, one heap
// of ready tasks per task type, and per task its count of unfinished
// dependencies. Picking a task for a worker visits the jobs of the best priority
// (not the tasks), so its cost does not grow with the number of tasks in the farm.
// The store stays the truth: the manager rebuilds the index from it at start and
// feeds it every committed change, in commit order.
package sched

import (
	"container/heap"
	"slices"
	"sync"

	"farmhand/farm/model"
)

// Worker is what the index needs to know of a worker to pick a task for it.
type Worker struct {
	ID        string
	TaskTypes []string
	Tags      []string
}

// Candidate is a task the index picked and reserved for a worker.
type Candidate struct {
	JobID  string
	Index  int
	TaskID string
}

// Index is the runnable-task index. It is safe for concurrent use.
type Index struct {
	mu    sync.Mutex
	jobs  map[string]*job
	order []*job // by priority (high first), then submission order
}

type job struct {
	id     string
	prio   int
	seq    uint64
	status model.JobStatus
	tags   []string
	tasks  []task
	types  []string              // task types, by task.typ
	ready  map[string]*readyHeap // task type → ready tasks
	// blocked holds "worker id/task type" pairs on the job's blocklist.
	blocked map[string]bool
	// dependents lists, per task that others depend on, those others; failedBy
	// the workers that failed a task, per task some worker failed. Few tasks
	// have either, so they are kept apart from task.
	dependents map[int32][]int32
	failedBy   map[int32][]string
}

// task is what the index keeps of a task: 16 bytes, so that a job of 100,000
// tasks costs the manager under 2 MB (issue 16). Its id is the job's id and
// its index (model.TaskID).
type task struct {
	prio        int32
	waiting     int32  // dependencies not completed yet
	typ         uint32 // index into job.types
	schedulable bool   // its status is queued or soft-failed
	completed   bool
	reserved    bool
	inHeap      bool
}

// New returns an empty index.
func New() *Index { return &Index{jobs: map[string]*job{}} }

// Indexed reports whether a job in status s belongs in the index: it can run, or
// it may still go back to running without a user's action.
func Indexed(s model.JobStatus) bool {
	switch s {
	case model.JobQueued, model.JobActive, model.JobPauseRequested, model.JobCancelRequested, model.JobFailRequested:
		return true
	}
	return false
}

// Load puts a job with all its tasks in the index, replacing what the index had
// of it. A job whose status does not belong in the index is removed instead.
func (ix *Index) Load(j *model.Job, tasks []*model.Task) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.remove(j.ID)
	if !Indexed(j.Status) {
		return
	}
	e := &job{id: j.ID, prio: j.Priority, seq: j.Seq, status: j.Status, tags: slices.Clone(j.RequiredTags),
		tasks: make([]task, len(tasks)), ready: map[string]*readyHeap{}, blocked: blockedSet(j)}
	types := map[string]uint32{}
	for _, t := range tasks {
		n, ok := types[t.Type]
		if !ok {
			n = uint32(len(e.types))
			types[t.Type] = n
			e.types = append(e.types, t.Type)
		}
		e.tasks[t.Index] = task{typ: n, prio: int32(t.Priority)}
		e.setStatus(int32(t.Index), t)
	}
	for _, t := range tasks {
		for _, d := range t.DependsOn {
			if e.dependents == nil {
				e.dependents = map[int32][]int32{}
			}
			e.dependents[int32(d)] = append(e.dependents[int32(d)], int32(t.Index))
			if !e.tasks[d].completed {
				e.tasks[t.Index].waiting++
			}
		}
	}
	// Ready tasks go in in index order and are heaped once: O(n), where n
	// pushes cost O(n log n).
	for i := range e.tasks {
		if t := &e.tasks[i]; e.isReady(int32(i)) {
			e.heapOf(t.typ).items = append(e.heapOf(t.typ).items, int32(i))
			t.inHeap = true
		}
	}
	for _, h := range e.ready {
		heap.Init((*heapAdapter)(h))
	}
	ix.jobs[j.ID] = e
	ix.order = append(ix.order, e)
	ix.sortOrder()
}

// Remove drops a job from the index.
func (ix *Index) Remove(jobID string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.remove(jobID)
}

// UpdateJob applies a job's new status, priority and tags. It reports false when
// the index does not hold the job and the job should be indexed: the caller then
// Loads it with its tasks.
func (ix *Index) UpdateJob(j *model.Job) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	e, ok := ix.jobs[j.ID]
	if !Indexed(j.Status) {
		ix.remove(j.ID)
		return true
	}
	if !ok {
		return false
	}
	e.status = j.Status
	e.tags = slices.Clone(j.RequiredTags)
	e.blocked = blockedSet(j)
	if e.prio != j.Priority {
		e.prio = j.Priority
		ix.sortOrder()
	}
	return true
}

// UpdateTask applies a task's new status and failure list.
func (ix *Index) UpdateTask(t *model.Task) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	e, ok := ix.jobs[t.JobID]
	if !ok || t.Index >= len(e.tasks) {
		return
	}
	i := int32(t.Index)
	te := &e.tasks[i]
	wasCompleted := te.completed
	e.setStatus(i, t)
	te.prio = int32(t.Priority)
	te.reserved = false
	switch {
	case !wasCompleted && te.completed:
		for _, d := range e.dependents[i] {
			e.tasks[d].waiting--
			e.pushIfReady(d)
		}
	case wasCompleted && !te.completed:
		for _, d := range e.dependents[i] {
			e.tasks[d].waiting++
		}
	}
	e.pushIfReady(i)
}

// Pick chooses the best ready task for w and reserves it, so that no concurrent
// Pick returns it too. The caller must follow up with UpdateTask (assignment
// committed) or Release (assignment abandoned).
//
// Order: job priority (high first), task priority (high first), job submission
// order, task index.
func (ix *Index) Pick(w Worker) (Candidate, bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var bestJob *job
	var bestTask int32 = -1
	for _, e := range ix.order {
		if bestJob != nil && e.prio < bestJob.prio {
			break // lower priority bands cannot win
		}
		if !e.status.Runnable() || !hasAll(w.Tags, e.tags) {
			continue
		}
		i := e.bestFor(w)
		if i < 0 {
			continue
		}
		if bestJob == nil || e.tasks[i].prio > bestJob.tasks[bestTask].prio {
			bestJob, bestTask = e, i
		}
	}
	if bestJob == nil {
		return Candidate{}, false
	}
	bestJob.tasks[bestTask].reserved = true
	return Candidate{JobID: bestJob.id, Index: int(bestTask), TaskID: model.TaskID(bestJob.id, int(bestTask))}, true
}

// Release gives back a reservation whose assignment did not happen.
func (ix *Index) Release(c Candidate) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	e, ok := ix.jobs[c.JobID]
	if !ok || c.Index >= len(e.tasks) {
		return
	}
	e.tasks[c.Index].reserved = false
	e.pushIfReady(int32(c.Index))
}

// Ready returns how many tasks are ready to run in the whole index; for tests
// and status displays.
func (ix *Index) Ready() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	n := 0
	for _, e := range ix.jobs {
		for i := range e.tasks {
			if e.isReady(int32(i)) {
				n++
			}
		}
	}
	return n
}

func blockedSet(j *model.Job) map[string]bool {
	set := make(map[string]bool, len(j.Blocklist))
	for _, b := range j.Blocklist {
		set[b.WorkerID+"/"+b.TaskType] = true
	}
	return set
}

func (ix *Index) remove(jobID string) {
	if _, ok := ix.jobs[jobID]; !ok {
		return
	}
	delete(ix.jobs, jobID)
	ix.order = slices.DeleteFunc(ix.order, func(e *job) bool { return e.id == jobID })
}

func (ix *Index) sortOrder() {
	slices.SortFunc(ix.order, func(a, b *job) int {
		if a.prio != b.prio {
			return b.prio - a.prio
		}
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
}

func (e *job) isReady(i int32) bool {
	t := &e.tasks[i]
	return t.schedulable && t.waiting == 0 && !t.reserved
}

// setStatus takes what the index keeps of t's status and failures.
func (e *job) setStatus(i int32, t *model.Task) {
	te := &e.tasks[i]
	te.schedulable, te.completed = t.Status.Schedulable(), t.Status == model.TaskCompleted
	switch {
	case len(t.FailedBy) > 0:
		if e.failedBy == nil {
			e.failedBy = map[int32][]string{}
		}
		e.failedBy[i] = slices.Clone(t.FailedBy)
	case e.failedBy != nil:
		delete(e.failedBy, i)
	}
}

func (e *job) pushIfReady(i int32) {
	t := &e.tasks[i]
	if t.inHeap || !e.isReady(i) {
		return
	}
	e.heapOf(t.typ).push(i)
	t.inHeap = true
}

// heapOf returns the heap of ready tasks of task type number typ.
func (e *job) heapOf(typ uint32) *readyHeap {
	h := e.ready[e.types[typ]]
	if h == nil {
		h = &readyHeap{job: e}
		e.ready[e.types[typ]] = h
	}
	return h
}

// bestFor returns the best ready task of this job that w can run, or -1.
func (e *job) bestFor(w Worker) int32 {
	best := int32(-1)
	for _, typ := range w.TaskTypes {
		h := e.ready[typ]
		if h == nil || e.blocked[w.ID+"/"+typ] {
			continue
		}
		i := h.firstFor(w.ID)
		if i >= 0 && (best < 0 || h.less(i, best)) {
			best = i
		}
	}
	return best
}
