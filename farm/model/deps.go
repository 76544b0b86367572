package model

// The dependency rules: what becomes of a task when a task it depends on,
// directly or through others, changes. They sit next to the allowed-actions
// tables because together they are the whole of "what may happen to a task";
// the manager applies them in the transaction that made the change, so a job
// never waits for a task that can no longer run.

// DependencyChange is what happened to a dependency.
type DependencyChange string

// Dependency changes.
const (
	// DepEnded: the dependency was canceled or failed for good; it will never
	// complete, so nothing that needs it can run.
	DepEnded DependencyChange = "ended"
	// DepRequeued: a person requeued the dependency; whatever was made from
	// its old output is stale and must be made again (a re-rendered frame
	// also rebuilds the preview video).
	DepRequeued DependencyChange = "requeued"
)

// DependencyChanges lists every dependency change, for tables and tests.
var DependencyChanges = []DependencyChange{DepEnded, DepRequeued}

// DependentAfter says which status a task in status s moves to when a task it
// depends on had change c. jobPaused tells whether the task's job is paused
// (or pausing): requeued work then waits as paused. It returns s and false
// when the task keeps its status.
//
// The rules:
//   - DepEnded: a task still waiting (queued, soft-failed, paused) is canceled.
//     Running, finished and canceling tasks keep their status: they cannot be
//     waiting for a dependency that never completed.
//   - DepRequeued: every task that ran or ended (active, soft-failed,
//     completed, failed, canceled) is queued again (paused in a paused job);
//     an active one's worker learns at its next heartbeat and stops. A task
//     being canceled keeps that status: a person's cancel wins.
func DependentAfter(c DependencyChange, s TaskStatus, jobPaused bool) (TaskStatus, bool) {
	switch c {
	case DepEnded:
		switch s {
		case TaskQueued, TaskSoftFailed, TaskPaused:
			return TaskCanceled, true
		}
	case DepRequeued:
		switch s {
		case TaskActive, TaskSoftFailed, TaskCompleted, TaskFailed, TaskCanceled:
			if jobPaused {
				return TaskPaused, true
			}
			return TaskQueued, true
		case TaskQueued:
			if jobPaused {
				return TaskPaused, true
			}
		}
	}
	return s, false
}

// Ends reports whether a task that reached status s will never complete
// unless a person requeues it: its dependents can no longer run.
func (s TaskStatus) Ends() bool { return s == TaskCanceled || s == TaskFailed }

// Dependents maps each task index of a job to the indexes of the tasks that
// depend on it directly. dependsOn gives, per task index, its dependencies.
func Dependents(n int, dependsOn func(i int) []int) [][]int {
	out := make([][]int, n)
	for i := range n {
		for _, d := range dependsOn(i) {
			if d >= 0 && d < n {
				out[d] = append(out[d], i)
			}
		}
	}
	return out
}

// Downstream returns every task index that depends, directly or through
// others, on any of the start indexes, each once, in breadth-first order;
// the start indexes themselves are not included unless a cycle leads back
// to them (jobs are compiled acyclic, so it does not).
func Downstream(dependents [][]int, start ...int) []int {
	seen := make(map[int]bool, len(start))
	for _, s := range start {
		seen[s] = true
	}
	var out []int
	queue := append([]int(nil), start...)
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		if i < 0 || i >= len(dependents) {
			continue
		}
		for _, d := range dependents[i] {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
				queue = append(queue, d)
			}
		}
	}
	return out
}
