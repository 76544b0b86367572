package app

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// durationForm is a duration as Go's time.ParseDuration writes it, whatever
// its size: "90s", "2h30m", "1.5h". Text of this form that time cannot read
// is too large, not malformed.
var durationForm = regexp.MustCompile(`^([0-9]*\.?[0-9]+(ns|us|µs|ms|s|m|h))+$`)

// Ceilings of the duration settings, as model.Settings.Validate has them:
// a year for timeouts, ten for keeping offline workers.
const (
	yearOfHours   = 365 * 24 * time.Hour
	decadeOfHours = 10 * yearOfHours
)

// duration takes a duration setting for key as people type it ("90s",
// "15m", "2h30m", "0" where the setting takes 0), refusing one below floor
// (0: no floor of the command line's own; the manager checks its bounds)
// or above ceiling. The error names key and what it takes: days are written
// in hours, and a duration too long says the ceiling rather than "not a
// duration".
func duration(key string, floor, ceiling time.Duration, dst func(*wire.ConfigUpdate) **string) func(*wire.ConfigUpdate, string) error {
	return func(u *wire.ConfigUpdate, v string) error {
		t := strings.TrimSpace(v)
		d, err := time.ParseDuration(t)
		switch {
		case (err != nil && durationForm.MatchString(t)) || (err == nil && d > ceiling):
			return fmt.Errorf("%s: %q is too long: at most %s (%d days)", key, v, hours(ceiling), ceiling/(24*time.Hour))
		case err != nil && strings.ContainsAny(t, "dDwWyY"):
			return fmt.Errorf("%s: %q is not a duration: write days in hours (2 days is 48h); use forms like 90s, 15m or 2h30m", key, v)
		case err != nil:
			return fmt.Errorf("%s: %q is not a duration: use forms like 90s, 15m or 2h30m", key, v)
		case d < 0:
			return fmt.Errorf("%s: %q is negative: give a duration such as 15m", key, v)
		case d < floor:
			return fmt.Errorf("%s: %q is too short: at least %s (%s)", key, v, floor, floorWhy(key))
		}
		s := model.Duration(d).String()
		*dst(u) = &s
		return nil
	}
}

// floorWhy says why key has a floor; the manager applies the same one to
// any change (model.SettingsPatch.CheckChange), this only says it sooner.
func floorWhy(key string) string {
	if key == "task-timeout" {
		return "a worker reports on its running task every second, and a busy manager or network may hold reports back " +
			"for seconds: a shorter timeout would fail tasks that are running well"
	}
	return "shorter is not safe"
}

// hours writes d in whole hours, as a person types a long duration: "8760h".
func hours(d time.Duration) string { return fmt.Sprintf("%dh", d/time.Hour) }
