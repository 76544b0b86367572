//go:build e2e

package app_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
)

// videoFrameCount counts a video's frames by decoding it, as the case does.
func videoFrameCount(t *testing.T, video string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", video).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", video, err)
	}
	return strings.TrimSpace(string(out))
}

// TestE2ECase06OutputsVerified: part A, a leftover zero-byte 000003.png is
// rendered again (or the task fails naming frame 3), and a job that completes
// has a 5-frame preview; part B, requeueing a completed job renders its
// frames again.
func TestE2ECase06OutputsVerified(t *testing.T) {
	needTool(t, "blender", "apt-get install blender")
	needTool(t, "ffmpeg", "apt-get install ffmpeg")
	needTool(t, "ffprobe", "apt-get install ffmpeg")
	work := t.TempDir()
	addr, _ := managerWithScripts(t, nil)
	startWorker(t, addr, "w1")
	blend := tinyScene(t, filepath.Join(work, "tiny.blend"))
	out := filepath.Join(work, "out06")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "000003.png"), nil, 0o644); err != nil {
		t.Fatal(err)
	}

	id := submitType(t, addr, "simple-blender-render", "partial frame", "frames=1-5", "chunk_size=5",
		"blendfile="+blend, "render_output_root="+filepath.Join(work, "unused"),
		"render_output_path="+filepath.Join(out, "######"), "format=PNG")
	job := waitJobEnd(t, addr, id, 3*time.Minute)
	log := jobLog(t, addr, id)
	video := filepath.Join(out, "tiny-1-5.mp4")
	switch job.Status {
	case model.JobCompleted:
		for _, f := range []string{"000001", "000002", "000003", "000004", "000005"} {
			if cfg := decodePNGConfig(t, filepath.Join(out, f+".png")); cfg.Width != 64 {
				t.Errorf("frame %s is %d px wide, want 64", f, cfg.Width)
			}
		}
		if n := videoFrameCount(t, video); n != "5" {
			t.Fatalf("the job completed with a %s-frame video, want 5\n%s", n, log)
		}
	case model.JobFailed:
		if !strings.Contains(log, "frame 3 ") {
			t.Fatalf("the job failed without naming frame 3:\n%s", log)
		}
		return // part B needs a completed job
	default:
		t.Fatalf("job %s: %s\n%s", job.Status, job.StatusReason, log)
	}

	t.Run("requeue renders again", func(t *testing.T) {
		fix := "import bpy; bpy.context.scene.render.resolution_x = 80; bpy.ops.wm.save_mainfile()"
		if out, err := exec.Command("blender", "-b", blend, "--python-exit-code", "1", "--python-expr", fix).CombinedOutput(); err != nil {
			t.Fatalf("changing the scene: %v\n%s", err, out)
		}
		cli(t, addr, "job", id, "requeue")
		// The requeue is applied when the command returns: the job is queued again.
		if job := waitJobEnd(t, addr, id, 3*time.Minute); job.Status != model.JobCompleted {
			t.Fatalf("requeued job %s: %s\n%s", job.Status, job.StatusReason, jobLog(t, addr, id))
		}
		for _, f := range []string{"000001", "000002", "000003", "000004", "000005"} {
			if cfg := decodePNGConfig(t, filepath.Join(out, f+".png")); cfg.Width != 80 {
				t.Errorf("frame %s is %d px wide after the requeue: not rendered again (simple-blender-render must set use_overwrite = True)", f, cfg.Width)
			}
		}
		if n := videoFrameCount(t, video); n != "5" {
			t.Errorf("the requeued job's video has %s frames, want 5", n)
		}
	})
}
