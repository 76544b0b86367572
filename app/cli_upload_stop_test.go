package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"farmhand/farm/api"
	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
	"farmhand/farm/transfer"
)

// TestStoppedUploadCancelsItsJob: a submit --upload stopped half way (Ctrl-C)
// cancels the job it made, so that submitting again does not render the
// scene twice (found by a fresh-eyes try); the message says so.
func TestStoppedUploadCancelsItsJob(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := manager.Open(manager.Config{DataDir: t.TempDir(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	srv := httptest.NewServer(api.New(m, "test", quiet))
	t.Cleanup(srv.Close)
	_, token, err := m.CreateAdmin("ana")
	if err != nil {
		t.Fatal(err)
	}
	cl := client.New(srv.URL).WithToken(token)

	data := []byte("a scene")
	src := filepath.Join(t.TempDir(), "scene.blend")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	f := wire.JobFile{Path: "scene.blend", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	u := &upload{files: []transfer.Local{{JobFile: f, Source: src}}}
	ctx, stop := context.WithCancel(context.Background())
	stop() // as Ctrl-C before the first byte
	job, err := cl.Submit(context.Background(), wire.SubmitJob{Name: "sh010", Type: "echo-sleep-test",
		Storage: wire.StorageUpload, Files: []wire.JobFile{f}, Settings: map[string]any{"frames": "1"}})
	if err != nil || job.Status != model.JobWaitingForFiles {
		t.Fatalf("the submission itself: %+v, %v", job, err)
	}
	e, _ := backupEnv()
	err = u.send(ctx, e, cl, job.ID)
	if err == nil || !strings.Contains(err.Error(), "is canceled so that it never renders") {
		t.Fatalf("stopped upload: %v", err)
	}
	got, err := cl.Job(context.Background(), job.ID)
	if err != nil || (got.Status != model.JobCanceled && got.Status != model.JobCancelRequested) {
		t.Errorf("the job after the stop: %+v, %v; want canceled", got, err)
	}
}
