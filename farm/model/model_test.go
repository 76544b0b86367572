package model

import (
	"strings"
	"testing"
)

func TestDeriveJobStatus(t *testing.T) {
	type counts = map[TaskStatus]int
	cases := []struct {
		name    string
		from    JobStatus
		counts  counts
		total   int
		want    JobStatus
		because string
	}{
		{"first task active", JobQueued, counts{TaskActive: 1, TaskQueued: 9}, 10, JobActive, ""},
		{"nothing happened yet", JobQueued, counts{TaskQueued: 10}, 10, JobQueued, ""},
		{"all completed", JobActive, counts{TaskCompleted: 10}, 10, JobCompleted, ""},
		{"failed over the threshold, none running", JobActive, counts{TaskFailed: 2, TaskQueued: 8}, 10, JobFailed, "2 of 10 tasks failed"},
		{"failed over the threshold, one running", JobActive, counts{TaskFailed: 2, TaskActive: 1, TaskQueued: 7}, 10, JobFailRequested, "2 of 10"},
		{"failed at the threshold is not over it", JobActive, counts{TaskFailed: 1, TaskQueued: 9}, 10, JobActive, ""},
		// A job is completed only when every task is: a failure under the
		// threshold lets the others run, then fails the job (case 03).
		{"finished with failures under the threshold", JobActive, counts{TaskFailed: 1, TaskCompleted: 19}, 20, JobFailed, "1 of 20 tasks failed"},
		{"failed and its dependents canceled", JobActive, counts{TaskFailed: 1, TaskCanceled: 1, TaskCompleted: 10}, 12, JobFailed, "1 of 12 tasks failed, 1 canceled"},
		{"failures under the threshold while others wait", JobActive, counts{TaskFailed: 1, TaskQueued: 19}, 20, JobActive, ""},
		{"finished with canceled tasks", JobActive, counts{TaskCanceled: 1, TaskCompleted: 9}, 10, JobCanceled, "1 of 10 tasks canceled"},
		{"pausing, one still running", JobPauseRequested, counts{TaskActive: 1, TaskPaused: 9}, 10, JobPauseRequested, ""},
		{"pausing, none running", JobPauseRequested, counts{TaskPaused: 9, TaskCompleted: 1}, 10, JobPaused, ""},
		{"pausing, all completed meanwhile", JobPauseRequested, counts{TaskCompleted: 10}, 10, JobCompleted, ""},
		{"canceling, one still stopping", JobCancelRequested, counts{TaskCancelRequested: 1, TaskCanceled: 9}, 10, JobCancelRequested, ""},
		{"canceling, all stopped", JobCancelRequested, counts{TaskCanceled: 10}, 10, JobCanceled, ""},
		{"failing, all stopped", JobFailRequested, counts{TaskFailed: 5, TaskCanceled: 5}, 10, JobFailed, ""},
		{"paused stays paused", JobPaused, counts{TaskPaused: 10}, 10, JobPaused, ""},
		{"completed stays completed", JobCompleted, counts{TaskCompleted: 10}, 10, JobCompleted, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := DeriveJobStatus(c.from, c.counts, c.total, DefaultFailThreshold)
			if d.Status != c.want || !strings.Contains(d.Reason, c.because) {
				t.Errorf("%s with %v → %s (%q), want %s (%q)", c.from, c.counts, d.Status, d.Reason, c.want, c.because)
			}
		})
	}
}

func TestActionTablesCoverEveryStatus(t *testing.T) {
	for _, s := range JobStatuses {
		if _, ok := jobActionTable[s]; !ok {
			t.Errorf("job status %s has no row in the action table", s)
		}
	}
	for _, s := range TaskStatuses {
		if _, ok := taskActionTable[s]; !ok {
			t.Errorf("task status %s has no row in the action table", s)
		}
	}
	for _, s := range []WorkerStatus{WorkerAwake, WorkerAsleep, WorkerPaused, WorkerOffline, WorkerLost} {
		if _, ok := workerActionTable[s]; !ok {
			t.Errorf("worker status %s has no row in the action table", s)
		}
	}
}

func TestActionErrorNamesStatusAndAllowed(t *testing.T) {
	err := CheckJobAction("j1", JobCompleted, JobPause)
	want := "cannot pause job j1: it is completed, and a job that is completed allows: requeue, archive, delete, set-priority"
	if err == nil || err.Error() != want {
		t.Fatalf("%v\nwant %s", err, want)
	}
	if err := CheckTaskAction("t1", TaskCancelRequested, TaskRequeue); err == nil || !strings.HasSuffix(err.Error(), "allows: none") {
		t.Fatalf("%v", err)
	}
}

func FuzzParseTaskID(f *testing.F) {
	for _, s := range []string{"job.0", "a.b.17", ".1", "x.", "x.-1", "x.01", "x.99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		job, index, ok := ParseTaskID(id)
		if !ok {
			return
		}
		if job == "" || index < 0 || TaskID(job, index) != id {
			t.Fatalf("%q parsed to (%q, %d), which prints as %q", id, job, index, TaskID(job, index))
		}
	})
}
