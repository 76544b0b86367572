package transfer_test

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/files"
	"farmhand/farm/transfer"
)

// cutDownload breaks the first output download after cutAt bytes of its
// body, as a dropped connection would, and counts the output bytes served.
type cutDownload struct {
	next   http.Handler
	cut    atomic.Bool
	served atomic.Int64
}

const cutAt = 1 << 20

func (c *cutDownload) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/output/") {
		c.next.ServeHTTP(&countingWriter{ResponseWriter: w, c: c, cut: !c.cut.Swap(true)}, r)
		return
	}
	c.next.ServeHTTP(w, r)
}

type countingWriter struct {
	http.ResponseWriter
	c    *cutDownload
	cut  bool
	sent int
}

func (h *countingWriter) Write(p []byte) (int, error) {
	if h.cut && h.sent+len(p) > cutAt {
		n, _ := h.ResponseWriter.Write(p[:cutAt-h.sent])
		h.c.served.Add(int64(n))
		http.NewResponseController(h.ResponseWriter).Flush() //nolint:errcheck // the connection is dropped next
		panic(http.ErrAbortHandler)
	}
	n, err := h.ResponseWriter.Write(p)
	h.sent += n
	h.c.served.Add(int64(n))
	return n, err
}

// TestDownloadOutputResumes: a job's output, put there by a worker, comes
// down whole although the first connection breaks (resumed with Range, no
// byte fetched twice); a second run fetches nothing; a part file left by a
// stopped run resumes; a local file with the right size but other bytes is
// fetched again.
func TestDownloadOutputResumes(t *testing.T) {
	first := transfer.FirstBackoff
	transfer.FirstBackoff = 10 * time.Millisecond
	t.Cleanup(func() { transfer.FirstBackoff = first })
	var c *cutDownload
	cl := startFarm(t, func(h http.Handler) http.Handler { c = &cutDownload{next: h}; return c })
	ctx := t.Context()
	scene := []byte("scene")
	sha, _, _ := files.HashFile(write(t, t.TempDir(), "s", scene))
	job, err := cl.Submit(ctx, wire.SubmitJob{Name: "out", Type: "echo-sleep-test", Settings: map[string]any{"frames": "1"},
		Storage: wire.StorageUpload, Files: []wire.JobFile{{Path: "s.blend", SHA256: sha, Size: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.PutChunk(ctx, sha, 0, 5, scene); err != nil {
		t.Fatal(err)
	}
	// A worker runs the job's task and sends two frames back.
	code, err := cl.JoinCode(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	joined, err := cl.WithToken("").Join(ctx, wire.JoinRequest{Name: "box", Platform: "linux", JoinCode: code})
	if err != nil {
		t.Fatal(err)
	}
	wk := cl.AsWorker(joined.Member.ID, joined.Token)
	if _, err := wk.SignOn(ctx, wire.WorkerRegistration{Name: "box", Platform: "linux", Version: "test", TaskTypes: []string{"misc"}}); err != nil {
		t.Fatal(err)
	}
	if a, _, err := wk.Schedule(ctx); err != nil || a == nil || a.Job.ID != job.ID {
		t.Fatalf("schedule %+v %v", a, err)
	}
	big := make([]byte, 3<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	frames := map[string][]byte{"sh010/0001.png": big, "sh010/0002.png": []byte("frame two")}
	for p, data := range frames {
		if err := wk.PutOutput(ctx, job.ID, p, write(t, src, filepath.Base(p), data)); err != nil {
			t.Fatal(err)
		}
	}

	dir := t.TempDir()
	sum, err := transfer.DownloadOutput(ctx, cl, job.ID, dir, nil)
	total := int64(len(big) + len("frame two"))
	if err != nil || sum.Fetched != 2 || sum.Bytes != total || c.served.Load() != total || !c.cut.Load() {
		t.Fatalf("first download: %+v, %v; served %d, want %d (cut %v)", sum, err, c.served.Load(), total, c.cut.Load())
	}
	for p, data := range frames {
		if got, err := os.ReadFile(filepath.Join(dir, p)); err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s differs (%v)", p, err)
		}
	}
	if sum, err := transfer.DownloadOutput(ctx, cl, job.ID, dir, nil); err != nil || sum.Fetched != 0 || sum.Skipped != 2 {
		t.Errorf("second download: %+v %v", sum, err)
	}

	// A run stopped halfway left a part file; a frame was overwritten locally.
	bigPath := filepath.Join(dir, "sh010", "0001.png")
	if err := os.Rename(bigPath, bigPath+".farmhand-part"); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(bigPath+".farmhand-part", 1<<20); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "sh010"), "0002.png", []byte("frame TWO"))
	before := c.served.Load()
	sum, err = transfer.DownloadOutput(ctx, cl, job.ID, dir, nil)
	if want := int64(len(big)-1<<20) + 9; err != nil || sum.Fetched != 2 || c.served.Load()-before != want {
		t.Errorf("resumed download: %+v %v, served %d, want %d", sum, err, c.served.Load()-before, want)
	}
	for p, data := range frames {
		if got, err := os.ReadFile(filepath.Join(dir, p)); err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s differs after resuming (%v)", p, err)
		}
	}
}
