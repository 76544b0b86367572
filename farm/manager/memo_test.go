package manager

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// richJob fills every kind of field a job has, with values from seed.
func richJob(seed int) *model.Job {
	at := time.Date(2026, 1, 2, 3, 4, seed, 0, time.UTC)
	f := float64(seed)
	return &model.Job{
		ID: "j", Name: fmt.Sprint("job ", seed), Status: model.JobActive, Priority: seed,
		Settings: map[string]any{"frames": fmt.Sprint("1-", seed), "nested": map[string]any{"list": []any{f, "x", true}},
			"chunk_size": f},
		Metadata: map[string]string{"project": fmt.Sprint("p", seed)}, RequiredTags: []string{fmt.Sprint("t", seed)},
		Created: at, Updated: at, TaskCounts: map[model.TaskStatus]int{model.TaskQueued: seed},
		Blocklist: []model.BlockEntry{{WorkerID: fmt.Sprint("w", seed), TaskType: "misc", Since: at}},
		Failures:  map[string]int{"w/misc": seed},
		ETA:       &model.ETA{FramesTotal: seed, Finish: at, AsOf: at},
		TimePerFrame: &model.TimePerFrame{Recent: []float64{f, f + 1}, Workers: []model.WorkerTimePerFrame{
			{WorkerID: fmt.Sprint("w", seed), Recent: []float64{f}}}},
	}
}

// A copy equals its original, and what the manager does to a copy leaves the
// original as it was: changing settings, counters and lists, and adding a
// timing sample (a new TimePerFrame: copies share the old one, which is never
// changed in place; model.TestClonesShareNothing checks every field).
func TestCloneSharesNothing(t *testing.T) {
	orig := richJob(1)
	before, _ := json.Marshal(orig)
	c := orig.Clone()
	if !reflect.DeepEqual(orig, c) {
		t.Fatalf("copy differs:\n%+v\n%+v", c, orig)
	}
	c.Settings["nested"].(map[string]any)["list"].([]any)[0] = "changed"
	c.TaskCounts[model.TaskQueued]++
	c.Blocklist[0].WorkerID = "changed"
	c.ETA.FramesDone++
	c.TimePerFrame = c.TimePerFrame.Added(model.UnitFrame, "w1", "w1", 1, 99, time.Now())
	after, _ := json.Marshal(orig)
	if string(after) != string(before) {
		t.Errorf("changing the copy changed the original:\n%s\nwas\n%s", after, before)
	}
}

// The job memo answers only for the bytes the store holds: a write whose
// transaction rolled back is not seen, and what it answers is what decoding
// the stored record gives.
func TestJobMemoFollowsTheStore(t *testing.T) {
	m := openManager(t)
	w := register(t, m, "w1")
	j := submit(t, m, "1-4")
	a := mustSchedule(t, m, w.ID)
	if _, err := m.UpdateTask(w.ID, a.Task.ID, TaskUpdate{Status: model.ReportCompleted}); err != nil {
		t.Fatal(err)
	}
	if m.jobMemo.size() != 1 {
		t.Fatalf("memo holds %d jobs, want the active one", m.jobMemo.size())
	}
	sameAsStored := func(when string) {
		t.Helper()
		err := m.store.View(func(tx *store.Tx) error {
			decoded, err := tx.Job(j.ID)
			if err != nil {
				return err
			}
			memo, err := m.storedJob(tx, j.ID)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(memo, decoded) {
				t.Errorf("%s: memo gives\n%+v\nthe store\n%+v", when, memo, decoded)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sameAsStored("after a task completed")

	rollBack := errors.New("rolled back")
	err := m.store.Update(func(tx *store.Tx) error {
		jj, err := m.storedJob(tx, j.ID)
		if err != nil {
			return err
		}
		jj.Name = "never committed"
		if err := m.putJob(tx, jj); err != nil {
			return err
		}
		return rollBack
	})
	if !errors.Is(err, rollBack) {
		t.Fatalf("update: %v", err)
	}
	sameAsStored("after a rolled-back write")

	// An ended job leaves the memo.
	if _, err := m.JobAction(j.ID, model.JobCancel, 0); err != nil {
		t.Fatal(err)
	}
	if m.jobMemo.size() != 0 {
		t.Errorf("memo holds %d jobs after the only one was canceled", m.jobMemo.size())
	}
}
