package worker

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"farmhand/internal/farmtest"
)

// BenchmarkWarmBlender measures issue 16's targets with Debian's Blender, on
// the test scene (testdata/warm_scene.py, 64×64 Cycles):
//
//   - 24frames-chunk4: 24 frames as 6 tasks of 4 frames, cold (Blender
//     started per task) and warm (one Blender for the 6), against one plain
//     `blender -b -a`; target warm/plain ≤ 1.05.
//   - slowload-chunk1: a scene that takes 3 s to load, 8 frames as 8 warm
//     tasks of 1 frame against one task of all 8; target chunk1/whole ≤ 1.10.
//
// Each reports seconds per run of each way and their ratios, and load1, the
// machine's load average when it ended (Linux), since other work on the
// machine moves the numbers.
func BenchmarkWarmBlender(b *testing.B) {
	tools := realTools()
	farmtest.Need(b, tools.Blender != "", "blender (apt-get install blender)")
	dir := b.TempDir()

	b.Run("24frames-chunk4", func(b *testing.B) {
		blend := makeWarmScene(b, tools, filepath.Join(dir, "chunk4"), 0)
		out := filepath.Join(dir, "chunk4", "out")
		chunks := []string{"1..4", "5..8", "9..12", "13..16", "17..20", "21..24"}
		var plain, cold, warm time.Duration
		for b.Loop() {
			plain += timed(b, func() error {
				return exec.Command(tools.Blender, "-b", "-y", "--factory-startup", blend, "--python-expr", renderSettingsPython,
					"-o", filepath.Join(out, "plain", "f_###"), "-F", "PNG", "-s", "1", "-e", "24", "-a").Run()
			})
			cold += timed(b, func() error { return renderTasks(nil, tools, blend, filepath.Join(out, "cold"), chunks) })
			warm += timed(b, func() error {
				pool := newWarmPool(quiet)
				defer pool.close("the benchmark run ends")
				return renderTasks(pool, tools, blend, filepath.Join(out, "warm"), chunks)
			})
		}
		report(b, map[string]time.Duration{"plain": plain, "cold": cold, "warm": warm})
		b.ReportMetric(warm.Seconds()/plain.Seconds(), "warm/plain")
		b.ReportMetric(cold.Seconds()/plain.Seconds(), "cold/plain")
	})

	b.Run("slowload-chunk1", func(b *testing.B) {
		blend := makeWarmScene(b, tools, filepath.Join(dir, "slow"), 3)
		out := filepath.Join(dir, "slow", "out")
		var whole, chunk1 time.Duration
		for b.Loop() {
			whole += timed(b, func() error { return renderTasks(nil, tools, blend, filepath.Join(out, "whole"), []string{"1..8"}) })
			chunk1 += timed(b, func() error {
				pool := newWarmPool(quiet)
				defer pool.close("the benchmark run ends")
				return renderTasks(pool, tools, blend, filepath.Join(out, "chunk1"),
					[]string{"1", "2", "3", "4", "5", "6", "7", "8"})
			})
		}
		report(b, map[string]time.Duration{"whole": whole, "chunk1": chunk1})
		b.ReportMetric(chunk1.Seconds()/whole.Seconds(), "chunk1/whole")
	})
}

// renderTasks renders each chunk as a blender-render task of one job, in the
// warm Blender of pool, or cold when pool is nil.
func renderTasks(pool *warmPool, tools Tools, blend, out string, chunks []string) error {
	ctx := context.Background()
	if pool != nil {
		ctx = withWarmPool(ctx, pool)
	}
	env := Env{Log: func(string) {}, Step: func() {}, Tools: tools, Vars: []string{"FARMHAND_JOB_ID=bench"}}
	for _, chunk := range chunks {
		params := warmJobParams(blend, []string{"--render-output", filepath.Join(out, "f_###"), "--render-format", "PNG"}, chunk)
		if err := blenderRenderCommand(ctx, env, params); err != nil {
			return err
		}
	}
	return nil
}

// timed runs f and returns how long it took; an error fails the benchmark.
func timed(b *testing.B, f func() error) time.Duration {
	b.Helper()
	start := time.Now()
	if err := f(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// report adds each way's seconds per run, and the load average.
func report(b *testing.B, total map[string]time.Duration) {
	for name, d := range total {
		b.ReportMetric(d.Seconds()/float64(b.N), name+"-s/op")
	}
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		if fields := strings.Fields(string(data)); len(fields) > 0 {
			if load, err := strconv.ParseFloat(fields[0], 64); err == nil {
				b.ReportMetric(load, "load1")
			}
		}
	}
}
