package manager

import (
	"errors"
	"testing"
	"time"

	"farmhand/farm/availability"
)

func TestWorkerAvailabilityRules(t *testing.T) {
	m := openManager(t)
	w := register(t, m, "desk")
	other := register(t, m, "other")
	if r, err := m.WorkerAvailability(w.ID); err != nil || !r.IsZero() {
		t.Fatalf("a new worker's rules: %+v, %v", r, err)
	}
	sched, _ := availability.ParseSchedule("mon-fri 19:00-08:00")
	rules := availability.Rules{IdleAfter: availability.Duration(10 * time.Minute), Schedule: sched, OnReturn: availability.ReturnStop}

	if _, err := m.SetWorkerAvailabilityBy(Actor{MemberID: other.ID}, w.ID, rules); !errors.Is(err, ErrForbidden) {
		t.Errorf("another worker's member changed the rules: %v", err)
	}
	if _, err := m.SetWorkerAvailabilityBy(Actor{MemberID: w.ID}, w.ID, rules); err != nil {
		t.Fatalf("the worker's own member: %v", err)
	}
	if got, _ := m.WorkerAvailability(w.ID); got.Schedule.String() != "mon-fri 19:00-08:00" || got.ReturnOrDefault() != availability.ReturnStop {
		t.Errorf("kept %+v", got)
	}
	if _, err := m.SetWorkerAvailabilityBy(AsAdmin, w.ID, availability.Rules{OnReturn: "later"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid rules: %v", err)
	}
	if _, err := m.SetWorkerAvailabilityBy(AsAdmin, "nobody", rules); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown worker: %v", err)
	}
	entries, _, err := m.Audit(10, "")
	if err != nil || len(entries) == 0 || entries[0].Action != "worker.availability" || entries[0].TargetID != w.ID {
		t.Errorf("audit log: %+v, %v", entries, err)
	}

	// The worker reports what the rules say, and learns them back.
	d := availability.Decision{Available: false, Rule: availability.RuleSchedule, Until: time.Date(2026, 12, 2, 19, 0, 0, 0, time.UTC)}
	got, err := m.ReportAvailability(w.ID, d, []string{"aa:bb:cc:dd:ee:ff"}, "")
	if err != nil || got.IdleAfter != rules.IdleAfter {
		t.Fatalf("report answered %+v, %v", got, err)
	}
	stored, _ := m.Worker(w.ID)
	if stored.Availability == nil || stored.Availability.Rule != availability.RuleSchedule || !stored.Availability.Until.Equal(d.Until) ||
		len(stored.MACs) != 1 || stored.MACs[0] != "aa:bb:cc:dd:ee:ff" {
		t.Errorf("the worker record: %+v, MACs %v", stored.Availability, stored.MACs)
	}

	// Admins clear them: always available again.
	if _, err := m.SetWorkerAvailabilityBy(AsAdmin, w.ID, availability.Rules{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Settings().Availability[w.ID]; ok {
		t.Error("cleared rules are still kept")
	}
}
