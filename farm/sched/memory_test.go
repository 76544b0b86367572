package sched

import (
	"runtime"
	"testing"

	"farmhand/farm/model"
)

// BenchmarkIndexMemory100k measures what the index keeps for a queued
// 100,000-task job, in bytes per task (the live heap after Load, less the
// tasks handed to it), and that Remove gives it all back.
func BenchmarkIndexMemory100k(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		b.StopTimer()
		tasks := mkTasks("job", n, "misc")
		ix := New()
		before := live()
		b.StartTimer()
		ix.Load(mkJob("job", 50, 1), tasks)
		b.StopTimer()
		held := live()
		if ix.Ready() != n {
			b.Fatalf("%d tasks ready, want %d", ix.Ready(), n)
		}
		ix.Remove("job")
		after := live()
		b.ReportMetric(float64(held-before)/n, "B/task")
		b.ReportMetric(float64(max(after, before)-before)/n, "after-remove-B/task")
		runtime.KeepAlive(tasks)
		b.StartTimer()
	}
}

func live() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// Failures and dependencies, kept apart from the tasks, follow the tasks'
// changes: a failure recorded late is honoured, one cleared is forgotten.
func TestFailuresFollowUpdates(t *testing.T) {
	ix := New()
	tasks := mkTasks("j", 1, "misc")
	ix.Load(mkJob("j", 50, 1), tasks)
	w := Worker{ID: "w1", TaskTypes: []string{"misc"}}
	tasks[0].FailedBy = []string{"w1"}
	ix.UpdateTask(tasks[0])
	if c, ok := ix.Pick(w); ok {
		t.Fatalf("w1 got %s, which it failed", c.TaskID)
	}
	tasks[0].FailedBy = nil
	ix.UpdateTask(tasks[0])
	if c, ok := ix.Pick(w); !ok || c.TaskID != model.TaskID("j", 0) {
		t.Fatalf("w1 got %v %v after its failure was cleared", c, ok)
	}
}
