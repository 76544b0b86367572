//go:build e2e

package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// Issue 13, with the real binary: `farmhand job X requeue` (and
// requeue-failed) of a canceled upload job whose files never all reached the
// manager is refused: the command fails, says how many files never came and
// to submit the scene again with submit --upload, and the job stays
// canceled, taking no chunk. The same job with its files in requeues.
func TestE2ERequeueOfUploadJobWithFilesMissing(t *testing.T) {
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	cl := adminClient(t, addr)
	ctx := context.Background()
	scene, texture := []byte("the scene"), []byte("a texture that never came")
	ref := func(p string, b []byte) wire.JobFile {
		s := sha256.Sum256(b)
		return wire.JobFile{Path: p, SHA256: hex.EncodeToString(s[:]), Size: int64(len(b))}
	}
	files := []wire.JobFile{ref("big/big.blend", scene), ref("big/tex.png", texture)}
	job, err := cl.Submit(ctx, wire.SubmitJob{Name: "bigup", Type: "echo-sleep-test", Storage: wire.StorageUpload,
		Files: files, Settings: map[string]any{"frames": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.PutChunk(ctx, files[0].SHA256, 0, files[0].Size, scene); err != nil {
		t.Fatal(err)
	}
	cli(t, addr, "job", job.ID, "cancel")
	want := "job " + job.ID + " cannot be requeued: 1 of its 2 files never reached the manager; submit the scene again " +
		"with 'farmhand submit --upload FILE.blend' (what the manager holds is not sent again)"
	for _, action := range []string{"requeue", "requeue-failed"} {
		cmd := exec.Command(farmhandBinary(t), "job", job.ID, action, "--manager", "http://"+addr, "--data", managerData(addr))
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), want) || !strings.Contains(string(out), "409") {
			t.Errorf("farmhand job %s %s: %v\n%s\nwant a failure with a 409 saying %s", job.ID, action, err, out, want)
		}
	}
	if got, err := cl.Job(ctx, job.ID); err != nil || got.Status != model.JobCanceled {
		t.Fatalf("the refused job: %+v, %v", got, err)
	}
	if _, err := cl.PutChunk(ctx, files[1].SHA256, 0, files[1].Size, texture); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("a chunk for the refused job: %v; want 409", err)
	}

	// A second submission sends the texture; the first job, its files now
	// all in, requeues.
	second, err := cl.Submit(ctx, wire.SubmitJob{Name: "bigup", Type: "echo-sleep-test", Storage: wire.StorageUpload,
		Files: files, Settings: map[string]any{"frames": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.PutChunk(ctx, files[1].SHA256, 0, files[1].Size, texture); err != nil {
		t.Fatal(err)
	}
	cli(t, addr, "job", second.ID, "cancel")
	cli(t, addr, "job", job.ID, "requeue")
	if got, err := cl.Job(ctx, job.ID); err != nil || got.Status != model.JobQueued {
		t.Errorf("requeued with its files in: %+v, %v; want queued", got, err)
	}
}
