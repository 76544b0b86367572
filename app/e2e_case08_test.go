//go:build e2e

// Case 08 and issue 11: a job submitted from a Windows workstation with
// P:\ paths renders on a Linux worker, which sees the same files under the
// variable's Linux value, with real Blender and FFmpeg.
package app_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestE2ECase08PathVariablesAcrossPlatforms(t *testing.T) {
	for _, tool := range []string{"blender", "ffmpeg", "ffprobe"} {
		needTool(t, tool, "apt-get install blender ffmpeg")
	}
	projects := t.TempDir() // what the Windows machines call P:\
	makeScene(t, filepath.Join(projects, "shots", "scene.blend"))
	addr := freePort(t)
	startManagerWith(t, addr, nil)
	cli(t, addr, "variable", "set", "projects", "--windows", `P:\`, "--linux", projects)
	if vars := cli(t, addr, "variables"); !strings.Contains(vars, "projects") || !strings.Contains(vars, projects) {
		t.Fatalf("variables:\n%s", vars)
	}

	args := []string{"submit", "--manager", "http://" + addr, "--data", managerData(addr), "--platform", "windows",
		"--type", "simple-blender-render", "--name", "sh010", "--set", "frames=1-2", "--set", "chunk_size=2",
		"--set", `blendfile=P:\shots\scene.blend`, "--set", `render_output_root=P:\renders`, "--set", "format=PNG"}
	idOut, err := exec.Command(farmhandBinary(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("submit: %v\n%s", err, idOut)
	}
	id := strings.TrimSpace(string(idOut))
	if job := cli(t, addr, "job", id, "--json"); !strings.Contains(job, `{projects}/shots/scene.blend`) {
		t.Fatalf("the job does not keep the path as {projects}/…:\n%s", job)
	}

	// As the case was written: the same Windows path typed on this Linux
	// computer, no --platform. Its form says Windows, so it maps too.
	asWritten := cli(t, addr, "submit", "--paused", "--type", "simple-blender-render", "--name", "as written",
		"--set", "frames=1", "--set", `blendfile=P:\shots\scene.blend`, "--set", `render_output_root=P:\renders`, "--set", "format=PNG")
	if job := cli(t, addr, "job", strings.TrimSpace(asWritten), "--json"); !strings.Contains(job, `{projects}/shots/scene.blend`) {
		t.Errorf("a Windows path submitted from Linux is not mapped:\n%s", job)
	}

	startWorker(t, addr, "linux-node")
	waitFor(t, "the job to complete", 3*time.Minute, func() bool {
		j, err := jobJSON(t, addr, id)
		if err == nil && j.Status.Final() && j.Status != "completed" {
			t.Fatalf("job %s: %s\n%s", j.Status, j.StatusReason, cli(t, addr, "task", id+".0", "log"))
		}
		return err == nil && j.Status == "completed"
	})
	frames, _ := filepath.Glob(filepath.Join(projects, "renders", "sh010", "*", "00000[12].png"))
	videos, _ := filepath.Glob(filepath.Join(projects, "renders", "sh010", "*", "*.mp4"))
	if len(frames) != 2 || len(videos) != 1 {
		t.Fatalf("under the Linux value: frames %v, videos %v", frames, videos)
	}
	if log := cli(t, addr, "task", id+".0", "log"); !strings.Contains(log, filepath.Join(projects, "shots", "scene.blend")) {
		t.Errorf("the worker did not open the Linux path:\n%s", log)
	}
}
