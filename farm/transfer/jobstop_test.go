package transfer_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"testing"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
	"farmhand/farm/transfer"
)

// Issue 13: a job canceled or deleted from another shell while its files
// upload (here after the first of three chunks went through) stops the
// upload with a *JobStoppedError that says so, and nothing false: not that
// the job waits for its files, not to submit it first, not to cancel it.
func TestUploadSaysItsJobWasCanceledOrDeleted(t *testing.T) {
	for _, action := range []string{"cancel", "delete"} {
		cl := startFarm(t, func(h http.Handler) http.Handler { return h })
		ctx := t.Context()
		big := make([]byte, 20<<20) // three chunks of wire.DefaultChunk
		if _, err := rand.Read(big); err != nil {
			t.Fatal(err)
		}
		files := []transfer.Local{{JobFile: wire.JobFile{Path: "big/big.blend"}, Source: write(t, t.TempDir(), "big.blend", big)}}
		if err := transfer.HashAll(ctx, files); err != nil {
			t.Fatal(err)
		}
		job, err := cl.Submit(ctx, wire.SubmitJob{Name: "bigup", Type: "echo-sleep-test", Settings: map[string]any{"frames": "1"},
			Storage: wire.StorageUpload, Files: []wire.JobFile{files[0].JobFile}})
		if err != nil {
			t.Fatal(err)
		}
		var stopErr error
		stopped := false
		_, err = transfer.UploadJob(ctx, cl, job.ID, files, func(p transfer.Progress) {
			if p.Done > 0 && !stopped { // mid-upload, from "another shell"
				stopped = true
				if action == "cancel" {
					_, stopErr = cl.JobAction(context.Background(), job.ID, model.JobCancel, nil)
				} else {
					stopErr = cl.DeleteJob(context.Background(), job.ID)
				}
			}
		})
		if !stopped || stopErr != nil {
			t.Fatalf("%s: the job was not stopped mid-upload (%v, %v)", action, stopped, stopErr)
		}
		want := "job " + job.ID + " was canceled by someone else while its files were uploading; the upload stopped"
		if action == "delete" {
			want = "job " + job.ID + " was deleted while its files were uploading; the upload stopped"
		}
		var js *transfer.JobStoppedError
		if err == nil || err.Error() != want || !errors.As(err, &js) || js.Deleted != (action == "delete") ||
			client.StatusOf(err) != http.StatusConflict {
			t.Errorf("%s mid-upload: %v\nwant %s (wrapping the manager's 409)", action, err, want)
		}
		for _, false_ := range []string{"waits", "submit the job", "cancel it"} {
			if err != nil && strings.Contains(err.Error(), false_) {
				t.Errorf("%s mid-upload: the message says %q: %v", action, false_, err)
			}
		}
	}
}

// A job still waiting for its files is not reported as stopped.
func TestJobStoppedIsNilForAWaitingJob(t *testing.T) {
	cl := startFarm(t, func(h http.Handler) http.Handler { return h })
	job, err := cl.Submit(t.Context(), wire.SubmitJob{Name: "w", Type: "echo-sleep-test", Settings: map[string]any{"frames": "1"},
		Storage: wire.StorageUpload, Files: []wire.JobFile{{Path: "a.blend", SHA256: strings.Repeat("ab", 32), Size: 3}}})
	if err != nil {
		t.Fatal(err)
	}
	if s := transfer.JobStopped(t.Context(), cl, job.ID, errors.New("cause")); s != nil {
		t.Errorf("a waiting job: %v", s)
	}
}
