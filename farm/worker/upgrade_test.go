package worker

import (
	"testing"
	"time"

	"farmhand/farm/files"
	"farmhand/farm/model"
	"farmhand/farm/store"
	"farmhand/farm/upgrade"
)

// A worker asked to upgrade to the version it already runs (the test
// manager hands out this test program, of version "test", as the worker's
// own) says so, leaves its executable alone, and goes on taking work: the
// manager dropped the request.
func TestUpgradeToTheSameVersionLeavesTheWorkerAsItWas(t *testing.T) {
	exe, err := upgrade.Executable()
	if err != nil {
		t.Fatal(err)
	}
	before, _, err := files.HashFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	f := startFarm(t)
	runWorkerIn(t, f, t.TempDir(), "w1")
	var id string
	waitFor(t, "w1 to sign on", func() bool {
		ws, _ := f.m.Workers()
		if len(ws) == 1 && ws[0].Status == model.WorkerAwake {
			id = ws[0].ID
		}
		return id != ""
	})
	if _, err := f.m.WorkerAction(id, model.WorkerUpgrade, false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the upgrade request to be dropped", func() bool {
		w, err := f.m.Worker(id)
		return err == nil && w.StatusRequested == "" && w.Status == model.WorkerAwake
	})
	j := submit(t, f, map[string]any{"frames": "1", "sleep_seconds": 0.01})
	waitJob(t, f, j.ID, model.JobCompleted, 20*time.Second)
	if after, _, err := files.HashFile(exe); err != nil || after != before {
		t.Errorf("the executable changed (%v): SHA-256 %s, was %s", err, after, before)
	}
}

func TestManagerDatabaseIsTheStoresFile(t *testing.T) {
	if managerDatabase != store.FileName {
		t.Errorf("managerDatabase %q, the store's file is %q", managerDatabase, store.FileName)
	}
}
