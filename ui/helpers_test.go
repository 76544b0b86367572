package ui

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"farmhand/farm/api/client"
	"farmhand/farm/model"
)

// testNow is the stopped clock of the view tests, so that golden files do
// not depend on the day or the time zone they run in.
var testNow = time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	time.Local = time.UTC
	now = func() time.Time { return testNow }
	os.Exit(m.Run())
}

// newTestUI builds the windows on Fyne's test driver. Its client points at a
// closed port on 127.0.0.1: these tests feed the views themselves and never
// call Start.
func newTestUI(t *testing.T, worker WorkerControl) *UI {
	t.Helper()
	a := test.NewTempApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	u := New(ctx, Config{App: a, Client: client.New("http://127.0.0.1:9"), Worker: worker, Farm: "studio"})
	// Answers of background calls (they fail: nothing listens on port 9) are
	// dropped, so that they neither race with the test nor outlive it.
	u.do = func(func()) {}
	return u
}

// job makes a job in status s with done of total steps, submitted minutes
// before testNow.
func job(n int, name string, s model.JobStatus, done, total int, minutes int) *model.Job {
	created := testNow.Add(-time.Duration(minutes) * time.Minute)
	counts := map[model.TaskStatus]int{model.TaskCompleted: done, model.TaskQueued: total - done}
	return &model.Job{
		ID: fmt.Sprintf("job-%02d", n), Name: name, Type: "echo-sleep-test", Priority: 50 + n, Status: s,
		Submitter: "mira", Created: created, Updated: created.Add(time.Minute), Seq: uint64(n),
		TaskCount: total, TaskCounts: counts, StepsTotal: total, StepsCompleted: done,
		Settings: map[string]any{"frames": "1-10"}, Metadata: map[string]string{},
		AllowedActions: model.AllowedJobActions(s),
	}
}

// farmJobs is a small farm with a job in each group of statuses.
func farmJobs() []*model.Job {
	return []*model.Job{
		job(1, "shot 010 lighting", model.JobCompleted, 40, 40, 300),
		job(2, "shot 020 comp", model.JobActive, 12, 40, 120),
		job(3, "shot 030 fx sim", model.JobPaused, 5, 20, 90),
		job(4, "shot 040 crowd", model.JobFailed, 3, 10, 60),
		job(5, "shot 050 layout", model.JobCanceled, 0, 10, 45),
		job(6, "shot 060 anim", model.JobQueued, 0, 100, 30),
		job(7, "turntable", model.JobArchived, 8, 8, 3000),
	}
}

// task makes task i of a job.
func task(i int, s model.TaskStatus, worker string, done int) *model.Task {
	return &model.Task{
		ID: fmt.Sprintf("job-02.%d", i), JobID: "job-02", Index: i, Name: fmt.Sprintf("frames %d-%d", i*10+1, i*10+10),
		Type: "misc", Status: s, WorkerID: worker, StepsTotal: 2, StepsCompleted: done,
		Updated:        testNow.Add(-time.Duration(20-i) * time.Minute),
		AllowedActions: model.AllowedTaskActions(s),
	}
}

func jobTasks() []*model.Task {
	st := []model.TaskStatus{model.TaskCompleted, model.TaskCompleted, model.TaskActive, model.TaskFailed,
		model.TaskQueued, model.TaskQueued, model.TaskSoftFailed, model.TaskCanceled, model.TaskQueued, model.TaskActive}
	var out []*model.Task
	for i, s := range st {
		w, done := "", 0
		switch s {
		case model.TaskCompleted:
			w, done = "w1", 2
		case model.TaskActive, model.TaskFailed, model.TaskSoftFailed:
			w, done = "w2", 1
		}
		out = append(out, task(i, s, w, done))
	}
	return out
}

func rowNames[T interface{ *model.Job | *model.Task }](l *rowList[T], name func(T) string) []string {
	var out []string
	for i := range l.Len() {
		out = append(out, name(l.Row(i)))
	}
	return out
}

func jobName(j *model.Job) string   { return j.Name }
func taskName(t *model.Task) string { return t.Name }
