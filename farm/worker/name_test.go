package worker

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"farmhand/farm/api/client"
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

// A worker waiting for approval names itself once and its join request as
// the member (fresh-eyes try: "worker=vm worker=<id>", one key twice).
func TestWaitingForApprovalNamesTheMember(t *testing.T) {
	f := startFarm(t)
	var out farmtest.SyncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	w := New(Config{Client: client.New("http://" + f.addr), DataDir: t.TempDir(), Name: "pending-one", Version: "test",
		Logger: slog.New(slog.NewTextHandler(&out, nil)), Heartbeat: 200 * time.Millisecond, IdlePoll: 50 * time.Millisecond})
	wait := runWorker(ctx, w)
	defer func() {
		cancel()
		_ = wait() // it never got in: ends with the context
	}()
	var line string
	waitFor(t, "the worker to say it waits for approval", func() bool {
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.Contains(l, "waiting for approval") {
				line = l
			}
		}
		return line != ""
	})
	pending, err := f.m.Members(model.MemberPending)
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending members %v, %v", pending, err)
	}
	if strings.Count(line, " worker=") != 1 || !strings.Contains(line, " worker=pending-one") ||
		!strings.Contains(line, " member="+pending[0].ID) {
		t.Errorf("the waiting line does not name worker and member once each:\n%s", line)
	}
}
