package worker

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"farmhand/farm/api/client"
)

// TestUploaderFlush: flush returns only after the task's newest image reached
// the manager, so a task's only frame is sent while the task is still the
// worker's; it returns at once for a task with nothing to send.
func TestUploaderFlush(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.URL.Path+" "+r.Header.Get("Content-Type")+" "+string(body[:4]))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}") // the uploader judges what arrived
	}))
	defer srv.Close()
	u := newUploader(client.New(srv.URL), slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go u.run(ctx)

	frame := filepath.Join(t.TempDir(), "frame.png")
	var buf bytes.Buffer
	if err := png.Encode(&buf, noisy16(2000, 100)); err != nil { // wide enough to need a scaled preview
		t.Fatal(err)
	}
	writeFile(t, frame, buf.String())

	u.offer("job.0", frame)
	flushed, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	u.flush(flushed, "job.0")
	if flushed.Err() != nil {
		t.Fatal("flush did not return")
	}
	mu.Lock()
	if len(got) != 1 || !strings.Contains(got[0], "/tasks/job.0/output image/jpeg \xff\xd8\xff") {
		t.Errorf("uploads %q, want one JPEG for job.0", got)
	}
	mu.Unlock()
	u.flush(flushed, "job.1")
	if flushed.Err() != nil {
		t.Error("flush of a task without images waited")
	}
}
