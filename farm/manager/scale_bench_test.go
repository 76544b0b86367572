package manager

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"farmhand/farm/model"
)

// BenchmarkMemoryPerTask100k measures what a manager keeps in memory for a
// queued 100,000-task job (issue 16): the live heap after submitting it, less
// the live heap before, per task (retained-B/task); the peak heap while it was
// submitted, per task (peak-B/task); and what is still kept once the job is
// canceled (after-end-B/task), which should be nothing.
func BenchmarkMemoryPerTask100k(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		b.StopTimer()
		m := openManagerB(b)
		base := liveHeap()
		b.StartTimer()
		peak := watchPeakHeap()
		j, err := m.Submit(Submission{Name: "memory", Type: "echo-sleep-test",
			Settings: map[string]any{"frames": fmt.Sprintf("1-%d", n), "sleep_seconds": 0.0}})
		if err != nil {
			b.Fatal(err)
		}
		top := peak()
		b.StopTimer()
		kept := liveHeap()
		if m.index.Ready() != n {
			b.Fatalf("index holds %d ready tasks, want %d", m.index.Ready(), n)
		}
		if _, err := m.JobAction(j.ID, model.JobCancel, 0); err != nil {
			b.Fatal(err)
		}
		m.logs.Sync() // the cancel's log lines are queued for the log's writer
		ended := liveHeap()
		b.ReportMetric(perTask(kept, base, n), "retained-B/task")
		b.ReportMetric(perTask(top, base, n), "peak-B/task")
		b.ReportMetric(perTask(ended, base, n), "after-end-B/task")
		m.Close()
		b.StartTimer()
	}
}

func perTask(now, base uint64, n int) float64 {
	if now < base {
		return 0
	}
	return float64(now-base) / float64(n)
}

// liveHeap is the live heap after a full collection, in bytes.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC() // the second one frees what finalizers of the first let go
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// watchPeakHeap samples the heap (live and not yet collected objects) every
// millisecond until the returned function is called, which returns the
// highest sample in bytes.
func watchPeakHeap() func() uint64 {
	var mu sync.Mutex
	var top uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(sample)
		mu.Lock()
		top = max(top, sample[0].Value.Uint64())
		mu.Unlock()
	}
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			read()
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		read()
		mu.Lock()
		defer mu.Unlock()
		return top
	}
}
