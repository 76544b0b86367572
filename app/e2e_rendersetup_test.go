//go:build e2e

package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
)

// TestE2ECyclesDevice runs a real worker started with --cycles-device cpu
// (and --blender twice, the repeatable flag): a render job renders with the
// device override applied, as the task log shows, and the device is kept in
// the worker's settings for its next run (issue 14, item 5).
func TestE2ECyclesDevice(t *testing.T) {
	needTool(t, "blender", "apt-get install blender")
	work := t.TempDir()
	blend := filepath.Join(work, "scene.blend")
	makeScene(t, blend)
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	data := t.TempDir()
	start(t, "box", "worker", "--headless", "--manager", "http://"+addr, "--data", data, "--name", "box",
		"--join", joinCode(t, addr), "--cycles-device", "cpu", "--blender", "/usr/bin/blender", "--blender", "/usr/bin/blender")
	cl := adminClient(t, addr)
	ctx := context.Background()
	waitFor(t, "a worker that renders", 30*time.Second, func() bool {
		ws, _ := cl.Workers(ctx)
		return len(ws) == 1 && ws[0].Status == model.WorkerAwake && ws[0].Supports("blender")
	})
	renders := filepath.Join(work, "renders")
	id := submitType(t, addr, "simple-blender-render", "cube", "frames=1", "chunk_size=1", "blendfile="+blend,
		"render_output_root="+renders, "render_output_path="+filepath.Join(renders, "######"), "format=PNG", "fps=24")
	var job *model.Job
	waitFor(t, "the render job", 3*time.Minute, func() bool {
		var err error
		job, err = cl.Job(ctx, id)
		if err == nil && job.Status.Final() && job.Status != model.JobCompleted {
			t.Fatalf("job ended %s: %s", job.Status, job.StatusReason)
		}
		return err == nil && job.Status == model.JobCompleted
	})
	log, err := cl.TaskLog(ctx, id+".0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log, "Farmhand: Cycles renders on CPU (this worker's setting)") {
		t.Errorf("the render's log lacks the device override's line:\n%s", log)
	}
	b, err := os.ReadFile(filepath.Join(data, "settings.json"))
	settings := string(b)
	if err != nil || !strings.Contains(settings, `"cycles_device": "CPU"`) {
		t.Errorf("the worker's settings %q (%v) do not keep the device", settings, err)
	}
}
