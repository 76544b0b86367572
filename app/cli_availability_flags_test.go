package app

import (
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"farmhand/farm/availability"
)

// Fresh-eyes try: 'worker ID availability --idle-minutes -5' answered
// "idle_after: …", a name the command line does not have. Its messages name
// its flags, minute flags in minutes.
func TestAvailabilityErrorsNameFlags(t *testing.T) {
	for _, c := range []struct {
		r    availability.Rules
		want string
	}{
		{availability.Rules{IdleAfter: availability.Duration(-5 * time.Minute)}, "--idle-minutes: must be 0 (off) up to 10080 minutes, not -5"},
		{availability.Rules{SuspendAfter: availability.Duration(30 * time.Second)},
			"--suspend-after-minutes: at least 1 minutes, so that a computer is not put to sleep between two tasks, not 0.5"},
		{availability.Rules{MaxOtherCPU: 2}, "--max-other-cpu: must be a share from 0 (off) to 1, not 2"},
		{availability.Rules{OnReturn: "later"}, `--on-return: must be "finish" or "stop", not "later"`},
		{availability.Rules{Grace: availability.Duration(48 * time.Hour)}, "--grace: must be 0 (the default 1m0s) up to 24h0m0s, not 48h0m0s"},
	} {
		err := checkRules(c.r)
		if !errors.Is(err, errUsage) || !strings.HasSuffix(err.Error(), c.want) {
			t.Errorf("%+v: %v\nwant …%s", c.r, err, c.want)
		}
		for _, field := range []string{"idle_after", "suspend_after", "max_other_cpu", "on_return"} {
			if err != nil && strings.Contains(err.Error(), field) {
				t.Errorf("%v names the API's %s", err, field)
			}
		}
	}
	if err := checkRules(availability.Rules{IdleAfter: availability.Duration(10 * time.Minute)}); err != nil {
		t.Errorf("good rules refused: %v", err)
	}
	// The manager's 400, as the API words it, reads the same.
	if got := flagNamed("manager answered 400 Bad Request: invalid availability: idle_after: must be 0 (off) up to 168h0m0s, not 169h0m0s",
		availability.Rules{IdleAfter: availability.Duration(169 * time.Hour)}); !strings.HasSuffix(got, "--idle-minutes: must be 0 (off) up to 10080 minutes, not 10140") {
		t.Errorf("the manager's answer: %s", got)
	}
	// The flag package reads NaN, which the rules' range check let through
	// to an encoding error (fresh-eyes try: "json: unsupported value: NaN").
	fs := &flagSet{flag.NewFlagSet("availability", flag.ContinueOnError)}
	af0 := addAvailabilityFlags(fs)
	if err := fs.Parse([]string{"--max-other-cpu", "NaN"}); err != nil {
		t.Fatal(err)
	}
	if err := af0.apply(&availability.Rules{}, map[string]bool{"max-other-cpu": true}, time.Now()); !errors.Is(err, errUsage) ||
		!strings.Contains(err.Error(), "--max-other-cpu: must be a share from 0 (off) to 1, not NaN") {
		t.Errorf("--max-other-cpu NaN: %v", err)
	}
	huge := 1e12
	af := &availabilityFlags{idleMinutes: &huge, suspendMinutes: new(float64)}
	if err := af.checkMinuteFlags(map[string]bool{"idle-minutes": true}); err == nil || !strings.Contains(err.Error(), "--idle-minutes 1000000000000: give 0 (off) or 1 to 10080 minutes (7 days)") {
		t.Errorf("an overflowing --idle-minutes: %v", err)
	}
}
