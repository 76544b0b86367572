package bench

import (
	"fmt"
	"io"
	"slices"
	"time"
)

const rowFormat = "%7s %8s %10s %11s %11s %10s %10s %10s\n"

func printHeader(out io.Writer) {
	fmt.Fprintf(out, rowFormat, "tasks", "workers", "tasks/s", "sched p50", "sched p99", "submit", "list", "elapsed")
}

func printRow(out io.Writer, r Result) {
	fmt.Fprintf(out, rowFormat, fmt.Sprint(r.Tasks), fmt.Sprint(r.Workers), fmt.Sprintf("%.0f", r.TasksPerSec),
		ms(r.SchedP50), ms(r.SchedP99), ms(r.SubmitTime), ms(r.ListTime), ms(r.Elapsed))
}

// ms prints every duration in one unit so that the columns compare at a glance.
func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func mark(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}

// printVerdict compares the results with the targets. A target whose run was
// not measured (other job sizes or worker counts) is said to be skipped.
func printVerdict(out io.Writer, results []Result) {
	find := func(tasks, workers int) (Result, bool) {
		for _, r := range results {
			if r.Tasks == tasks && r.Workers == workers {
				return r, true
			}
		}
		return Result{}, false
	}
	line := func(ok bool, what, measured string) {
		fmt.Fprintf(out, "  %-6s  %-52s %s\n", mark(ok), what, measured)
	}
	skip := func(what, why string) { fmt.Fprintf(out, "  %-6s  %-52s %s\n", "-", what, why) }

	fmt.Fprintf(out, "\ntargets:\n")

	what := fmt.Sprintf("≥ %.0f tasks/s, %d-task job, %d workers", targetTasksPerSec, bigJob, targetWorkers)
	if r, ok := find(bigJob, targetWorkers); ok {
		line(r.TasksPerSec >= targetTasksPerSec, what, fmt.Sprintf("%.0f tasks/s", r.TasksPerSec))
	} else {
		skip(what, "not run")
	}

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

	if len(results) > 0 {
		worst := results[0]
		for _, r := range results[1:] {
			if r.SchedP99 > worst.SchedP99 {
				worst = r
			}
		}
		line(worst.SchedP99 < targetSchedP99, fmt.Sprintf("schedule p99 < %s (worst run)", targetSchedP99),
			fmt.Sprintf("%s at %d tasks × %d workers", ms(worst.SchedP99), worst.Tasks, worst.Workers))
	}

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
