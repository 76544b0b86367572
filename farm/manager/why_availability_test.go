package manager

import (
	"strings"
	"testing"
	"time"

	"farmhand/farm/availability"
	"farmhand/internal/farmtest"
)

// TestWhySaysAWorkerIsUnavailable: a workstation held back by its
// availability rules is named as such by task why, not as one that would
// run the task (found by a fresh-eyes try).
func TestWhySaysAWorkerIsUnavailable(t *testing.T) {
	m := openManager(t)
	j, err := m.Submit(Submission{Name: "echo", Type: "echo-sleep-test", Settings: map[string]any{"frames": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	desk := register(t, m, "desk")
	d := availability.Decision{Available: false, Rule: "schedule", Until: time.Now().Add(5 * time.Hour),
		Detail: "outside the schedule until 09:00"}
	farmtest.Must(m.ReportAvailability(desk.ID, d, nil, ""))(t)

	r := farmtest.Must(m.Why(j.ID + ".0"))(t)
	if len(r.Workers) != 1 || r.Workers[0].WouldRun {
		t.Fatalf("verdicts %+v: the unavailable desk would run it", r.Workers)
	}
	got := r.Workers[0].Reasons
	if len(got) != 1 || got[0].Code != WhyUnavailable || !strings.Contains(got[0].Message, "outside the schedule until 09:00") {
		t.Errorf("reasons %+v", got)
	}
}
