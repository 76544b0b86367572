package jobtype

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxTaskDurationKey is the job setting the manager reads as a hard limit on
// how long one task of the job may run, whatever its worker reports. The
// built-in job types declare it; any job type may.
const MaxTaskDurationKey = "max_task_duration"

// MaxTaskDuration reads the max_task_duration setting of a job's settings: a
// Go duration ("2h30m", "90s", as time.ParseDuration reads it), a number of
// seconds written as text ("5400", "0.5") or a number of seconds (5400, as
// JSON or a float-typed setting gives it). Absent, null or "" (blank) gives 0:
// no limit. A limit of zero or less, one too long for a time.Duration, or
// anything else is an error that names the setting and the value; Compile
// refuses such a job with ErrInvalid, so the manager can trust what it stored.
func MaxTaskDuration(settings map[string]any) (time.Duration, error) {
	v, ok := settings[MaxTaskDurationKey]
	if !ok || v == nil {
		return 0, nil
	}
	bad := func(why string) error {
		return fmt.Errorf("setting %q is %v: %s; write a duration like 2h30m or 90s, or a number of seconds, "+
			"or leave it empty for no limit", MaxTaskDurationKey, v, why)
	}
	var d time.Duration
	if text, isText := v.(string); isText {
		text = strings.TrimSpace(text)
		if text == "" {
			return 0, nil
		}
		secs, err := strconv.ParseFloat(text, 64)
		if err != nil {
			if d, err = time.ParseDuration(text); err != nil {
				return 0, bad("not a duration")
			}
		} else {
			v = secs
		}
	}
	if secs, isNumber := number(v); isNumber {
		switch {
		case math.IsNaN(secs) || math.IsInf(secs, -1) || secs <= 0:
			return 0, bad("a limit must be more than zero")
		case secs > float64(math.MaxInt64)/float64(time.Second):
			return 0, bad("too long")
		}
		d = time.Duration(secs * float64(time.Second))
	} else if _, isText := v.(string); !isText {
		return 0, bad(fmt.Sprintf("a %T", v))
	}
	if d <= 0 {
		return 0, bad("a limit must be more than zero")
	}
	return d, nil
}

// check validates settings against the declaration and fills in defaults. JSON
// numbers arrive as float64; int32 settings are normalised to int. Settings the
// declaration does not name pass through untouched, as in Flamenco.
func (jt *JobType) check(settings map[string]any) error {
	for _, s := range jt.Settings {
		v, present := settings[s.Key]
		if !present || v == nil {
			if s.Default != nil {
				v = s.Default
			} else if s.Required {
				return fmt.Errorf("setting %q is required", s.Key)
			} else {
				continue
			}
		}
		norm, err := coerce(s, v)
		if err != nil {
			return err
		}
		settings[s.Key] = norm
	}
	return nil
}

func coerce(s Setting, v any) (any, error) {
	wrong := func() error { return fmt.Errorf("setting %q must be a %s, not %T (%v)", s.Key, s.Type, v, v) }
	switch s.Type {
	case TypeString:
		str, ok := v.(string)
		if !ok {
			return nil, wrong()
		}
		if len(s.Choices) > 0 && !slices.Contains(s.Choices, str) {
			return nil, fmt.Errorf("setting %q is %q; choose one of %v", s.Key, str, s.Choices)
		}
		return str, nil
	case TypeInt32:
		f, ok := number(v)
		if !ok {
			return nil, wrong()
		}
		if f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
			return nil, fmt.Errorf("setting %q must be a whole number within 32 bits, not %v", s.Key, v)
		}
		return int(f), nil
	case TypeFloat:
		f, ok := number(v)
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, wrong()
		}
		return f, nil
	case TypeBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, wrong()
	}
	return nil, fmt.Errorf("setting %q has unknown type %q", s.Key, s.Type)
}

// number accepts what JSON decoding and Go callers produce.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// checkDeclaration catches mistakes in a script's JOB_TYPE.settings when the
// script loads, so that the script's author sees them rather than a submitter.
func checkDeclaration(settings []Setting) error {
	seen := map[string]bool{}
	for i, s := range settings {
		if s.Key == "" {
			return fmt.Errorf("setting #%d has no key", i+1)
		}
		if seen[s.Key] {
			return fmt.Errorf("setting %q is declared twice", s.Key)
		}
		seen[s.Key] = true
		if !slices.Contains([]string{TypeString, TypeInt32, TypeFloat, TypeBool}, s.Type) {
			return fmt.Errorf("setting %q has type %q; use string, int32, float or bool", s.Key, s.Type)
		}
		if len(s.Choices) > 0 && s.Type != TypeString {
			return fmt.Errorf("setting %q has choices but is a %s; only string settings have choices", s.Key, s.Type)
		}
		if s.Default != nil {
			if _, err := coerce(s, s.Default); err != nil {
				return fmt.Errorf("default of %w", err)
			}
		}
	}
	return nil
}
