package api_test

import (
	"testing"
	"time"

	"farmhand/farm/model"
)

// The subtest of TestEveryOperationAgainstTheDocument for a worker's host
// history (issue 14, item 3), added to its table.
func init() {
	operations = append(operations, struct {
		id  string
		run func(*testing.T, *opFarm)
	}{"getWorkerHistory", testGetWorkerHistory})
}

// testGetWorkerHistory checks that the history answers what the worker's
// heartbeats sent, GPU included, and refuses what it should.
func testGetWorkerHistory(t *testing.T, f *opFarm) {
	w := f.worker()
	before := time.Now()
	sent := &model.HostStats{CPUPercent: 37.5, MemUsedMB: 2048, MemTotalMB: 16384, CPUs: 8, Sampled: before.UTC(),
		GPUs: []model.GPUStats{{Name: "RTX", BusyPercent: 91, MemUsedMB: 3000, MemTotalMB: 24000}}}
	if _, err := w.wk.Heartbeat(f.ctx, "", sent); err != nil {
		t.Fatal(err)
	}
	var h *model.HostHistory
	for deadline := time.Now().Add(10 * time.Second); ; {
		var err error
		if h, err = f.cl.WorkerHistory(f.ctx, w.id, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if len(h.Samples) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the heartbeat's stats are not in the history after 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s := h.Samples[0]
	if h.WorkerID != w.id || h.StepSeconds != 30 || len(h.Samples) != 1 || s.CPUPercent != 37.5 || s.MemUsedMB != 2048 ||
		s.MemTotalMB != 16384 || s.GPUPercent == nil || *s.GPUPercent != 91 || s.GPUMemUsedMB != 3000 ||
		s.GPUMemTotalMB != 24000 || s.Heartbeats != 1 {
		t.Fatalf("history %+v; the heartbeat sent %+v", h, sent)
	}
	if s.Time.After(before) || before.Sub(s.Time) > 30*time.Second {
		t.Errorf("the sample's step starts at %s; the heartbeat was at %s", s.Time, before)
	}
	// since selects: a time after the sample's step leaves nothing.
	if later, err := f.cl.WorkerHistory(f.ctx, w.id, s.Time.Add(time.Minute)); err != nil || len(later.Samples) != 0 {
		t.Errorf("since a minute after the sample: %+v %v", later, err)
	}
	_, artist := member(t, f.cl, "artist", model.RoleArtist)
	if got, err := artist.WorkerHistory(f.ctx, w.id, time.Time{}); err != nil || len(got.Samples) != 1 {
		t.Errorf("an artist reads %+v %v", got, err)
	}
	_, err := f.cl.WorkerHistory(f.ctx, "no-such-worker", time.Time{})
	wantStatus(t, err, 404)
	_, err = f.anon.WorkerHistory(f.ctx, w.id, time.Time{})
	wantStatus(t, err, 401)
}
