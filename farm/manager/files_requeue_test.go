package manager

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"farmhand/farm/model"
)

// Issue 13: requeue and requeue-failed of a canceled upload job whose files
// never all arrived are refused (nothing changes, a *FilesMissingError that
// is also a *model.ActionError, so the API answers 409), counting the files
// missing now (one came meanwhile for another job), and saying how to submit
// again; no chunk is taken for it afterwards. A canceled upload job whose
// files are all in requeues fine, paused or not.
func TestRequeueOfUploadJobWithFilesMissingIsRefused(t *testing.T) {
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
		before := mustJob(t, m, j.ID)
		for _, action := range []model.JobAction{model.JobRequeue, model.JobRequeueFailed} {
			_, err := m.JobAction(j.ID, action, 0)
			want := "job " + j.ID + " cannot be requeued: 1 of its 3 files never reached the manager; submit the scene again " +
				"with 'farmhand submit --upload FILE.blend' (what the manager holds is not sent again)"
			if err == nil || err.Error() != want {
				t.Fatalf("paused %v, %s: %v\nwant %s", paused, action, err, want)
			}
			var fm *FilesMissingError
			var ae *model.ActionError
			if !errors.As(err, &fm) || fm.Missing != 1 || fm.Files != 3 || !errors.As(err, &ae) ||
				ae.Status != string(model.JobCanceled) || ae.Action != string(action) ||
				slices.Contains(ae.Allowed, string(model.JobRequeue)) || !slices.Contains(ae.Allowed, string(model.JobDelete)) {
				t.Errorf("paused %v, %s: the refusal %+v as an action error %+v", paused, action, fm, ae)
			}
		}
		tasks, err := m.Tasks(j.ID)
		if err != nil {
			t.Fatal(err)
		}
		var fm *FilesMissingError
		if _, err := m.TaskAction(model.TaskRequeue, []string{tasks[0].ID}); !errors.As(err, &fm) || fm.Missing != 1 {
			t.Errorf("paused %v, requeuing task %s: %v; want the files-missing refusal", paused, tasks[0].ID, err)
		}
		after := mustJob(t, m, j.ID)
		if after.Status != model.JobCanceled || after.StatusReason != before.StatusReason || !sameJSON(after.TaskCounts, before.TaskCounts) {
			t.Errorf("paused %v, the refused job changed: %s %q %v", paused, after.Status, after.StatusReason, after.TaskCounts)
		}
		if _, _, err := m.PutChunk(hashOf(c), 0, int64(len(c)), hashOf(c), nil, 0); !errors.Is(err, ErrNoWaitingJob) {
			t.Errorf("paused %v, a chunk for the refused job: %v; want ErrNoWaitingJob", paused, err)
		}
	}
}

// A canceled upload job whose files are all in requeues fine: to queued.
func TestCanceledUploadJobWithItsFilesInRequeues(t *testing.T) {
	m := openManager(t)
	a, b := []byte("complete scene"), []byte("complete texture")
	j := submitUpload(t, m, false, a, b)
	putWhole(t, m, a)
	putWhole(t, m, b)
	if _, err := m.JobAction(j.ID, model.JobCancel, 0); err != nil {
		t.Fatal(err)
	}
	for _, action := range []model.JobAction{model.JobRequeue, model.JobRequeueFailed} {
		got, err := m.JobAction(j.ID, action, 0)
		if err != nil || got.Status != model.JobQueued {
			t.Fatalf("%s with every file in: %+v, %v", action, got, err)
		}
		if _, err := m.JobAction(j.ID, model.JobCancel, 0); err != nil {
			t.Fatal(err)
		}
	}
}
