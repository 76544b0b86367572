package model

import (
	"testing"
	"time"
)

func TestMaxTaskDuration(t *testing.T) {
	cases := []struct {
		v    any
		want time.Duration
		bad  bool
	}{
		{nil, 0, false},
		{"", 0, false},
		{"  ", 0, false},
		{"2h30m", 150 * time.Minute, false},
		{"90", 90 * time.Second, false},
		{90.0, 90 * time.Second, false},
		{0.5, 500 * time.Millisecond, false},
		{"soon", 0, true},
		{"-5m", 0, true},
		{-1.0, 0, true},
		{true, 0, true},
		{"NaN", 0, true},
		{"Inf", 0, true},
		{1e300, 0, true},
		{"9000000h", 0, true},
		{"8760h", 8760 * time.Hour, false},
	}
	for _, c := range cases {
		j := &Job{Settings: map[string]any{}}
		if c.v != nil {
			j.Settings[MaxTaskDurationSetting] = c.v
		}
		got, err := j.MaxTaskDuration()
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("%#v: got %v, %v; want %v (error: %v)", c.v, got, err, c.want, c.bad)
		}
	}
}
