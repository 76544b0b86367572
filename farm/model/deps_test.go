package model

import (
	"slices"
	"testing"
)

// TestDependentAfterEveryCombination spells out, for every dependency change,
// every status of the dependent task and both job states, where the dependent
// goes. A new task status or change fails the coverage check below until the
// table says what it does.
func TestDependentAfterEveryCombination(t *testing.T) {
	type key struct {
		c      DependencyChange
		s      TaskStatus
		paused bool
	}
	const keep = TaskStatus("") // the task keeps its status
	want := map[key]TaskStatus{
		{DepEnded, TaskQueued, false}:          TaskCanceled,
		{DepEnded, TaskQueued, true}:           TaskCanceled,
		{DepEnded, TaskActive, false}:          keep,
		{DepEnded, TaskActive, true}:           keep,
		{DepEnded, TaskSoftFailed, false}:      TaskCanceled,
		{DepEnded, TaskSoftFailed, true}:       TaskCanceled,
		{DepEnded, TaskPaused, false}:          TaskCanceled,
		{DepEnded, TaskPaused, true}:           TaskCanceled,
		{DepEnded, TaskCancelRequested, false}: keep,
		{DepEnded, TaskCancelRequested, true}:  keep,
		{DepEnded, TaskCanceled, false}:        keep,
		{DepEnded, TaskCanceled, true}:         keep,
		{DepEnded, TaskFailed, false}:          keep,
		{DepEnded, TaskFailed, true}:           keep,
		{DepEnded, TaskCompleted, false}:       keep,
		{DepEnded, TaskCompleted, true}:        keep,

		{DepRequeued, TaskQueued, false}:          keep,
		{DepRequeued, TaskQueued, true}:           TaskPaused,
		{DepRequeued, TaskActive, false}:          TaskQueued,
		{DepRequeued, TaskActive, true}:           TaskPaused,
		{DepRequeued, TaskSoftFailed, false}:      TaskQueued,
		{DepRequeued, TaskSoftFailed, true}:       TaskPaused,
		{DepRequeued, TaskPaused, false}:          keep,
		{DepRequeued, TaskPaused, true}:           keep,
		{DepRequeued, TaskCancelRequested, false}: keep,
		{DepRequeued, TaskCancelRequested, true}:  keep,
		{DepRequeued, TaskCanceled, false}:        TaskQueued,
		{DepRequeued, TaskCanceled, true}:         TaskPaused,
		{DepRequeued, TaskFailed, false}:          TaskQueued,
		{DepRequeued, TaskFailed, true}:           TaskPaused,
		{DepRequeued, TaskCompleted, false}:       TaskQueued,
		{DepRequeued, TaskCompleted, true}:        TaskPaused,
	}
	for _, c := range DependencyChanges {
		for _, s := range TaskStatuses {
			for _, paused := range []bool{false, true} {
				k := key{c, s, paused}
				w, ok := want[k]
				if !ok {
					t.Errorf("the table does not say what %s does to a %s task (job paused: %v)", c, s, paused)
					continue
				}
				got, changed := DependentAfter(c, s, paused)
				if w == keep {
					if changed || got != s {
						t.Errorf("%s, dependent %s, paused %v: moved to %s, want it kept", c, s, paused, got)
					}
					continue
				}
				if !changed || got != w {
					t.Errorf("%s, dependent %s, paused %v: got %s (changed %v), want %s", c, s, paused, got, changed, w)
				}
			}
		}
	}
}

// TestEndedDependentsAreNeverLeftWaiting: whatever a dependent's status, after
// its dependency ended it is not waiting for a worker any more, so a job can
// always end.
func TestEndedDependentsAreNeverLeftWaiting(t *testing.T) {
	for _, s := range TaskStatuses {
		for _, paused := range []bool{false, true} {
			got, _ := DependentAfter(DepEnded, s, paused)
			if got.Schedulable() || got == TaskPaused {
				t.Errorf("a %s dependent of an ended task is left %s", s, got)
			}
		}
	}
}

func TestDownstream(t *testing.T) {
	// 0 → 1 → 3, 0 → 2 → 3, 3 → 4; 5 stands alone.
	deps := map[int][]int{1: {0}, 2: {0}, 3: {1, 2}, 4: {3}}
	dependents := Dependents(6, func(i int) []int { return deps[i] })
	cases := []struct {
		start []int
		want  []int
	}{
		{[]int{0}, []int{1, 2, 3, 4}},
		{[]int{2}, []int{3, 4}},
		{[]int{4}, nil},
		{[]int{5}, nil},
		{[]int{1, 2}, []int{3, 4}},
		{[]int{9}, nil}, // out of range: nothing, no panic
	}
	for _, c := range cases {
		got := Downstream(dependents, c.start...)
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("Downstream(%v) = %v, want %v", c.start, got, c.want)
		}
	}
}
