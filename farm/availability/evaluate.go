package availability

import (
	"fmt"
	"time"
)

// Idle is a reading of how long this computer's person has not touched
// keyboard or mouse. Known is false where no idle source works (a computer
// without a display, an SSH session): idle rules are then reported as not
// readable, never guessed.
type Idle struct {
	Known bool
	Idle  time.Duration
	// Source names where the reading came from ("x11", "windows", "macos")
	// or, when not Known, why there is none.
	Source string
}

// Load is the computer's load from programs other than this worker and its
// tasks. Known is false when it could not be read; then the load rules do
// not hold the worker back.
type Load struct {
	Known bool
	// OtherCPU is the share (0–1) of all cores other programs use.
	OtherCPU float64
	// FreeMemory is the memory available to programs, in bytes.
	FreeMemory uint64
}

// The rules a Decision names.
const (
	RuleAlways      = "always"       // no rule restricts the worker
	RuleRenderNow   = "render-now"   // "render now until…"
	RulePaused      = "paused-until" // "don't render until…"
	RuleSchedule    = "schedule"     // the weekly schedule
	RuleIdle        = "idle"         // the person is away
	RulePresent     = "present"      // the person uses the computer
	RuleIdleUnknown = "idle-unknown" // idle rules set, but idle time unreadable here
	RuleBusy        = "busy"         // other programs use the CPU
	RuleMemory      = "low-memory"   // too little free memory
)

// Decision is whether a worker may take work now, by which rule, and until
// when that holds (zero when not known: the person may come back any time).
type Decision struct {
	Available bool      `json:"available"`
	Rule      string    `json:"rule"`
	Until     time.Time `json:"until,omitzero"`
	// Detail says the same in words, for the tray and the workers view.
	Detail string `json:"detail,omitempty"`
}

// Evaluate applies r at now (a time in the worker's own location: the
// schedule is read in now.Location()). The rules apply in this order: an
// override ahead of now; the schedule; idle detection; other programs' CPU
// load; free memory. The first that holds the worker back decides; when none
// does, the most changeable one that lets it render is named.
func (r Rules) Evaluate(now time.Time, idle Idle, load Load) Decision {
	if o := r.Override; o != nil && now.Before(o.Until) {
		if o.Render {
			return Decision{true, RuleRenderNow, o.Until, "rendering now, as asked, until " + when(now, o.Until)}
		}
		return Decision{false, RulePaused, o.Until, "not rendering, as asked, until " + when(now, o.Until)}
	}
	var schedUntil time.Time
	if len(r.Schedule) > 0 {
		in, until := r.Schedule.At(now)
		if !in {
			return Decision{false, RuleSchedule, until, "outside the schedule" + untilText(now, until, "")}
		}
		schedUntil = until
	}
	if r.IdleAfter > 0 {
		if !idle.Known {
			return Decision{false, RuleIdleUnknown, time.Time{}, "idle time cannot be read here (" + idle.Source + "): idle rules cannot hold"}
		}
		if idle.Idle < r.IdleAfter.D() {
			until := now.Add(r.IdleAfter.D() - idle.Idle)
			return Decision{false, RulePresent, until, "in use: renders after " + r.IdleAfter.String() +
				" without input" + untilText(now, until, " at the earliest")}
		}
	}
	if load.Known && r.MaxOtherCPU > 0 && load.OtherCPU > r.MaxOtherCPU {
		return Decision{false, RuleBusy, time.Time{}, fmt.Sprintf("other programs use %.0f%% of the CPU (at most %.0f%%)", load.OtherCPU*100, r.MaxOtherCPU*100)}
	}
	if load.Known && r.MinFreeMemory > 0 && load.FreeMemory < r.MinFreeMemory {
		return Decision{false, RuleMemory, time.Time{}, fmt.Sprintf("%d MB free (at least %d MB)", load.FreeMemory>>20, r.MinFreeMemory>>20)}
	}
	switch {
	case r.IdleAfter > 0:
		return Decision{true, RuleIdle, schedUntil, "away from the computer" + untilText(now, schedUntil, " at the latest")}
	case len(r.Schedule) > 0:
		return Decision{true, RuleSchedule, schedUntil, "within the schedule" + untilText(now, schedUntil, "")}
	}
	return Decision{true, RuleAlways, time.Time{}, "always available"}
}

func untilText(now, until time.Time, suffix string) string {
	if until.IsZero() {
		return ""
	}
	return " until " + when(now, until) + suffix
}

// when writes t for a person: the time of day when it is within a day of
// now, else the weekday and time.
func when(now, t time.Time) string {
	t = t.In(now.Location())
	if t.Sub(now) < 20*time.Hour {
		return t.Format("15:04")
	}
	return t.Format("Mon 15:04")
}

// Step is what a worker does now: take work or not, and whether to stop its
// running task.
type Step struct {
	Decision
	// StopTask: stop the running task now (the grace period is over and the
	// rules say stop).
	StopTask bool
	// GraceUntil, while the worker is unavailable and within its grace
	// period, is when the grace period ends.
	GraceUntil time.Time
}

// Gate applies the grace period on top of Evaluate: it remembers since when
// the worker has been unavailable. The zero Gate is ready; it is not safe
// for concurrent use.
type Gate struct {
	since time.Time // when the worker turned unavailable; zero while available
}

// Step evaluates r at now and says what to do. A running task keeps running
// for the grace period after the worker turned unavailable; after it, with
// ReturnStop, the task is stopped, unless the person merely touched the
// computer: when the only reason is RulePresent and there was no input in
// the second half of the grace period, the touch is forgiven until the next
// input.
func (g *Gate) Step(r Rules, now time.Time, idle Idle, load Load) Step {
	d := r.Evaluate(now, idle, load)
	if d.Available {
		g.since = time.Time{}
		return Step{Decision: d}
	}
	if g.since.IsZero() {
		g.since = now
	}
	grace := r.GraceOrDefault()
	end := g.since.Add(grace)
	if now.Before(end) {
		return Step{Decision: d, GraceUntil: end}
	}
	if r.ReturnOrDefault() != ReturnStop {
		return Step{Decision: d}
	}
	touched := d.Rule == RulePresent && idle.Idle >= grace/2
	return Step{Decision: d, StopTask: !touched}
}
