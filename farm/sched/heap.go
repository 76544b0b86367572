package sched

import (
	"container/heap"
	"slices"
)

// readyHeap holds indexes of a job's ready tasks of one type, best first. Entries
// go stale when a task stops being ready; they are dropped lazily when they reach
// the top, which keeps every update O(log n).
type readyHeap struct {
	job   *job
	items []int32
}

func (h *readyHeap) less(a, b int32) bool {
	ta, tb := &h.job.tasks[a], &h.job.tasks[b]
	if ta.prio != tb.prio {
		return ta.prio > tb.prio
	}
	return a < b
}

func (h *readyHeap) push(i int32) { heap.Push((*heapAdapter)(h), i) }

func (h *readyHeap) pop() int32 {
	i := heap.Pop((*heapAdapter)(h)).(int32)
	h.job.tasks[i].inHeap = false
	return i
}

// firstFor returns the best ready task that worker has not failed, or -1. Tasks
// that worker failed are set aside and pushed back, so they stay available to
// other workers.
func (h *readyHeap) firstFor(workerID string) int32 {
	var skipped []int32
	defer func() {
		for _, i := range skipped {
			h.push(i)
			h.job.tasks[i].inHeap = true
		}
	}()
	for len(h.items) > 0 {
		top := h.items[0]
		if !h.job.isReady(top) {
			h.pop()
			continue
		}
		if slices.Contains(h.job.failedBy[top], workerID) {
			skipped = append(skipped, h.pop())
			continue
		}
		return top
	}
	return -1
}

// heapAdapter gives readyHeap the container/heap interface without exporting it.
type heapAdapter readyHeap

func (a *heapAdapter) Len() int           { return len(a.items) }
func (a *heapAdapter) Less(i, j int) bool { return (*readyHeap)(a).less(a.items[i], a.items[j]) }
func (a *heapAdapter) Swap(i, j int)      { a.items[i], a.items[j] = a.items[j], a.items[i] }
func (a *heapAdapter) Push(x any)         { a.items = append(a.items, x.(int32)) }
func (a *heapAdapter) Pop() any {
	n := len(a.items) - 1
	x := a.items[n]
	a.items = a.items[:n]
	return x
}

func hasAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
