// Package availability decides when a workstation may render: while its
// person is away (no keyboard or mouse input for a while), within a weekly
// schedule, or as a manual override says, and what becomes of a running task
// when the person comes back. It is pure: the caller gives the time, the idle
// reading and the load, so that every rule is testable with a fake clock.
// The rules follow what studios know from Deadline's idle detection, OpenCue's
// NIMBY and Flamenco's sleep schedule, combined.
package availability

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Rules are one worker's availability rules, kept in the farm's settings by
// worker id. The zero Rules make a worker always available (a render node).
type Rules struct {
	// IdleAfter: the worker renders only after this long without keyboard or
	// mouse input on this computer; 0 turns idle detection off.
	IdleAfter Duration `json:"idle_after,omitempty"`
	// MaxOtherCPU: the worker renders only while OTHER programs use at most
	// this share (0–1] of all CPU cores; 0 turns the check off.
	MaxOtherCPU float64 `json:"max_other_cpu,omitempty"`
	// MinFreeMemory: the worker renders only while at least this many bytes
	// of memory are available to programs; 0 turns the check off.
	MinFreeMemory uint64 `json:"min_free_memory,omitempty"`
	// Schedule: the weekly times (in the worker's local time) when it may
	// render; empty means any time.
	Schedule Schedule `json:"schedule,omitempty"`
	// Override, while its Until is ahead, beats every other rule.
	Override *Override `json:"override,omitempty"`
	// OnReturn is what happens to a running task once the worker turns
	// unavailable and the grace period has passed: ReturnFinish (the
	// default) lets it end, ReturnStop stops it.
	OnReturn Return `json:"on_return,omitempty"`
	// Grace is how long a running task keeps running after the worker turned
	// unavailable before OnReturn applies; 0 means DefaultGrace.
	Grace Duration `json:"grace,omitempty"`
	// SuspendAfter, when set (opt-in), suspends the computer after this long
	// without a task while nobody uses it.
	SuspendAfter Duration `json:"suspend_after,omitempty"`
	// WakeForWork (opt-in) lets the manager wake this computer with
	// Wake-on-LAN when queued work needs more workers than are awake.
	WakeForWork bool `json:"wake_for_work,omitempty"`
}

// Override is a person's "render now until Until" (Render) or "don't render
// until Until" (!Render).
type Override struct {
	Render bool      `json:"render"`
	Until  time.Time `json:"until"`
}

// Return is what a running task does when its worker turns unavailable.
type Return string

// The choices of Return.
const (
	ReturnFinish Return = "finish"
	ReturnStop   Return = "stop"
)

// DefaultGrace is the grace period when Rules.Grace is 0: a brief touch of
// the mouse must not throw away an hour of rendering.
const DefaultGrace = 60 * time.Second

// Bounds checked by Validate.
const (
	maxDuration = 7 * 24 * time.Hour
	maxGrace    = 24 * time.Hour
)

// MaxFreeMemory is the most MinFreeMemory may ask for, 16 TiB in bytes:
// beyond any worker's memory, so a larger value is a typing mistake that
// would keep the worker from ever rendering.
const MaxFreeMemory uint64 = 16 << 40

// GraceOrDefault returns the grace period in effect.
func (r Rules) GraceOrDefault() time.Duration {
	if r.Grace <= 0 {
		return DefaultGrace
	}
	return r.Grace.D()
}

// ReturnOrDefault returns OnReturn, ReturnFinish when unset.
func (r Rules) ReturnOrDefault() Return {
	if r.OnReturn == "" {
		return ReturnFinish
	}
	return r.OnReturn
}

// IsZero reports whether r has no rule at all (always available).
func (r Rules) IsZero() bool {
	return r.IdleAfter == 0 && r.MaxOtherCPU == 0 && r.MinFreeMemory == 0 && len(r.Schedule) == 0 &&
		r.Override == nil && r.OnReturn == "" && r.Grace == 0 && r.SuspendAfter == 0 && !r.WakeForWork
}

// Validate checks r and returns the first problem as "<json field>: <rule>",
// so that an API's 400 names the field.
func (r Rules) Validate() error {
	switch {
	case r.IdleAfter < 0 || r.IdleAfter.D() > maxDuration:
		return fmt.Errorf("idle_after: must be 0 (off) up to %s, not %s", maxDuration, r.IdleAfter)
	case r.MinFreeMemory > MaxFreeMemory:
		return fmt.Errorf("min_free_memory: must be 0 (off) up to %d bytes (16 TiB), not %d", MaxFreeMemory, r.MinFreeMemory)
	case !(r.MaxOtherCPU >= 0 && r.MaxOtherCPU <= 1): // so that NaN is refused too
		return fmt.Errorf("max_other_cpu: must be a share from 0 (off) to 1, not %v", r.MaxOtherCPU)
	case r.OnReturn != "" && r.OnReturn != ReturnFinish && r.OnReturn != ReturnStop:
		return fmt.Errorf("on_return: must be %q or %q, not %q", ReturnFinish, ReturnStop, r.OnReturn)
	case r.Grace < 0 || r.Grace.D() > maxGrace:
		return fmt.Errorf("grace: must be 0 (the default %s) up to %s, not %s", DefaultGrace, maxGrace, r.Grace)
	case r.SuspendAfter < 0 || r.SuspendAfter.D() > maxDuration:
		return fmt.Errorf("suspend_after: must be 0 (off) up to %s, not %s", maxDuration, r.SuspendAfter)
	case r.SuspendAfter > 0 && r.SuspendAfter.D() < time.Minute:
		return fmt.Errorf("suspend_after: at least 1m0s, so that a computer is not put to sleep between two tasks, not %s", r.SuspendAfter)
	case r.Override != nil && r.Override.Until.IsZero():
		return errors.New("override: needs the time it lasts until")
	}
	return nil
}

// Clone returns a copy of r that shares nothing with it.
func (r Rules) Clone() Rules {
	c := r
	c.Schedule = append(Schedule(nil), r.Schedule...)
	if r.Override != nil {
		o := *r.Override
		c.Override = &o
	}
	return c
}

// Duration is a time.Duration written in JSON as Go's duration text ("1m0s")
// and read from such text ("90s", "15m"), as the farm's settings write theirs.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as text, e.g. "1m0s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads text such as "90s" or "15m"; anything else is an error
// saying the form.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is text such as \"90s\" or \"15m\", not %s", b)
	}
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a duration: use forms like 90s, 15m or 2h30m", s)
	}
	*d = Duration(v)
	return nil
}
