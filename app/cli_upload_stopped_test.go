package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
	"farmhand/farm/transfer"
)

// Issue 13: submit --upload whose job someone else canceled or deleted
// (from another shell) says just that: "job X was canceled by someone else
// while its files were uploading (or: was deleted); the upload stopped",
// with no claim that the job waits for its files, no "submit the job that
// names it first", and no advice to cancel what is canceled or gone. Both
// when the upload's refusal tells it, and when only the cancel after
// another stop does.
func TestUploadSaysItsJobWasCanceledOrDeleted(t *testing.T) {
	cl := newAPIFarm(t).cl
	ctx := context.Background()
	data := []byte("a big scene")
	src := filepath.Join(t.TempDir(), "big.blend")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	f := wire.JobFile{Path: "big/big.blend", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
	u := &upload{files: []transfer.Local{{JobFile: f, Source: src}}}
	for _, action := range []string{"cancel", "delete"} {
		for _, via := range []string{"upload", "cancel"} {
			job, err := cl.Submit(ctx, wire.SubmitJob{Name: "bigup", Type: "echo-sleep-test",
				Storage: wire.StorageUpload, Files: []wire.JobFile{f}, Settings: map[string]any{"frames": "1"}})
			if err != nil {
				t.Fatal(err)
			}
			if action == "cancel" {
				_, err = cl.JobAction(ctx, job.ID, model.JobCancel, nil)
			} else {
				err = cl.DeleteJob(ctx, job.ID)
			}
			if err != nil {
				t.Fatal(err)
			}
			e, out := backupEnv()
			if via == "upload" {
				err = u.send(ctx, e, cl, job.ID)
			} else { // the upload broke for another reason; the cancel then finds the job stopped
				err = uploadStopped(ctx, cl, job.ID, errors.New("connection reset"))
			}
			want := "job " + job.ID + " was canceled by someone else while its files were uploading; the upload stopped"
			if action == "delete" {
				want = "job " + job.ID + " was deleted while its files were uploading; the upload stopped"
			}
			if err == nil || err.Error() != want {
				t.Errorf("%s, seen by the %s: %v\nwant %s\n%s", action, via, err, want, out)
			}
			if action == "cancel" {
				if got, err := cl.Job(ctx, job.ID); err != nil || got.Status != model.JobCanceled {
					t.Errorf("%s, seen by the %s: the job is %+v, %v", action, via, got, err)
				}
			} else if _, err := cl.Job(ctx, job.ID); client.StatusOf(err) != 404 {
				t.Errorf("%s, seen by the %s: the job came back: %v", action, via, err)
			}
		}
	}
}
