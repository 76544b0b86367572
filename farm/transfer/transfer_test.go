package transfer_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"farmhand/farm/api"
	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
	"farmhand/farm/transfer"
)

// startFarm runs a real manager with its API on 127.0.0.1, behind wrap, and
// returns an admin's client of it.
func startFarm(t *testing.T, wrap func(http.Handler) http.Handler) *client.Client {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := manager.Open(manager.Config{DataDir: t.TempDir(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go m.Run(ctx)
	srv := httptest.NewServer(wrap(api.New(m, "test", quiet)))
	t.Cleanup(func() { cancel(); srv.Close(); m.Close() })
	_, admin, err := m.CreateAdmin("test")
	if err != nil {
		t.Fatal(err)
	}
	return client.New(srv.URL).WithToken(admin)
}

// breakOnce cuts the connection of the first chunk PUT halfway through its
// body, as a dropped Wi-Fi link would, and counts the chunk bytes that went
// through whole.
type breakOnce struct {
	next    http.Handler
	broken  atomic.Bool
	through atomic.Int64
}

func (b *breakOnce) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/api/v1/files/") {
		if r.URL.Query().Get("offset") != "0" && !b.broken.Swap(true) {
			_, _ = io.CopyN(io.Discard, r.Body, r.ContentLength/2)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		b.through.Add(r.ContentLength)
	}
	b.next.ServeHTTP(w, r)
}

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestUploadResumesAfterABrokenConnection: a 20 MB file (three chunks)
// whose second chunk's connection breaks arrives whole, no chunk counted
// twice; a file named twice is sent once; the job leaves waiting-for-files;
// a second upload of the same files sends nothing.
func TestUploadResumesAfterABrokenConnection(t *testing.T) {
	first := transfer.FirstBackoff
	transfer.FirstBackoff = 10 * time.Millisecond
	t.Cleanup(func() { transfer.FirstBackoff = first })
	var b *breakOnce
	cl := startFarm(t, func(h http.Handler) http.Handler { b = &breakOnce{next: h}; return b })
	ctx := t.Context()
	dir := t.TempDir()
	big := make([]byte, 20<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	files := []transfer.Local{
		{JobFile: wire.JobFile{Path: "shots/big.bin"}, Source: write(t, dir, "big.bin", big)},
		{JobFile: wire.JobFile{Path: "textures/a.png"}, Source: write(t, dir, "a.png", []byte("same bytes"))},
		{JobFile: wire.JobFile{Path: "textures/b.png"}, Source: write(t, dir, "b.png", []byte("same bytes"))},
	}
	if err := transfer.HashAll(ctx, files); err != nil {
		t.Fatal(err)
	}
	var manifest []wire.JobFile
	for _, f := range files {
		manifest = append(manifest, f.JobFile)
	}
	job, err := cl.Submit(ctx, wire.SubmitJob{Name: "upload", Type: "echo-sleep-test",
		Settings: map[string]any{"frames": "1-2", "chunk_size": 1}, Storage: wire.StorageUpload, Files: manifest})
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != model.JobWaitingForFiles {
		t.Fatalf("an upload job before its files: %s", job.Status)
	}
	var last transfer.Progress
	sent, err := transfer.Upload(ctx, cl, files, func(p transfer.Progress) { last = p })
	if err != nil {
		t.Fatal(err)
	}
	want := int64(len(big) + len("same bytes"))
	if sent != want || b.through.Load() != want || last.Done != want || last.Files != 2 {
		t.Errorf("sent %d, the manager took %d, progress %+v; want %d each, 2 files", sent, b.through.Load(), last, want)
	}
	if !b.broken.Load() {
		t.Fatal("no connection was broken: the test proves nothing")
	}
	if job, err = cl.Job(ctx, job.ID); err != nil || job.Status == model.JobWaitingForFiles {
		t.Errorf("after the upload the job is %s (%v)", job.Status, err)
	}
	var got bytes.Buffer
	if _, err := cl.DownloadFile(ctx, files[0].SHA256, &got, 0); err != nil || !bytes.Equal(got.Bytes(), big) {
		t.Errorf("the manager's copy differs (%d bytes, %v)", got.Len(), err)
	}

	again, err := transfer.Upload(ctx, cl, files, nil)
	if err != nil || again != 0 || b.through.Load() != want {
		t.Errorf("a second upload sent %d bytes (%v); the manager took %d in all", again, err, b.through.Load())
	}
}

// TestUploadStopsOnARefusal: a file that changed since it was hashed is
// refused by the manager's whole-file check (422), and the upload stops at
// once rather than retrying.
func TestUploadStopsOnARefusal(t *testing.T) {
	cl := startFarm(t, func(h http.Handler) http.Handler { return h })
	ctx := t.Context()
	path := write(t, t.TempDir(), "a.blend", []byte("as hashed"))
	files := []transfer.Local{{JobFile: wire.JobFile{Path: "a.blend"}, Source: path}}
	if err := transfer.HashAll(ctx, files); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Submit(ctx, wire.SubmitJob{Name: "x", Type: "echo-sleep-test", Settings: map[string]any{"frames": "1"},
		Storage: wire.StorageUpload, Files: []wire.JobFile{files[0].JobFile}}); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Dir(path), "a.blend", []byte("as edited"))
	_, err := transfer.Upload(ctx, cl, files, nil)
	var apiErr *client.Error
	if err == nil || !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnprocessableEntity {
		t.Errorf("uploading a changed file: %v, want a 422", err)
	}
}
