package worker

import (
	"context"
	"strings"
	"testing"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// A worker an admin renamed calls itself by the farm's name in its tasks'
// logs and activities, as the manager's own lines do, not by the machine's
// name it was started with (fresh-eyes try: "worker vm: starting task" beside
// "assigned to w1" in one log).
func TestRenamedWorkerUsesTheFarmsName(t *testing.T) {
	f := startFarm(t)
	dir := t.TempDir()
	stop := runWorkerIn(t, f, dir, "machine")
	var id string
	waitFor(t, "the worker to sign on", func() bool {
		ws, _ := f.m.Workers()
		if len(ws) == 1 && ws[0].Status == model.WorkerAwake {
			id = ws[0].ID
		}
		return id != ""
	})
	name := "Render Node ü [2]"
	if _, err := f.cl.UpdateWorker(context.Background(), id, wire.WorkerChange{Name: &name}); err != nil {
		t.Fatal(err)
	}
	stop()
	runWorkerIn(t, f, dir, "machine") // started as before: the admin's name wins

	j := submit(t, f, map[string]any{"frames": "1", "sleep_seconds": 0.01})
	waitJob(t, f, j.ID, model.JobCompleted, 20*time.Second)
	log := farmtest.Must(f.m.TaskLogTail(model.TaskID(j.ID, 0), 50))(t)
	for _, want := range []string{"worker " + name + ": starting task", "worker " + name + ": task completed"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "machine") {
		t.Errorf("log names the worker by the machine's name:\n%s", log)
	}
}
