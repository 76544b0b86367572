package app

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"

	"farmhand/farm/bench"
)

// runBench runs the scheduling stress benchmark: a real manager on 127.0.0.1
// and fake workers that ask for tasks and report them done over HTTP.
func runBench(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "bench", "bench [--tasks 1000,10000] [--workers 1,4,16,64] [--task-time 0s] [--data-dir DIR]")}
	tasks := fs.String("tasks", "1000,10000", "job sizes to measure (comma-separated)")
	workers := fs.String("workers", "1,4,16,64", "fake worker counts to measure (comma-separated)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	dataDir := fs.String("data-dir", "", "where the benchmark's farms keep their databases (default: the system's temporary folder); its disk's sync time bounds the schedule latency")
	taskTime := fs.Duration("task-time", 0, "how long each fake worker takes over a task, as a render would (0: reports at once, which saturates the manager)")
	if _, err := parseFlags(fs.FlagSet, args); err != nil {
		return err
	}
	sizes, err := intList(*tasks)
	if err != nil {
		return fmt.Errorf("%w: --tasks: %w", errUsage, err)
	}
	counts, err := intList(*workers)
	if err != nil {
		return fmt.Errorf("%w: --workers: %w", errUsage, err)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("starting the CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signalContext()
	defer stop()
	if *taskTime < 0 {
		return fmt.Errorf("%w: --task-time cannot be negative", errUsage)
	}
	_, err = bench.Run(ctx, bench.Options{JobSizes: sizes, Workers: counts, TaskTime: *taskTime, DataDir: *dataDir, Out: e.stdout})
	return err
}

func intList(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", part)
		}
		out = append(out, n)
	}
	return out, nil
}
