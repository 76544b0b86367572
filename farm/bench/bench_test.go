package bench

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestRun checks that a small run drains its job correctly and cleans up; it
// says nothing about speed.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	results, err := Run(context.Background(), Options{JobSizes: []int{50}, Workers: []int{1, 4}, Out: &out, DataDir: dir})
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 {
		t.Fatalf("got %d results, want 2", len(results))
	}
	for i, r := range results {
		if r.Tasks != 50 || r.Workers != []int{1, 4}[i] {
			t.Errorf("result %d is %d tasks × %d workers", i, r.Tasks, r.Workers)
		}
		if r.TasksPerSec <= 0 || r.SchedCalls < 50/r.Workers {
			t.Errorf("result %d: %.1f tasks/s over %d schedule calls", i, r.TasksPerSec, r.SchedCalls)
		}
	}
	if !strings.Contains(out.String(), "targets: not judged") {
		t.Error("no verdict printed (a run of 50 tasks is judged against no target)")
	}
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("runs left %d entries in the data directory", len(left))
	}
}

// TestFull is the real benchmark. It takes minutes, so it runs only on request:
//
//	FARMHAND_BENCH_FULL=1 go test ./farm/bench -run TestFull -v -timeout 30m
//
// FARMHAND_BENCH_DIR picks the disk the farms live on: the numbers depend on it
// (tmpfs, say, to see the manager without the disk).
func TestFull(t *testing.T) {
	if os.Getenv("FARMHAND_BENCH_FULL") == "" {
		t.Skip("set FARMHAND_BENCH_FULL=1 to run the full benchmark")
	}
	dir := os.Getenv("FARMHAND_BENCH_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	if _, err := Run(t.Context(), Options{Out: os.Stdout, DataDir: dir}); err != nil {
		t.Fatal(err)
	}
}

// With a task time, each fake worker holds its task that long before
// reporting it, and the report says so.
func TestRunWithTaskTime(t *testing.T) {
	var out bytes.Buffer
	results, err := Run(t.Context(), Options{JobSizes: []int{20}, Workers: []int{4}, TaskTime: 5 * time.Millisecond,
		Out: &out, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	// 20 tasks over 4 workers: each worker holds at least 5 tasks of 5 ms.
	if len(results) != 1 || results[0].Elapsed < 25*time.Millisecond {
		t.Errorf("results %+v: the workers did not take their time", results)
	}
	if !strings.Contains(out.String(), "takes 5ms over a task") {
		t.Errorf("report does not name the task time:\n%s", out.String())
	}
}

// A data folder that is not there is refused before anything runs, saying so.
func TestRunRefusesAMissingDataFolder(t *testing.T) {
	var out bytes.Buffer
	dir := t.TempDir() + "/nope"
	_, err := Run(context.Background(), Options{JobSizes: []int{5}, Workers: []int{1}, Out: &out, DataDir: dir})
	if err == nil || !strings.Contains(err.Error(), "no such folder") || !strings.Contains(err.Error(), dir) {
		t.Errorf("err = %v, want it to say %s is no such folder", err, dir)
	}
	if out.Len() != 0 {
		t.Errorf("printed before refusing:\n%s", out.String())
	}
}

// A missed latency target in a saturated run says what bounds it: the
// workers' round trip, workers ÷ throughput; a met one says nothing more.
func TestLatencyVerdictExplainsASaturatedMiss(t *testing.T) {
	fast := DiskSync{P50: 100 * time.Microsecond, P99: 200 * time.Microsecond}
	missed := []Result{{Tasks: bigJob, Workers: targetWorkers, TasksPerSec: 3200, SchedP99: 19 * time.Millisecond}}
	var out bytes.Buffer
	printVerdict(&out, missed, 0, fast)
	if !strings.Contains(out.String(), "MISSED") || !strings.Contains(out.String(), "64 workers ÷ 3200 tasks/s = 20.00ms") {
		t.Errorf("a saturated miss does not give the round trip:\n%s", out.String())
	}
	out.Reset()
	met := []Result{{Tasks: bigJob, Workers: targetWorkers, TasksPerSec: 9000, SchedP99: 8 * time.Millisecond}}
	printVerdict(&out, met, 0, fast)
	if strings.Contains(out.String(), "saturated:") {
		t.Errorf("a met target is explained:\n%s", out.String())
	}
	out.Reset()
	printVerdict(&out, missed, 20*time.Millisecond, fast)
	if strings.Contains(out.String(), "saturated:") {
		t.Errorf("a run with a task time is called saturated:\n%s", out.String())
	}
}
