package jobtype

import (
	"fmt"
	"math"
	"slices"
)

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
