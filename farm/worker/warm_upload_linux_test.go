package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// TestUploadJobKeepsBlenderWarm renders a simple-blender-render job whose
// files were uploaded with the real Blender: the chunks after the first
// render in the warm Blender, although the cache marks the job's files as
// used (their modification time) before every task.
func TestUploadJobKeepsBlenderWarm(t *testing.T) {
	tools := realTools()
	needTool(t, "blender", tools.Blender)
	needTool(t, "ffmpeg", tools.FFmpeg)
	f := startFarm(t)
	blend := makeWarmScene(t, tools, t.TempDir(), 0)
	data, err := os.ReadFile(blend)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])

	ctx, cancel := context.WithCancel(context.Background())
	w := New(Config{Client: client.New("http://" + f.addr), DataDir: t.TempDir(), Name: "warm-upload", Version: "test",
		Logger: quiet, Heartbeat: 200 * time.Millisecond, IdlePoll: 50 * time.Millisecond, LogFlush: 50 * time.Millisecond,
		JoinCode: f.code, Tools: tools})
	wait := runWorker(ctx, w)
	t.Cleanup(func() {
		cancel()
		if err := wait(); err != nil {
			t.Errorf("worker ended with %v", err)
		}
	})

	settings := map[string]any{"frames": "1-6", "chunk_size": 2.0, "render_output_root": "{job_output}",
		"add_path_components": 0.0, "blendfile": "{job_files}/shots/scene.blend", "format": "PNG", "fps": 24.0}
	j, err := f.cl.Submit(context.Background(), wire.SubmitJob{Name: "warm upload", Type: "simple-blender-render",
		Settings: settings, Storage: wire.StorageUpload,
		Files: []wire.JobFile{{Path: "shots/scene.blend", SHA256: sha, Size: int64(len(data))}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.cl.PutChunk(context.Background(), sha, 0, int64(len(data)), data); err != nil {
		t.Fatal(err)
	}
	waitJob(t, f, j.ID, model.JobCompleted, 3*time.Minute)
	logs := blenderTaskLogs(t, f, j.ID)
	if len(logs) != 3 {
		t.Fatalf("%d render tasks, want 3", len(logs))
	}
	for i, log := range logs {
		if warm := strings.Contains(log, "in the warm Blender (process"); warm != (i > 0) {
			t.Errorf("render task %d: in the warm Blender %v, want %v:\n%s", i, warm, i > 0, log)
		}
	}
}
