package bench

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"
)

const rowFormat = "%7s %8s %9s %10s %10s %10s %10s %8s %9s %10s %8s %9s %9s %11s\n"

func printHeader(out io.Writer) {
	fmt.Fprintf(out, rowFormat, "tasks", "workers", "tasks/s", "sched p50", "sched p99", "submit", "list", "list KB",
		"cpu/task", "heap peak", "B/task", "w/commit", "commit", "load")
}

func printRow(out io.Writer, r Result) {
	cpu := "n/a"
	if r.CPUPerTask >= 0 {
		cpu = fmt.Sprintf("%.0fµs", float64(r.CPUPerTask)/float64(time.Microsecond))
	}
	fmt.Fprintf(out, rowFormat, fmt.Sprint(r.Tasks), fmt.Sprint(r.Workers), fmt.Sprintf("%.0f", r.TasksPerSec),
		ms(r.SchedP50), ms(r.SchedP99), ms(r.SubmitTime), ms(r.ListTime), fmt.Sprint(r.ListBytes>>10),
		cpu, fmt.Sprintf("%dMB", r.HeapPeak>>20), fmt.Sprintf("%.0f", r.HeapPerTask),
		fmt.Sprintf("%.1f", r.WritesPerCommit), ms(r.CommitMean), formatLoad(r.LoadBefore)+"→"+formatLoad(r.LoadAfter))
}

// ms prints every duration in one unit so that the columns compare at a glance.
func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func mark(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}

// printLegend says what the columns mean, and warns when the machine was
// busy with other programs during the runs.
func printLegend(out io.Writer, results []Result) {
	fmt.Fprintf(out, "\n"+
		"tasks/s: tasks completed per second, from the first schedule call until every worker saw the job done;\n"+
		"sched p50, p99: a schedule call's time as a worker sees it (half, and 99 in 100, took at most this);\n"+
		"submit: submitting the job; list: fetching its compact task list; list KB: that list gzipped;\n"+
		"cpu/task: CPU time of the whole process (manager and fake workers) per task;\n"+
		"heap peak: highest Go heap of the run; B/task: live heap the queued job added per task;\n"+
		"w/commit: writes (schedule calls, task updates) per database transaction; commit: its mean\n"+
		"time writing and syncing; load: the machine's one-minute load average at the run's start and end.\n")
	worstLoad := -1.0
	for _, r := range results {
		worstLoad = max(worstLoad, r.LoadBefore, r.LoadAfter)
	}
	if cpus := float64(runtime.NumCPU()); worstLoad > cpus {
		fmt.Fprintf(out, "WARNING: the load average reached %.1f on %d CPUs: other programs competed for the CPUs,\n"+
			"so times and rates measure them too; cpu/task is the fairer comparison.\n", worstLoad, runtime.NumCPU())
	}
}

// printVerdict compares the results with the targets. A target whose run was
// not measured (other job sizes or worker counts) is said to be skipped.
func printVerdict(out io.Writer, results []Result, taskTime time.Duration, disk DiskSync) {
	find := func(tasks, workers int) (Result, bool) {
		for _, r := range results {
			if r.Tasks == tasks && r.Workers == workers {
				return r, true
			}
		}
		return Result{}, false
	}
	line := func(ok bool, what, measured string) {
		fmt.Fprintf(out, "  %-6s  %-58s %s\n", mark(ok), what, measured)
	}
	skip := func(what, why string) { fmt.Fprintf(out, "  %-6s  %-58s %s\n", "-", what, why) }

	printLegend(out, results)
	if !slices.ContainsFunc(results, func(r Result) bool { return r.Tasks == bigJob || r.Tasks == smallJob }) {
		fmt.Fprintf(out, "\ntargets: not judged; they are for jobs of %d and %d tasks (the default --tasks)\n", smallJob, bigJob)
		return
	}
	fmt.Fprintf(out, "\ntargets:\n")
	if taskTime > 0 {
		// Throughput is then bounded by workers ÷ task time, not by the manager.
		fmt.Fprintf(out, "  (throughput targets are for a task time of 0; here each task takes %s)\n", taskTime)
		printLatencyVerdict(out, results, taskTime, line, skip, disk)
		return
	}

	what := fmt.Sprintf("≥ %.0f tasks/s, %d-task job, %d workers", targetTasksPerSec, bigJob, targetWorkers)
	if r, ok := find(bigJob, targetWorkers); ok {
		line(r.TasksPerSec >= targetTasksPerSec, what, fmt.Sprintf("%.0f tasks/s", r.TasksPerSec))
	} else {
		skip(what, "not run")
	}

	printScaleVerdict(results, find, line, skip)

	what = fmt.Sprintf("≥ %.0f× Flamenco's %.1f tasks/s, %d-task job, %d workers", targetVsFlamenco,
		flamencoTasksPerSec, bigJob, flamencoWorkers)
	if r, ok := find(bigJob, flamencoWorkers); ok {
		line(r.TasksPerSec >= targetVsFlamenco*flamencoTasksPerSec, what,
			fmt.Sprintf("%.0f tasks/s (%.0f×)", r.TasksPerSec, r.TasksPerSec/flamencoTasksPerSec))
	} else {
		skip(what, "not run")
	}
	printLatencyVerdict(out, results, taskTime, line, skip, disk)

	// Every run submits and lists once; judge by the slowest of them.
	var submits, lists []time.Duration
	for _, r := range results {
		if r.Tasks == bigJob {
			submits = append(submits, r.SubmitTime)
			lists = append(lists, r.ListTime)
		}
	}
	what = fmt.Sprintf("submit of a %d-task job < %s", bigJob, targetSubmitBigJob)
	if len(submits) > 0 {
		line(slices.Max(submits) < targetSubmitBigJob, what, spread(submits))
	} else {
		skip(what, "not run")
	}
	what = fmt.Sprintf("task list of a %d-task job < %s", bigJob, targetListBigJob)
	if len(lists) > 0 {
		line(slices.Max(lists) < targetListBigJob, what, spread(lists))
	} else {
		skip(what, "not run")
	}
}

func spread(ds []time.Duration) string {
	if len(ds) == 1 {
		return ms(ds[0])
	}
	return fmt.Sprintf("worst %s (best %s, %d runs)", ms(slices.Max(ds)), ms(slices.Min(ds)), len(ds))
}

// printLatencyVerdict checks the schedule p99 of the big job with the most
// workers against its target. A miss says what bounds it: with a task time
// of 0 the fake workers form a closed loop, and by Little's law a task's
// round trip (schedule call, then report) averages workers ÷ throughput,
// whatever the manager does with each call.
func printLatencyVerdict(out io.Writer, results []Result, taskTime time.Duration, line func(bool, string, string), skip func(string, string), disk DiskSync) {
	what := fmt.Sprintf("schedule p99 < %s, %d-task job, %d workers", targetSchedP99, bigJob, targetWorkers)
	for _, r := range results {
		if r.Tasks != bigJob || r.Workers != targetWorkers {
			continue
		}
		line(r.SchedP99 < targetSchedP99, what, ms(r.SchedP99))
		if r.SchedP99 < targetSchedP99 {
			return
		}
		if taskTime == 0 && r.TasksPerSec > 0 {
			trip := time.Duration(float64(r.Workers) / r.TasksPerSec * float64(time.Second))
			fmt.Fprintf(out, "          (saturated: each worker asks again the moment it is answered, so a task's round\n"+
				"          trip, schedule call and report, is %d workers ÷ %.0f tasks/s = %s on average, most of it\n"+
				"          waiting behind the other workers' calls; --task-time 20ms shows the manager's own latency)\n",
				r.Workers, r.TasksPerSec, ms(trip))
		}
		if 2*disk.P99 >= targetSchedP99 {
			fmt.Fprintf(out, "          (this disk's slowest syncs, %s each at p99, two per commit, hold every waiting\n"+
				"          worker: --data-dir on a faster disk, or tmpfs, shows the manager's own latency)\n", ms(disk.P99))
		}
		return
	}
	skip(what, "not run")
}

// printScaleVerdict checks that the big job runs about as fast as the small
// one, for each worker count the small job ran with.
func printScaleVerdict(results []Result, find func(tasks, workers int) (Result, bool),
	line func(bool, string, string), skip func(string, string)) {
	var workerCounts []int
	for _, r := range results {
		if r.Tasks == smallJob {
			workerCounts = append(workerCounts, r.Workers)
		}
	}
	for _, w := range workerCounts {
		what := fmt.Sprintf("%d-task job within %.0f%% of %d-task job, %d workers",
			bigJob, (1-targetScaleRatio)*100, smallJob, w)
		small, _ := find(smallJob, w)
		big, ok := find(bigJob, w)
		if !ok {
			skip(what, "not run")
			continue
		}
		ratio := big.TasksPerSec / small.TasksPerSec
		line(ratio >= targetScaleRatio, what,
			fmt.Sprintf("%.0f vs %.0f tasks/s (%+.1f%%)", big.TasksPerSec, small.TasksPerSec, (ratio-1)*100))
	}
	if len(workerCounts) == 0 {
		skip(fmt.Sprintf("%d-task vs %d-task throughput", bigJob, smallJob), "not run")
	}
}
