package manager

import (
	"testing"
	"time"
	"unsafe"

	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

func gpuOf(s model.HostSample) float64 {
	if s.GPUPercent == nil {
		return -1
	}
	return *s.GPUPercent
}

// TestHistoryRingIsBounded checks the memory a worker's history takes, as
// History's docstring states it, and that 25 hours of heartbeats every 10 s
// leave exactly the last 24 hours, one sample per 30 s.
func TestHistoryRingIsBounded(t *testing.T) {
	if size := unsafe.Sizeof(hostRing{}); size > 161288 {
		t.Fatalf("one worker's ring takes %d bytes; History's docstring says 161,288 (on 64-bit computers; less on 32-bit)", size)
	}
	c := farmtest.NewClock(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	h := NewHistory(c.Now)
	for i := range 25 * 360 {
		if i > 0 {
			c.Advance(10 * time.Second)
		}
		h.Add("w1", &model.HostStats{CPUPercent: 50, MemUsedMB: 100, MemTotalMB: 200})
	}
	got := h.Since("w1", time.Time{}).Samples
	if len(got) != 2880 {
		t.Fatalf("%d samples after 25 h; want 2880 (24 h of 30 s steps)", len(got))
	}
	last := c.Now().Truncate(HistoryStep)
	if !got[len(got)-1].Time.Equal(last) || !got[0].Time.Equal(last.Add(-HistorySpan+HistoryStep)) {
		t.Fatalf("samples span %s to %s; want %s to %s", got[0].Time, got[len(got)-1].Time, last.Add(-HistorySpan+HistoryStep), last)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Time.Sub(got[i-1].Time) != HistoryStep {
			t.Fatalf("samples %d and %d are %s apart, want %s", i-1, i, got[i].Time.Sub(got[i-1].Time), HistoryStep)
		}
	}
	if got[5].Heartbeats != 3 || got[5].CPUPercent != 50 || got[5].MemUsedMB != 100 || got[5].MemTotalMB != 200 {
		t.Fatalf("a step of 3 heartbeats gave %+v", got[5])
	}
	// Quiet for 23 h more: only the last hour is still within 24 h.
	c.Advance(23 * time.Hour)
	if n := len(h.Since("w1", time.Time{}).Samples); n != 120 {
		t.Fatalf("%d samples 23 h after the last heartbeat; want 120 (the last hour)", n)
	}
	// A day and more after its last heartbeat, a worker's ring is dropped.
	c.Advance(2 * time.Hour)
	h.Add("w2", &model.HostStats{CPUPercent: 1})
	if _, kept := h.rings["w1"]; kept || len(h.Since("w1", time.Time{}).Samples) != 0 {
		t.Fatalf("the ring of a worker silent for over 24 h is kept")
	}
}

// TestHistoryDownsamplesHeartbeats checks that heartbeats within one 30 s
// step become their mean, that GPU use is shown only where it was read, and
// that since selects the steps from its own on.
func TestHistoryDownsamplesHeartbeats(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	c := farmtest.NewClock(start)
	h := NewHistory(c.Now)
	beat := func(after time.Duration, s model.HostStats) {
		c.Advance(start.Add(after).Sub(c.Now()))
		h.Add("w1", &s)
	}
	gpu := func(busy float64, used, total uint64) []model.GPUStats {
		return []model.GPUStats{{Name: "a", BusyPercent: busy, MemUsedMB: used, MemTotalMB: total}}
	}
	beat(0, model.HostStats{CPUPercent: 10, MemUsedMB: 1000, MemTotalMB: 4000})
	beat(5*time.Second, model.HostStats{CPUPercent: 30, MemUsedMB: 3000, MemTotalMB: 4000, GPUs: gpu(80, 500, 1000)})
	beat(29*time.Second, model.HostStats{CPUPercent: 50, MemUsedMB: 2000, MemTotalMB: 4000})
	beat(30*time.Second, model.HostStats{CPUPercent: 90, MemUsedMB: 100, MemTotalMB: 4000})
	// Two cards: their mean busy share, their memory summed.
	beat(95*time.Second, model.HostStats{CPUPercent: 0, MemUsedMB: 0, MemTotalMB: 4000,
		GPUs: []model.GPUStats{{BusyPercent: 20, MemUsedMB: 1, MemTotalMB: 10}, {BusyPercent: 40, MemUsedMB: 2, MemTotalMB: 20}}})
	got := h.Since("w1", time.Time{}).Samples
	type want struct {
		at         time.Duration
		beats      int
		cpu, gpu   float64
		mem        uint64
		gpuMem     uint64
		gpuMemTotl uint64
	}
	wants := []want{
		{0, 3, 30, 80, 2000, 500, 1000}, // the GPU's mean is over the heartbeats that read one
		{30 * time.Second, 1, 90, -1, 100, 0, 0},
		{90 * time.Second, 1, 0, 30, 0, 3, 30},
	}
	if len(got) != len(wants) {
		t.Fatalf("got %d samples %+v, want %d", len(got), got, len(wants))
	}
	for i, w := range wants {
		g := got[i]
		if !g.Time.Equal(start.Add(w.at)) || g.Heartbeats != w.beats || g.CPUPercent != w.cpu || gpuOf(g) != w.gpu ||
			g.MemUsedMB != w.mem || g.GPUMemUsedMB != w.gpuMem || g.GPUMemTotalMB != w.gpuMemTotl {
			t.Errorf("sample %d = %+v (gpu %v), want %+v", i, g, gpuOf(g), w)
		}
	}
	if s := h.Since("w1", start.Add(31*time.Second)).Samples; len(s) != 2 || !s[0].Time.Equal(start.Add(30*time.Second)) {
		t.Fatalf("since 10:00:31 gave %+v; want the steps of 10:00:30 and 10:01:30", s)
	}
	if h.Since("nobody", time.Time{}).Samples == nil {
		t.Fatal("a worker without history gives nil samples, want an empty list")
	}
}

// TestHistoryFollowsHeartbeats checks that the stats a worker's heartbeat
// sends reach the history FollowHistory keeps.
func TestHistoryFollowsHeartbeats(t *testing.T) {
	m, _ := openWithClock(t, time.Hour)
	h := FollowHistory(m)
	w := register(t, m, "w1")
	sent := &model.HostStats{CPUPercent: 42, MemUsedMB: 1234, MemTotalMB: 8000, GPUs: []model.GPUStats{{BusyPercent: 77, MemUsedMB: 5, MemTotalMB: 9}}}
	if _, err := m.Heartbeat(w.ID, "", sent); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(h.Since(w.ID, time.Time{}).Samples) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the heartbeat's stats did not reach the history within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	s := h.Since(w.ID, time.Time{}).Samples[0]
	if s.CPUPercent != 42 || s.MemUsedMB != 1234 || s.MemTotalMB != 8000 || gpuOf(s) != 77 || s.GPUMemUsedMB != 5 || s.GPUMemTotalMB != 9 {
		t.Fatalf("history holds %+v; the heartbeat sent %+v", s, sent)
	}
}
