package worker

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"farmhand/internal/farmtest"
)

// processesNaming lists the live processes whose command line holds s.
func processesNaming(s string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !bytes.Contains(cmdline, []byte(s)) {
			continue
		}
		if _, err := procStat(pid); err == nil { // not a zombie
			pids = append(pids, pid)
		}
	}
	return pids
}

// hookedRecorder is a recorder that also calls on with each line.
func hookedRecorder(rec *recorder, tools Tools, job string, on func(string)) Env {
	env := rec.env(tools)
	log := env.Log
	env.Log = func(line string) {
		log(line)
		on(line)
	}
	env.Vars = []string{"FARMHAND_JOB_ID=" + job}
	return env
}

// TestWarmBlenderCancel cancels a warm chunk mid-render: the command returns
// the cancellation within 2 s and no Blender of the scene is left in /proc.
func TestWarmBlenderCancel(t *testing.T) {
	tools := realTools()
	needTool(t, "blender", tools.Blender)
	dir := t.TempDir()
	blend := makeWarmScene(t, tools, dir, 0)
	pool := newWarmPool(quiet)
	t.Cleanup(func() { pool.close("the test ends") })
	ctx, cancel := context.WithCancel(withWarmPool(context.Background(), pool))
	var saved sync.Once
	var savedAt time.Time
	var rec recorder
	env := hookedRecorder(&rec, tools, "j", func(line string) {
		if strings.Contains(line, "Saved:") {
			saved.Do(func() { savedAt = time.Now(); cancel() })
		}
	})
	// Frame 3 takes a minute: the cancel comes mid-chunk, and stops a
	// Blender busy in Python.
	slow := "import bpy, time\n" +
		"bpy.app.handlers.render_pre.append(lambda scene, *a: time.sleep(60) if scene.frame_current == 3 else None)\n"
	before := []string{"--python-expr", slow, "-o", filepath.Join(dir, "out", "f_###")}
	err := blenderRenderCommand(ctx, env, warmJobParams(blend, before, "1..24"))
	took := time.Since(savedAt)
	if !errors.Is(err, context.Canceled) || savedAt.IsZero() || took > 2*time.Second {
		t.Fatalf("returned %v %v after the cancel; want a cancellation within 2 s\n%s", err, took, rec.log())
	}
	if left := processesNaming(blend); len(left) > 0 {
		t.Errorf("Blender processes left after the cancel: %v", left)
	}
	if pool.proc != nil {
		t.Error("the pool still holds the canceled Blender")
	}
}

// TestWarmBlenderCrash: a Blender that ends mid-chunk, by an override calling
// os._exit or by kill -9, fails only that chunk; the next one starts a fresh
// Blender and renders.
func TestWarmBlenderCrash(t *testing.T) {
	tools := realTools()
	needTool(t, "blender", tools.Blender)
	dir := t.TempDir()
	blend := makeWarmScene(t, tools, dir, 0)
	pool := newWarmPool(quiet)
	t.Cleanup(func() { pool.close("the test ends") })
	ctx := withWarmPool(context.Background(), pool)
	// Frame 9 takes a minute, so that the kill -9 after frame 7 surely
	// comes mid-chunk.
	crashAt3 := "import bpy, os, time\n" +
		"def crash(scene, *args):\n" +
		"    if scene.frame_current == 3:\n" +
		"        os._exit(3)\n" +
		"    if scene.frame_current == 9:\n" +
		"        time.sleep(60)\n" +
		"bpy.app.handlers.render_pre.append(crash)\n"
	before := []string{"--python-expr", crashAt3, "-o", filepath.Join(dir, "out", "f_###")}
	var killed sync.Once
	kill := -1
	render := func(frames string) (int, string, error) {
		var rec recorder
		env := hookedRecorder(&rec, tools, "j", func(line string) {
			if kill > 0 && strings.Contains(line, "Saved:") {
				killed.Do(func() {
					if err := syscall.Kill(kill, syscall.SIGKILL); err != nil {
						t.Errorf("kill -9 %d: %v", kill, err)
					}
					t.Logf("killed %d after: %s", kill, line)
				})
			}
		})
		err := blenderRenderCommand(ctx, env, warmJobParams(blend, before, frames))
		pid := 0
		if pool.proc != nil {
			pid = pool.proc.cmd.Process.Pid
		}
		return pid, rec.log(), err
	}
	first, log, err := render("1..2")
	if err != nil || first == 0 {
		t.Fatalf("frames 1..2: %v (pid %d)\n%s", err, first, log)
	}
	_, log, err = render("3..4")
	if err == nil || !strings.Contains(err.Error(), "exited with code 3") || pool.proc != nil {
		t.Fatalf("frames 3..4: %v, want exit code 3 and no warm Blender kept\n%s", err, log)
	}
	t.Log(err)
	second, log, err := render("5..6")
	if err != nil || second == 0 || second == first {
		t.Fatalf("frames 5..6 after the crash: %v, pid %d (first %d); want a fresh Blender\n%s", err, second, first, log)
	}
	kill = second
	_, log, err = render("7..10")
	if err == nil || !strings.Contains(err.Error(), "signal: killed") {
		t.Fatalf("frames 7..10 with Blender killed: %v, want its end by signal\n%s", err, log)
	}
	t.Log(err)
	third, log, err := render("11..12")
	if err != nil || third == 0 || third == second {
		t.Fatalf("frames 11..12 after kill -9: %v, pid %d (killed %d)\n%s", err, third, second, log)
	}
	for _, f := range []string{"f_001.png", "f_002.png", "f_005.png", "f_006.png", "f_011.png", "f_012.png"} {
		checkPNG(t, filepath.Join(dir, "out", f), 64, 64)
	}
	pool.close("the test ends")
	farmtest.Eventually(t, "no Blender of the scene left", 5*time.Second, func() bool { return len(processesNaming(blend)) == 0 })
}
