package app

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/availability"
)

// The availability rules' checks (availability.Rules.Validate, and the
// manager's 400 that repeats them) name the API's fields, idle_after say;
// the command line names its flags instead, and gives values in the flag's
// own unit where the two differ (minutes rather than durations).

// availabilityFlagOf maps a rule's JSON field to the flag that sets it.
var availabilityFlagOf = []struct{ field, flag string }{
	{"idle_after", "--idle-minutes"},
	{"suspend_after", "--suspend-after-minutes"},
	{"max_other_cpu", "--max-other-cpu"},
	{"min_free_memory", "--min-free-mb"},
	{"on_return", "--on-return"},
	{"grace", "--grace"},
	{"override", "--render-now-until or --pause-until"},
	{"schedule", "--schedule"},
	{"wake_for_work", "--wake-for-work"},
}

// Bounds of the minute flags: up to 7 days (10080 minutes), as
// availability.Rules.Validate has it, and whole minutes from 1, tighter than
// Validate (which takes seconds, for tests): a rule shorter than a minute
// would start and stop rendering between two reports of the worker.
const (
	maxFlagMinutes = 7 * 24 * 60
	minFlagMinutes = 1
	// maxFreeMB is availability's MaxFreeMemory (16 TiB) in MB.
	maxFreeMB = availability.MaxFreeMemory >> 20
)

// checkMinuteFlags refuses a minute flag outside 0 (off) or 1 to 10080
// minutes, and a --min-free-mb above 16 TiB, naming the flag.
func (af *availabilityFlags) checkMinuteFlags(set map[string]bool) error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"idle-minutes", *af.idleMinutes}, {"suspend-after-minutes", *af.suspendMinutes}} {
		if set[f.name] && f.v != 0 && (math.IsNaN(f.v) || f.v < minFlagMinutes || f.v > maxFlagMinutes) {
			return fmt.Errorf("%w: --%s %s: give 0 (off) or %d to %d minutes (7 days)", errUsage, f.name,
				trimFloat(f.v), minFlagMinutes, maxFlagMinutes)
		}
	}
	if set["min-free-mb"] && *af.minFreeMB > maxFreeMB {
		return fmt.Errorf("%w: --min-free-mb %d: give 0 (off) up to %d MB (16 TiB)", errUsage, *af.minFreeMB, maxFreeMB)
	}
	return nil
}

// checkRules checks r as the manager will, and returns its problem naming
// the flag that set it (flagNamed), as errUsage.
func checkRules(r availability.Rules) error {
	if err := r.Validate(); err != nil {
		return fmt.Errorf("%w: %s", errUsage, flagNamed(err.Error(), r))
	}
	return nil
}

// flagNamed rewrites a message that starts by (or holds, after the API's
// "invalid …: ") a rule's JSON field to name the flag instead; minute
// flags' durations are said in minutes, as the flags take them.
func flagNamed(msg string, r availability.Rules) string {
	for _, f := range availabilityFlagOf {
		i := strings.Index(msg, f.field+": ")
		if i < 0 || (i > 0 && msg[i-1] != ' ') {
			continue
		}
		rest := msg[i+len(f.field)+2:]
		switch f.field {
		case "idle_after":
			rest = minutesRule(rest, r.IdleAfter)
		case "suspend_after":
			rest = minutesRule(rest, r.SuspendAfter)
		}
		return msg[:i] + f.flag + ": " + rest
	}
	return msg
}

// minutesRule turns "must be 0 (off) up to 168h0m0s, not -5m0s" into
// "must be 0 (off) up to 10080 minutes, not -5": each duration the rule
// text names, in minutes.
func minutesRule(rest string, got availability.Duration) string {
	words := strings.Fields(rest)
	for i, w := range words {
		trail := strings.TrimLeft(w, "0123456789hmsµn.-")
		d, err := time.ParseDuration(strings.TrimSuffix(w, trail))
		if err != nil || !strings.ContainsAny(w, "hms") {
			continue
		}
		unit := " minutes"
		if d == got.D() && i == len(words)-1 {
			unit = "" // the value given, as it was typed
		}
		words[i] = fmt.Sprintf("%s%s%s", trimFloat(d.Minutes()), unit, trail)
	}
	return strings.Join(words, " ")
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// flagNamedError is err with its message naming flags (flagNamed), for the
// manager's refusals of a change the local check let through.
func flagNamedError(err error, r availability.Rules) error {
	if client.StatusOf(err) != 400 {
		return err
	}
	return fmt.Errorf("the manager refused the rules: %s", flagNamed(err.Error(), r))
}
