package worker

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// TestWorkerKeepsBlenderWarm runs simple-blender-render jobs on a worker with
// the real Blender and FFmpeg: the chunks after the first render in the warm
// Blender, which is gone once the worker is idle; warm_blender false renders
// every chunk cold; a canceled job leaves no Blender behind.
func TestWorkerKeepsBlenderWarm(t *testing.T) {
	tools := realTools()
	needTool(t, "blender", tools.Blender)
	needTool(t, "ffmpeg", tools.FFmpeg)
	f := startFarm(t)
	dir := t.TempDir()
	blend := makeWarmScene(t, tools, dir, 0)
	ctx, cancel := context.WithCancel(context.Background())
	w := New(Config{Client: client.New("http://" + f.addr), DataDir: t.TempDir(), Name: "warm", Version: "test",
		Logger: quiet, Heartbeat: 200 * time.Millisecond, IdlePoll: 50 * time.Millisecond, LogFlush: 50 * time.Millisecond,
		JoinCode: f.code, Tools: tools})
	wait := runWorker(ctx, w)
	t.Cleanup(func() {
		cancel()
		if err := wait(); err != nil {
			t.Errorf("worker ended with %v", err)
		}
		if left := processesNaming(dir); len(left) > 0 {
			t.Errorf("Blender processes left after the worker stopped: %v", left)
		}
	})
	submitRender := func(name string, extra map[string]any) *model.Job {
		t.Helper()
		settings := map[string]any{"frames": "1-6", "chunk_size": 2.0, "render_output_root": filepath.Join(dir, "renders"),
			"add_path_components": 0.0, "blendfile": blend, "format": "PNG", "fps": 24.0}
		for k, v := range extra {
			settings[k] = v
		}
		j, err := f.cl.Submit(context.Background(), wire.SubmitJob{Name: name, Type: "simple-blender-render", Settings: settings})
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	noBlender := func(what string) {
		t.Helper()
		waitFor(t, "no Blender of the scene left "+what, func() bool { return len(processesNaming(dir)) == 0 })
	}

	j := submitRender("warm", nil)
	waitJob(t, f, j.ID, model.JobCompleted, 3*time.Minute)
	logs := blenderTaskLogs(t, f, j.ID)
	for i, log := range logs {
		if warm := strings.Contains(log, "in the warm Blender (process"); warm != (i > 0) || strings.Contains(log, "Blender quit") {
			t.Errorf("render task %d: in the warm Blender %v, want %v:\n%s", i, warm, i > 0, log)
		}
	}
	noBlender("once the worker is idle")

	j = submitRender("cold", map[string]any{"warm_blender": false})
	waitJob(t, f, j.ID, model.JobCompleted, 3*time.Minute)
	for i, log := range blenderTaskLogs(t, f, j.ID) {
		if !strings.Contains(log, "Blender quit") || strings.Contains(log, "warm Blender (process") {
			t.Errorf("render task %d with warm_blender false was not rendered cold:\n%s", i, log)
		}
	}

	// Each frame takes 2 s more: the cancel surely comes mid-chunk.
	slow := makeSlowScene(t, tools, filepath.Join(dir, "slow"), 0, 2)
	j = submitRender("canceled", map[string]any{"blendfile": slow, "frames": "1-24", "chunk_size": 24.0})
	waitFor(t, "a frame saved", func() bool {
		log, _ := f.m.TaskLogTail(model.TaskID(j.ID, 0), 100000)
		return strings.Contains(log, "Saved:")
	})
	if _, err := f.cl.JobAction(context.Background(), j.ID, model.JobCancel, nil); err != nil {
		t.Fatal(err)
	}
	waitJob(t, f, j.ID, model.JobCanceled, 10*time.Second)
	noBlender("after the job was canceled")
}

// blenderTaskLogs returns the logs of job id's blender tasks, in task order.
func blenderTaskLogs(t *testing.T, f *farm, id string) []string {
	t.Helper()
	tasks, err := f.m.Tasks(id)
	if err != nil {
		t.Fatal(err)
	}
	var logs []string
	for _, task := range tasks {
		if task.Type == "blender" {
			log, _ := f.m.TaskLogTail(task.ID, 100000)
			logs = append(logs, log)
		}
	}
	return logs
}
