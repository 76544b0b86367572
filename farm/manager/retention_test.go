package manager

import (
	"errors"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
	"farmhand/farm/store"
	"farmhand/internal/farmtest"
)

// With delete_jobs_after set, the manager deletes the jobs that ended that
// long ago, as an admin's delete does, and says so in the audit log; jobs
// that ended later, paused jobs and running jobs stay. 0, the default, keeps
// every job.
func TestOldEndedJobsAreDeleted(t *testing.T) {
	m, c := openWithClock(t, 10*time.Minute)
	w := register(t, m, "w1")
	done := submit(t, m, "1")
	runOne(t, m, w, model.ReportCompleted)
	canceled := submit(t, m, "1-2")
	farmtest.Must(m.JobAction(canceled.ID, model.JobCancel, 0))(t)
	paused := submit(t, m, "1")
	farmtest.Must(m.JobAction(paused.ID, model.JobPause, 0))(t)
	queued := submit(t, m, "1")

	c.advance(100 * 24 * time.Hour)
	if n := m.deleteOldJobs(); n != 0 {
		t.Fatalf("with the default setting, %d jobs were deleted", n)
	}
	days := model.Duration(30 * 24 * time.Hour)
	farmtest.Must(m.UpdateSettingsBy(AsAdmin, model.SettingsPatch{DeleteJobsAfter: &days}))(t)
	recent := submit(t, m, "1")
	runOne(t, m, w, model.ReportCompleted) // the queued job's task
	runOne(t, m, w, model.ReportCompleted) // recent's: both ended just now

	if n := m.deleteOldJobs(); n != 2 {
		t.Errorf("deleted %d jobs, want the completed and the canceled one", n)
	}
	for _, id := range []string{done.ID, canceled.ID} {
		if _, err := m.Job(id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("job %s ended 100 days ago is still there: %v", id, err)
		}
	}
	for _, id := range []string{paused.ID, queued.ID, recent.ID} {
		if _, err := m.Job(id); err != nil {
			t.Errorf("job %s is gone: %v", id, err)
		}
	}
	entries, _, err := m.Audit(10, "")
	if err != nil {
		t.Fatal(err)
	}
	deletes := 0
	for _, e := range entries {
		if e.Action == "job.delete" && e.Who() == "the manager (delete_jobs_after)" {
			deletes++
		}
	}
	if deletes != 2 {
		t.Errorf("%d audit entries name delete_jobs_after for a job delete, want 2: %+v", deletes, entries)
	}

	c.advance(31 * 24 * time.Hour)
	if n := m.deleteOldJobs(); n != 2 {
		t.Errorf("a month later, deleted %d jobs, want the two that ended then", n)
	}
	if _, err := m.Job(paused.ID); err != nil {
		t.Errorf("the paused job is gone: %v", err)
	}
}

// delete_jobs_after takes 0 or from an hour to ten years.
func TestDeleteJobsAfterBounds(t *testing.T) {
	m := openManager(t)
	for _, d := range []time.Duration{time.Minute, 11 * 365 * 24 * time.Hour} {
		v := model.Duration(d)
		if _, err := m.UpdateSettingsBy(AsAdmin, model.SettingsPatch{DeleteJobsAfter: &v}); err == nil ||
			!strings.Contains(err.Error(), "delete_jobs_after: must be 0 (keep jobs) or between 1h0m0s and") {
			t.Errorf("delete_jobs_after %s: %v", d, err)
		}
	}
	for _, d := range []time.Duration{0, time.Hour, 90 * 24 * time.Hour} {
		v := model.Duration(d)
		if _, err := m.UpdateSettingsBy(AsAdmin, model.SettingsPatch{DeleteJobsAfter: &v}); err != nil {
			t.Errorf("delete_jobs_after %s: %v", d, err)
		}
	}
}
