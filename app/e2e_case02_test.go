//go:build e2e

// Case 02: square brackets in a job name, which becomes a folder of the
// render output, with real Blender and FFmpeg.
package app_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestE2ECase02BracketsInJobName(t *testing.T) {
	for _, tool := range []string{"blender", "ffmpeg", "ffprobe"} {
		needTool(t, tool, "apt-get install blender ffmpeg")
	}
	work := t.TempDir()
	blend := filepath.Join(work, "tiny.blend")
	makeScene(t, blend)
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	startWorker(t, addr, "w1")
	renders := filepath.Join(work, "renders")

	code, stdout, stderr := submitWait(t, addr, "simple-blender-render", "sh010 [v2]", "frames=1-3", "chunk_size=3",
		"blendfile="+blend, "render_output_root="+renders, "format=PNG")
	if code != 0 {
		t.Fatalf("submit --wait: exit %d\n%s%s", code, stdout, stderr)
	}
	id := strings.TrimSpace(strings.SplitN(stdout, "\n", 2)[0])
	cl := adminClient(t, addr)
	ctx := context.Background()
	tasks, err := cl.Tasks(ctx, id)
	if err != nil || len(tasks) != 2 {
		t.Fatalf("tasks %v, %v; want a render and a preview", tasks, err)
	}
	video, err := cl.Task(ctx, tasks[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if glob, _ := video.Commands[0].Parameters["inputGlob"].(string); !strings.Contains(glob, "/sh010 [[]v2]/") {
		t.Errorf("inputGlob %q does not escape the job name's brackets", glob)
	}

	// renders/sh010 [v2]/<timestamp>/: the three frames and the preview next to them.
	dirs, _ := filepath.Glob(filepath.Join(renders, "sh010 [[]v2]", "*"))
	if len(dirs) != 1 {
		t.Fatalf("output folders %v, want one timestamp folder", dirs)
	}
	entries, err := os.ReadDir(dirs[0]) // not a glob: the folder's name is one
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"000001.png", "000002.png", "000003.png", "tiny-1-3.mp4"}; !slices.Equal(names, want) {
		t.Errorf("%s holds %v, want %v", dirs[0], names, want)
	}
	mp4 := filepath.Join(dirs[0], "tiny-1-3.mp4")
	probe, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", mp4).Output()
	if err != nil || strings.TrimSpace(string(probe)) != "3" {
		t.Errorf("%s: ffprobe counts %q frames (%v), want 3", mp4, probe, err)
	}
}
