//go:build e2e

package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
)

// TestE2EWorkerHistoryAndBlenderVersion runs the real binary: a worker's
// heartbeats fill its host history on the manager, which 'farmhand worker ID
// history' prints (JSON and sparklines); and a job that requires a Blender
// version no worker has waits, 'farmhand task why' saying so (issue 14,
// items 3 and 5).
func TestE2EWorkerHistoryAndBlenderVersion(t *testing.T) {
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	startWorker(t, addr, "box")
	cl := adminClient(t, addr)
	ctx := context.Background()
	var id string
	waitFor(t, "the worker to sign on", 30*time.Second, func() bool {
		ws, _ := cl.Workers(ctx)
		if len(ws) == 1 && ws[0].Status == model.WorkerAwake {
			id = ws[0].ID
		}
		return id != ""
	})
	var h model.HostHistory
	waitFor(t, "a sample in the worker's history", 60*time.Second, func() bool {
		out := cli(t, addr, "worker", id, "history", "--json")
		if err := json.Unmarshal([]byte(out), &h); err != nil {
			t.Fatalf("history --json: %v\n%s", err, out)
		}
		return len(h.Samples) > 0
	})
	s := h.Samples[len(h.Samples)-1]
	if h.WorkerID != id || h.StepSeconds != 30 || s.MemTotalMB == 0 || s.MemUsedMB == 0 || s.Heartbeats == 0 ||
		time.Since(s.Time) > 2*time.Minute {
		t.Errorf("history %+v; want this worker's recent samples with its memory", h)
	}
	out := cli(t, addr, "worker", id, "history", "2h")
	for _, want := range []string{"Worker " + id, "CPU  ", "MEM  ", "TIME", "GB"} {
		if !strings.Contains(out, want) {
			t.Errorf("history lacks %q:\n%s", want, out)
		}
	}
	if list := cli(t, addr, "workers"); !strings.Contains(list, "BLENDERS") || !strings.Contains(list, "DEVICE") {
		t.Errorf("farmhand workers lacks the Blender and device columns:\n%s", list)
	}

	job := submitCLI(t, addr, "needs 9.9", "frames=1", "sleep_seconds=0", "blender_version=9.9")
	why := cli(t, addr, "task", job+".0", "why")
	if !strings.Contains(why, "no worker has Blender 9.9, which the job requires") ||
		!strings.Contains(why, "box has no Blender 9.9") {
		t.Errorf("task why:\n%s", why)
	}
	if j, err := cl.Job(ctx, job); err != nil || j.TaskCounts[model.TaskQueued] != 1 {
		t.Errorf("the job that needs Blender 9.9: %+v %v; want its task queued", j, err)
	}
}
