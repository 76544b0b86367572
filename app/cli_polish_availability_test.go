package app

import (
	"errors"
	"strings"
	"testing"
	"time"

	"farmhand/farm/availability"
)

// Availability flags out of bounds are refused naming the flag and the
// bounds; +0h says what +DURATION takes; wake-for-work says on/off; the Now
// line after a change says it is from before it (cli-polish item 7).
func TestAvailabilityFlagBounds(t *testing.T) {
	f := newAPIFarm(t)
	mb := f.signOnWorker(t, "desk")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--idle-minutes", "0.001"}, "--idle-minutes 0.001: give 0 (off) or 1 to 10080 minutes (7 days)"},
		{[]string{"--idle-minutes", "1e9"}, "--idle-minutes 1000000000: give 0 (off) or 1 to 10080 minutes (7 days)"},
		{[]string{"--idle-minutes", "-5"}, "--idle-minutes -5: give 0 (off) or 1 to 10080 minutes"},
		{[]string{"--suspend-after-minutes", "0.5"}, "--suspend-after-minutes 0.5: give 0 (off) or 1 to 10080 minutes"},
		{[]string{"--min-free-mb", "99999999999"}, "--min-free-mb 99999999999: give 0 (off) up to 16777216 MB (16 TiB)"},
		{[]string{"--pause-until", "+0h"}, `"+0h": +DURATION counts from now and must be above 0, e.g. +2h`},
	} {
		_, err := cliRun(t, f, "worker", append([]string{mb.ID, "availability"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("availability %v: %v; want …%s…", c.args, err, c.want)
		}
		if !errors.Is(err, errUsage) {
			t.Errorf("availability %v: not a usage error: %v", c.args, err)
		}
	}
	if _, err := f.m.ReportAvailability(mb.ID, availabilityDecision(), nil, ""); err != nil {
		t.Fatal(err)
	}
	out, err := cliRun(t, f, "worker", mb.ID, "availability", "--idle-minutes", "2", "--wake-for-work")
	if err != nil || !strings.Contains(out, "Wake for work  on") || !strings.Contains(out, "Idle after     2m0s") ||
		!strings.Contains(out, "before this change, which applies within a few seconds") {
		t.Errorf("a change: %v\n%s", err, out)
	}
	out, err = cliRun(t, f, "worker", mb.ID, "availability", "--wake-for-work=false")
	if err != nil || !strings.Contains(out, "Wake for work  off") {
		t.Errorf("wake for work off: %v\n%s", err, out)
	}
	out, err = cliRun(t, f, "worker", mb.ID, "availability")
	if err != nil || strings.Contains(out, "before this change") {
		t.Errorf("no change: %v\n%s", err, out)
	}
	if s := f.m.Settings().Availability[mb.ID]; s.IdleAfter.D() != 2*time.Minute {
		t.Errorf("stored rules: %+v", s)
	}
}

// availabilityDecision is what a worker with no rules reports.
func availabilityDecision() availability.Decision {
	return availability.Decision{Available: true, Rule: "none", Detail: "no rules"}
}

// A worker that reported it cannot read its idle time gets no idle rule: the
// manager's refusal names the flag and says why and what to do instead.
func TestIdleRuleRefusedForAWorkerThatCannotReadIdleTime(t *testing.T) {
	f := newAPIFarm(t)
	mb := f.signOnWorker(t, "render-07")
	if _, err := f.m.ReportAvailability(mb.ID, availabilityDecision(), nil, "no X display (DISPLAY is not set)"); err != nil {
		t.Fatal(err)
	}
	_, err := cliRun(t, f, "worker", mb.ID, "availability", "--idle-minutes", "5")
	want := "--idle-minutes: render-07 cannot tell whether anybody uses it (no X display (DISPLAY is not set)), " +
		"so an idle rule would keep it from ever rendering; give it a schedule instead"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("idle rule: %v\nwant …%s…", err, want)
	}
	if out, err := cliRun(t, f, "worker", mb.ID, "availability", "--schedule", "mon-fri 19:00-08:00"); err != nil {
		t.Errorf("a schedule: %v\n%s", err, out)
	}
}
