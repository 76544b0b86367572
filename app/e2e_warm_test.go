//go:build e2e

package app_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"farmhand/farm/model"
)

// TestE2EWarmBlender renders with the real binary and Blender (issue 16): a
// worker renders a job's later chunks in its warm Blender; killed with
// SIGKILL mid-chunk, its warm Blender does not outlive it; a worker run with
// --no-warm-blender starts Blender for every task.
func TestE2EWarmBlender(t *testing.T) {
	for _, tool := range []string{"blender", "ffmpeg"} {
		needTool(t, tool, "apt-get install blender ffmpeg")
	}
	work := t.TempDir()
	blend, slow := filepath.Join(work, "scene.blend"), filepath.Join(work, "slow", "scene.blend")
	makeScene(t, blend)
	// Each frame of this one takes 2 s more, so that a kill surely comes mid-chunk.
	if err := os.MkdirAll(filepath.Dir(slow), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("blender", "-b", "--factory-startup", "--python-exit-code", "1", "--python",
		filepath.Join("..", "farm", "worker", "testdata", "warm_scene.py"), "--", slow, "0", "2").CombinedOutput(); err != nil {
		t.Fatalf("making the slow scene: %v\n%s", err, out)
	}
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	cl := adminClient(t, addr)
	ctx := context.Background()
	worker := func(name string, flags ...string) *proc {
		args := append([]string{"worker", "--headless", "--manager", "http://" + addr, "--data", t.TempDir(),
			"--name", name, "--join", joinCode(t, addr)}, flags...)
		return start(t, name, args...)
	}
	render := func(name, blendfile, frames, chunk string) string {
		return submitType(t, addr, "simple-blender-render", name, "frames="+frames, "chunk_size="+chunk,
			"blendfile="+blendfile, "render_output_root="+filepath.Join(work, "renders"), "format=PNG", "fps=24")
	}
	renderLogs := func(id string) []string {
		tasks, err := cl.Tasks(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var logs []string
		for _, task := range tasks {
			if task.Type == "blender" {
				log, _ := cl.TaskLog(ctx, task.ID)
				logs = append(logs, log)
			}
		}
		return logs
	}
	waitJob := func(id string, want model.JobStatus) {
		waitFor(t, "job "+id+" to be "+string(want), 3*time.Minute, func() bool {
			j, err := cl.Job(ctx, id)
			return err == nil && j.Status == want
		})
	}

	warm := worker("warm")
	id := render("warm", blend, "1-6", "2")
	waitJob(id, model.JobCompleted)
	for i, log := range renderLogs(id) {
		if got := strings.Contains(log, "in the warm Blender (process"); got != (i > 0) {
			t.Errorf("render task %d: in the warm Blender %v, want %v:\n%s", i, got, i > 0, log)
		}
	}

	id = render("killed", slow, "1-24", "24")
	waitFor(t, "a frame saved by the warm Blender", time.Minute, func() bool {
		tasks, err := cl.Tasks(ctx, id)
		if err != nil || len(tasks) == 0 {
			return false
		}
		log, _ := cl.TaskLog(ctx, tasks[0].ID)
		return strings.Contains(log, "Saved:")
	})
	if len(blenderOf(slow)) == 0 {
		t.Fatal("no Blender renders the slow scene")
	}
	warm.stop(syscall.SIGKILL)
	waitFor(t, "the killed worker's Blender to end", 10*time.Second, func() bool { return len(blenderOf(slow)) == 0 })
	if _, err := cl.JobAction(ctx, id, model.JobCancel, nil); err != nil {
		t.Fatal(err)
	}

	worker("cold", "--no-warm-blender")
	id = render("cold", blend, "1-4", "2")
	waitJob(id, model.JobCompleted)
	for i, log := range renderLogs(id) {
		if strings.Contains(log, "warm Blender (process") || !strings.Contains(log, "Blender quit") {
			t.Errorf("render task %d on the --no-warm-blender worker was not rendered cold:\n%s", i, log)
		}
	}
}

// blenderOf lists the live processes whose command line names path.
func blenderOf(path string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		stat, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil || !bytes.Contains(cmdline, []byte(path)) {
			continue
		}
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
			continue // a zombie has ended
		}
		pids = append(pids, pid)
	}
	return pids
}
