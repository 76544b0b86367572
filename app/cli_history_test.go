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
	printHistory(&out, h, now, 24*time.Hour, 0)
	lines := strings.Split(out.String(), "\n")
	want := []string{
		"CPU  ▁" + strings.Repeat(" ", 46) + "█",
		"MEM  ▂" + strings.Repeat(" ", 46) + "█",
		"GPU  " + strings.Repeat(" ", 47) + "▇",
	}
	for i, w := range want {
		if len(lines) < i+3 || lines[i+2] != w {
			t.Errorf("line %d = %q, want %q\n%s", i+2, lines[min(i+2, len(lines)-1)], w, out.String())
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
	printHistory(&out, h, now, 24*time.Hour, 0)
	if !strings.Contains(out.String(), "GPU  (not readable on this worker)") {
		t.Errorf("no GPU read:\n%s", out.String())
	}
	h.Samples = nil
	out.Reset()
	printHistory(&out, h, now, time.Hour, 0)
	if !strings.Contains(out.String(), "No host history for worker w1, "+now.Add(-time.Hour).Local().Format("Mon Jan 2 15:04")) {
		t.Errorf("no samples:\n%s", out.String())
	}
}

// Fresh-eyes try: the header named no end date, and 'history 9999h' showed
// 24 h without a word. The header says the span, start and end with their
// dates in local time, and that a longer span asked for was cut.
func TestHistoryHeaderSaysSpanAndCap(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	h := &model.HostHistory{WorkerID: "w1", StepSeconds: 30, Samples: []model.HostSample{{Time: now.Add(-time.Minute), CPUPercent: 5}}}
	start, end := now.Add(-24*time.Hour).Local(), now.Local()
	span := start.Format("Mon Jan 2 15:04") + " – " + end.Format("Mon Jan 2 15:04") + " " + end.Format("MST")
	var out bytes.Buffer
	printHistory(&out, h, now, 24*time.Hour, 9999*time.Hour)
	want := "Worker w1, " + span + "; 9999h was asked, but the manager keeps the last 24h only\n"
	if !strings.HasPrefix(out.String(), want) {
		t.Errorf("header:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	printHistory(&out, h, now, 2*time.Hour, 2*time.Hour)
	if first, _, _ := strings.Cut(out.String(), "\n"); strings.Contains(first, "asked") ||
		!strings.Contains(first, now.Add(-2*time.Hour).Local().Format("Mon Jan 2 15:04")+" – "+end.Format("Mon Jan 2 15:04")) {
		t.Errorf("a span within what is kept: %q", first)
	}
	h.Samples = nil
	out.Reset()
	printHistory(&out, h, now, 24*time.Hour, 48*time.Hour)
	if !strings.Contains(out.String(), "48h was asked, but the manager keeps the last 24h only") {
		t.Errorf("no samples, span cut: %s", out.String())
	}
}

// 'worker ID history --last 9999h' is taken as SINCE is, and says it was cut.
func TestWorkerHistoryLastFlag(t *testing.T) {
	f := newAPIFarm(t)
	mb := f.signOnWorker(t, "desk")
	e, out := backupEnv()
	if err := commands["worker"].run(e, append([]string{mb.ID, "history", "--last", "9999h"}, f.flags(t)...)); err != nil ||
		!strings.Contains(out.String(), "9999h was asked, but the manager keeps the last 24h only") {
		t.Errorf("history --last 9999h: %v\n%s", err, out)
	}
	e, _ = backupEnv()
	if err := commands["worker"].run(e, append([]string{mb.ID, "history", "2h", "--last", "3h"}, f.flags(t)...)); err == nil {
		t.Error("SINCE and --last together are taken")
	}
}
