package manager

import (
	"fmt"
	"testing"

	"farmhand/farm/model"
)

// requeueCanceled requeues canceled job id, as an artist would.
func requeueCanceled(t *testing.T, m *Manager, id string) *model.Job {
	t.Helper()
	if _, err := m.JobAction(id, model.JobRequeue, 0); err != nil {
		t.Fatal(err)
	}
	return mustJob(t, m, id)
}

// Issue 13: a canceled upload job whose files are still missing goes back to
// waiting-for-files when requeued, counting the files missing anew (one came
// meanwhile for another job), takes chunks again, and leaves for queued (or
// paused when it was submitted paused) when its last file arrives. One whose
// files are all in is queued at once.
func TestRequeuedUploadJobWaitsForItsMissingFiles(t *testing.T) {
	m := openManager(t)
	for _, paused := range []bool{false, true} {
		round := fmt.Sprint(paused)
		a, b, c := []byte("requeued scene "+round), []byte("requeued texture "+round), []byte("requeued sound "+round)
		j := submitUpload(t, m, paused, a, b, c)
		putWhole(t, m, a)
		if _, err := m.JobAction(j.ID, model.JobCancel, 0); err != nil {
			t.Fatal(err)
		}
		other := submitUpload(t, m, false, b) // b arrives for another job while j is canceled
		putWhole(t, m, b)
		if got := mustJob(t, m, other.ID); got.Status != model.JobQueued {
			t.Fatalf("the other job: %s", got.Status)
		}
		ready := m.index.Ready()
		got := requeueCanceled(t, m, j.ID)
		if got.Status != model.JobWaitingForFiles || got.FilesMissing != 1 || got.StatusReason != "requeued; waiting for 1 file to be uploaded" {
			t.Fatalf("paused %v, requeued: %s, %d missing, %q", paused, got.Status, got.FilesMissing, got.StatusReason)
		}
		if m.index.Ready() != ready {
			t.Fatalf("a waiting job's tasks are runnable: %d ready, %d before", m.index.Ready(), ready)
		}
		if got.TaskCounts[model.TaskQueued] != got.TaskCount {
			t.Errorf("tasks: %v", got.TaskCounts)
		}
		putWhole(t, m, c) // taken: the job waits for it again
		want := model.JobQueued
		if paused {
			want = model.JobPaused
		}
		if got := mustJob(t, m, j.ID); got.Status != want || got.FilesMissing != 0 {
			t.Fatalf("paused %v, files in: %s, %d missing", paused, got.Status, got.FilesMissing)
		}
		if _, err := m.JobAction(j.ID, model.JobCancel, 0); err != nil {
			t.Fatal(err)
		}
		if got := requeueCanceled(t, m, j.ID); got.Status != model.JobQueued {
			t.Errorf("paused %v, requeued with every file in: %s", paused, got.Status)
		}
	}
}
