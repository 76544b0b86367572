package jobtype

import (
	"strings"
	"testing"
	"time"
)

func TestMaxTaskDuration(t *testing.T) {
	for v, want := range map[any]time.Duration{
		"2h30m": 150 * time.Minute,
		" 90s ": 90 * time.Second,
		"5400":  90 * time.Minute,
		"0.5":   500 * time.Millisecond,
		"1.5h":  90 * time.Minute,
		5400.0:  90 * time.Minute,
		60:      time.Minute,
		"":      0,
		"  ":    0,
	} {
		got, err := MaxTaskDuration(map[string]any{MaxTaskDurationKey: v})
		if err != nil || got != want {
			t.Errorf("MaxTaskDuration(%#v) = %v, %v; want %v", v, got, err, want)
		}
	}
	if d, err := MaxTaskDuration(map[string]any{}); d != 0 || err != nil {
		t.Errorf("absent: %v, %v", d, err)
	}
	if d, err := MaxTaskDuration(map[string]any{MaxTaskDurationKey: nil}); d != 0 || err != nil {
		t.Errorf("null: %v, %v", d, err)
	}
	for v, says := range map[any]string{
		"two hours": "not a duration",
		"2 h":       "not a duration",
		"0":         "more than zero",
		"0s":        "more than zero",
		"-1h":       "more than zero",
		-5.0:        "more than zero",
		"1e300":     "too long",
		"NaN":       "more than zero",
		"-Inf":      "more than zero",
		"Inf":       "too long",
		true:        "a bool",
		"3000000h":  "not a duration", // beyond time.Duration
	} {
		_, err := MaxTaskDuration(map[string]any{MaxTaskDurationKey: v})
		if err == nil || !strings.Contains(err.Error(), says) || !strings.Contains(err.Error(), `setting "max_task_duration"`) ||
			!strings.Contains(err.Error(), "leave it empty for no limit") {
			t.Errorf("MaxTaskDuration(%#v) = %v, want an error saying %q", v, err, says)
		}
	}
}
