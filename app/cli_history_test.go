package app

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
)

func TestPrintHistory(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	gpu := 80.0
	h := &model.HostHistory{WorkerID: "w1", StepSeconds: 30, Samples: []model.HostSample{
		// First column (12:00-24h … +30 min): idle; last column: busy, with a GPU.
		{Time: now.Add(-24 * time.Hour), CPUPercent: 0, MemUsedMB: 1024, MemTotalMB: 8192, Heartbeats: 3},
		{Time: now.Add(-time.Minute), CPUPercent: 100, MemUsedMB: 8192, MemTotalMB: 8192, Heartbeats: 3,
			GPUPercent: &gpu, GPUMemUsedMB: 2048, GPUMemTotalMB: 4096},
	}}
	var out bytes.Buffer
	printHistory(&out, h, now, 24*time.Hour)
	lines := strings.Split(out.String(), "\n")
	want := []string{
		"CPU  ▁" + strings.Repeat(" ", 46) + "█",
		"MEM  ▂" + strings.Repeat(" ", 46) + "█",
		"GPU  " + strings.Repeat(" ", 47) + "▇",
	}
	for i, w := range want {
		if len(lines) < i+2 || lines[i+1] != w {
			t.Errorf("line %d = %q, want %q\n%s", i+1, lines[min(i+1, len(lines)-1)], w, out.String())
		}
	}
	last := now.Add(-time.Minute).Local().Format("15:04:05")
	if !strings.Contains(out.String(), last) || !strings.Contains(out.String(), "80%") ||
		!strings.Contains(out.String(), "8.0 / 8.0 GB") || !strings.Contains(out.String(), "2.0 / 4.0 GB") {
		t.Errorf("the table lacks the newest sample (%s, 80%% GPU, 8.0 / 8.0 GB, 2.0 / 4.0 GB):\n%s", last, out.String())
	}

	// A worker that read no GPU says so instead of drawing zeros.
	h.Samples = h.Samples[:1]
	out.Reset()
	printHistory(&out, h, now, 24*time.Hour)
	if !strings.Contains(out.String(), "GPU  (not readable on this worker)") {
		t.Errorf("no GPU read:\n%s", out.String())
	}
	h.Samples = nil
	out.Reset()
	printHistory(&out, h, now, time.Hour)
	if !strings.Contains(out.String(), "No host history for worker w1 in the last 1h0m0s") {
		t.Errorf("no samples:\n%s", out.String())
	}
}
