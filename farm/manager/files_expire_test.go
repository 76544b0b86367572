package manager

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
	"farmhand/farm/store"
	"farmhand/internal/farmtest"
)

func openUploadClock(t *testing.T, dir string) (*Manager, *clock) {
	t.Helper()
	c := &clock{farmtest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))}
	return openWith(t, Config{DataDir: dir, Now: c.Now}), c
}

// putPart sends the first half of b, as a client that stops mid-file does.
func putPart(t *testing.T, m *Manager, b []byte) {
	t.Helper()
	half := b[:len(b)/2]
	if _, done, err := m.PutChunk(hashOf(b), 0, int64(len(b)), hashOf(half), bytes.NewReader(half), int64(len(half))); err != nil || done {
		t.Fatalf("half an upload: done %v, %v", done, err)
	}
}

func expire(t *testing.T, m *Manager) []string {
	t.Helper()
	ids, err := m.ExpireUploads()
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// Issue 13: an upload job whose client went away is canceled once no chunk
// of its files arrived for upload_timeout (24h by default), counted from its
// last chunk, with a reason saying why and how to go on; it keeps its file
// references as any canceled job does, and takes no more chunks.
func TestUploadJobExpiresAfterTheUploadTimeout(t *testing.T) {
	m, c := openUploadClock(t, "")
	scene, tex := []byte("expiring scene"), []byte("a texture that never fully arrives")
	j := submitUpload(t, m, false, scene, tex)
	putWhole(t, m, scene)
	c.advance(23 * time.Hour)
	putPart(t, m, tex) // the last chunk: 23h after submitting
	c.advance(23*time.Hour + 59*time.Minute)
	if ids := expire(t, m); len(ids) != 0 {
		t.Fatalf("canceled %v 23h59m after its last chunk", ids)
	}
	c.advance(time.Minute)
	if ids := expire(t, m); len(ids) != 1 || ids[0] != j.ID {
		t.Fatalf("24h after its last chunk: canceled %v, want %s", ids, j.ID)
	}
	got := mustJob(t, m, j.ID)
	want := "no file arrived for 24h; upload again with 'farmhand submit --upload FILE.blend'"
	if got.Status != model.JobCanceled || !strings.HasPrefix(got.StatusReason, want) {
		t.Fatalf("expired job: %s %q, want canceled %q…", got.Status, got.StatusReason, want)
	}
	if n := got.TaskCounts[model.TaskCanceled]; n != got.TaskCount {
		t.Errorf("%d of %d tasks canceled", n, got.TaskCount)
	}
	for _, b := range [][]byte{scene, tex} {
		if refs := blobRefs(t, m, hashOf(b)); refs != 1 {
			t.Errorf("file %s: %d references after the cancel, want the job's 1", hashOf(b)[:8], refs)
		}
	}
	if _, _, err := m.PutChunk(hashOf(tex), 0, int64(len(tex)), hashOf(tex), bytes.NewReader(tex), int64(len(tex))); !errors.Is(err, ErrNoWaitingJob) {
		t.Errorf("a chunk for the canceled job: %v, want ErrNoWaitingJob", err)
	}
	entries, _, err := m.Audit(10, "")
	if err != nil || len(entries) == 0 || entries[0].Action != "job.cancel" || entries[0].MemberName != "" ||
		!strings.Contains(entries[0].Detail, "no file arrived for 24h") {
		t.Errorf("audit: %+v %v", entries, err)
	}
	if ids := expire(t, m); len(ids) != 0 {
		t.Errorf("canceled again: %v", ids)
	}
}

func blobRefs(t *testing.T, m *Manager, sha string) int {
	t.Helper()
	refs := -1
	err := m.store.View(func(tx *store.Tx) error {
		b, err := tx.Blob(sha)
		if b != nil {
			refs = b.Refs
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return refs
}

// The wait is the farm's upload_timeout setting, read when the manager looks.
func TestUploadTimeoutSettingSetsTheWait(t *testing.T) {
	m, c := openUploadClock(t, "")
	wait := model.Duration(48 * time.Hour)
	if _, err := m.UpdateSettings(model.SettingsPatch{UploadTimeout: &wait}); err != nil {
		t.Fatal(err)
	}
	j := submitUpload(t, m, true, []byte("waits two days"))
	c.advance(47 * time.Hour)
	if ids := expire(t, m); len(ids) != 0 {
		t.Fatalf("canceled after 47h of 48h: %v", ids)
	}
	c.advance(time.Hour)
	if ids := expire(t, m); len(ids) != 1 {
		t.Fatalf("after 48h: canceled %v", ids)
	}
	if got := mustJob(t, m, j.ID); !strings.HasPrefix(got.StatusReason, "no file arrived for 48h;") {
		t.Errorf("reason %q", got.StatusReason)
	}
}

// A restarted manager gives every waiting job a full wait from its start:
// the manager was away, not the client.
func TestUploadWaitStartsAfresh(t *testing.T) {
	dir := t.TempDir()
	c := &clock{farmtest.NewClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))}
	first, err := Open(Config{DataDir: dir, Now: c.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	j := submitUpload(t, first, false, []byte("submitted before the restart"))
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	c.advance(30 * time.Hour)
	m := openWith(t, Config{DataDir: dir, Now: c.Now})
	if ids := expire(t, m); len(ids) != 0 {
		t.Fatalf("canceled at the start of the manager: %v", ids)
	}
	c.advance(24 * time.Hour)
	if ids := expire(t, m); len(ids) != 1 || ids[0] != j.ID {
		t.Fatalf("24h after the start: canceled %v", ids)
	}
}

// Jobs that are not waiting for files never expire, however old.
func TestOnlyWaitingUploadsExpire(t *testing.T) {
	m, c := openUploadClock(t, "")
	done := []byte("all here")
	j := submitUpload(t, m, false, done)
	putWhole(t, m, done)
	shared, err := submitQuiet(t, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.advance(100 * time.Hour)
	if ids := expire(t, m); len(ids) != 0 {
		t.Fatalf("canceled %v", ids)
	}
	for _, id := range []string{j.ID, shared.ID} {
		if got := mustJob(t, m, id); got.Status != model.JobQueued {
			t.Errorf("job %s: %s", id, got.Status)
		}
	}
}
