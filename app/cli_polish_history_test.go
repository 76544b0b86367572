package app

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
)

// A span shorter than a sample is refused; one of a few samples draws as
// many columns as there can be samples, says "1 sample", and a value read
// outside the span is a gap, not "not readable" (cli-polish item 3: 'history
// 10s' said CPU was not readable beside a row of values, "each column
// 208.333333ms", "1 samples").
func TestHistoryShortSpans(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	h := &model.HostHistory{WorkerID: "w1", StepSeconds: 30, Samples: []model.HostSample{
		{Time: now.Add(-45 * time.Second), CPUPercent: 50, MemUsedMB: 1, MemTotalMB: 2}}}
	var out bytes.Buffer
	printHistory(&out, h, now, 30*time.Second, 30*time.Second)
	text := out.String()
	if !strings.Contains(text, "(1 sample of 30 s; each column 30s)") || !strings.Contains(text, "CPU   \n") ||
		!strings.Contains(text, "GPU  (not readable on this worker)") || strings.Contains(text, "CPU  (not readable") {
		t.Errorf("30s of history:\n%s", text)
	}
	out.Reset()
	printHistory(&out, h, now, 10*time.Minute, 10*time.Minute)
	if !strings.Contains(out.String(), "each column 30s)") || !strings.Contains(out.String(), "CPU  "+strings.Repeat(" ", 18)+"▅"+strings.Repeat(" ", 1)+"\n") {
		t.Errorf("10m of history, 20 columns of 30 s:\n%s", out.String())
	}
	if got := columnsFor(24*time.Hour, 30*time.Second); got != historyColumns {
		t.Errorf("24h: %d columns", got)
	}

	f := newAPIFarm(t)
	mb := f.signOnWorker(t, "desk")
	_, err := cliRun(t, f, "worker", mb.ID, "history", "10s")
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), `history "10s" is shorter than the 30s between two samples the manager keeps: give 30s or more`) {
		t.Errorf("history 10s: %v", err)
	}
	if out, err := cliRun(t, f, "worker", mb.ID, "history", "30s"); err != nil {
		t.Errorf("history 30s: %v\n%s", err, out)
	}
}
