package availability

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones the tests name, on any computer
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("loading %s: %v", name, err)
	}
	return loc
}

func TestScheduleAt(t *testing.T) {
	berlin, newYork := zone(t, "Europe/Berlin"), zone(t, "America/New_York")
	at := func(loc *time.Location, y int, m time.Month, d, hh, mm int) time.Time {
		return time.Date(y, m, d, hh, mm, 0, 0, loc)
	}
	const studio = "mon-fri 19:00-08:00, sat-sun 00:00-24:00"
	// 2026-12-02 is a Wednesday.
	cases := []struct {
		name     string
		schedule string
		now      time.Time
		in       bool
		until    time.Time
	}{
		{"a minute before the evening", studio, at(berlin, 2026, 12, 2, 18, 59), false, at(berlin, 2026, 12, 2, 19, 0)},
		{"the evening's first minute", studio, at(berlin, 2026, 12, 2, 19, 0), true, at(berlin, 2026, 12, 3, 8, 0)},
		{"across midnight", studio, at(berlin, 2026, 12, 3, 0, 1), true, at(berlin, 2026, 12, 3, 8, 0)},
		{"the range's end is outside it", studio, at(berlin, 2026, 12, 3, 8, 0), false, at(berlin, 2026, 12, 3, 19, 0)},
		{"friday night runs into the weekend", studio, at(berlin, 2026, 12, 4, 23, 30), true, at(berlin, 2026, 12, 7, 0, 0)},
		{"monday morning is not sunday's evening", studio, at(berlin, 2026, 12, 7, 0, 0), false, at(berlin, 2026, 12, 7, 19, 0)},
		{"a wrapping day range", "fri-mon 10:00-11:00", at(berlin, 2026, 12, 2, 12, 0), false, at(berlin, 2026, 12, 4, 10, 0)},
		{"daily, all day, never changes", "daily 00:00-24:00", at(berlin, 2026, 12, 2, 12, 0), true, time.Time{}},
		// Berlin springs forward on 2026-03-29 at 02:00 (to 03:00): the
		// night range keeps its wall-clock end.
		{"spring forward: in at night", "sat 22:00-06:00", at(berlin, 2026, 3, 29, 1, 30), true, at(berlin, 2026, 3, 29, 6, 0)},
		{"spring forward: after the gap", "sat 22:00-06:00", at(berlin, 2026, 3, 29, 3, 0), true, at(berlin, 2026, 3, 29, 6, 0)},
		{"spring forward: out after the end", "sat 22:00-06:00", at(berlin, 2026, 3, 29, 6, 0), false, at(berlin, 2026, 4, 4, 22, 0)},
		// Berlin falls back on 2026-10-25 at 03:00 (to 02:00).
		{"fall back: within the repeated hour", "sat 22:00-06:00", time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC).In(berlin), true, at(berlin, 2026, 10, 25, 6, 0)},
		// New York springs forward on 2026-03-08 at 02:00.
		{"new york: evening range over the change", "daily 19:00-08:00", at(newYork, 2026, 3, 7, 23, 0), true, at(newYork, 2026, 3, 8, 8, 0)},
		{"new york: the evening after", "daily 19:00-08:00", at(newYork, 2026, 3, 8, 12, 0), false, at(newYork, 2026, 3, 8, 19, 0)},
		// ... and falls back on 2026-11-01 at 02:00.
		{"new york: fall back morning", "sun 00:00-03:00", time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC).In(newYork), true, at(newYork, 2026, 11, 1, 3, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseSchedule(c.schedule)
			if err != nil {
				t.Fatal(err)
			}
			in, until := s.At(c.now)
			if in != c.in || !until.Equal(c.until) {
				t.Errorf("at %s: in=%v until %s; want in=%v until %s", c.now, in, until, c.in, c.until)
			}
		})
	}
}

// The night of the spring change lasts an hour less, that of the autumn one
// an hour more: ranges keep their local times, not their lengths.
func TestScheduleLengthAcrossDST(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	s, _ := ParseSchedule("sat 22:00-06:00")
	for _, c := range []struct {
		start time.Time
		want  time.Duration
	}{
		{time.Date(2026, 3, 28, 22, 0, 0, 0, berlin), 7 * time.Hour},
		{time.Date(2026, 10, 24, 22, 0, 0, 0, berlin), 9 * time.Hour},
		{time.Date(2026, 12, 5, 22, 0, 0, 0, berlin), 8 * time.Hour},
	} {
		in, until := s.At(c.start)
		if !in || until.Sub(c.start) != c.want {
			t.Errorf("from %s: in=%v, lasting %s; want %s", c.start, in, until.Sub(c.start), c.want)
		}
	}
}

func TestParseSchedule(t *testing.T) {
	for text, want := range map[string]string{
		"mon-fri 19:00-08:00, sat-sun 00:00-24:00": "mon-fri 19:00-08:00, sat-sun 00:00-24:00",
		" Daily 09:00-12:00 13:00-17:00 ":          "daily 09:00-12:00, daily 13:00-17:00",
		"fri-mon 22:00-02:00":                      "mon 22:00-02:00, fri-sun 22:00-02:00",
		"":                                         "",
	} {
		s, err := ParseSchedule(text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if s.String() != want {
			t.Errorf("%q reads as %q, want %q", text, s.String(), want)
		}
		again, err := ParseSchedule(s.String())
		if err != nil || again.String() != want {
			t.Errorf("%q does not read back: %q, %v", s.String(), again.String(), err)
		}
	}
	for text, says := range map[string]string{
		"mon":                 "needs days and a time range",
		"moon 10:00-11:00":    "is not a day",
		"mon 10:00":           "is not a time range",
		"mon 25:00-26:00":     "is not a time range",
		"mon 10:00-10:00":     "is empty",
		"mon 24:00-08:00":     "is not a time range",
		"mon-fri 19:00-08:0x": "is not a time range",
	} {
		if _, err := ParseSchedule(text); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("%q: error %v, want one saying %q", text, err, says)
		}
	}
}

func TestRulesJSON(t *testing.T) {
	in := `{"idle_after":"10m","schedule":"mon-fri 19:00-08:00","on_return":"stop","grace":"90s",` +
		`"override":{"render":true,"until":"2026-12-02T18:00:00Z"}}`
	var r Rules
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	if r.IdleAfter.D() != 10*time.Minute || r.GraceOrDefault() != 90*time.Second || r.ReturnOrDefault() != ReturnStop ||
		len(r.Schedule) != 1 || !r.Override.Render {
		t.Fatalf("read %+v", r)
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(r)
	var back Rules
	if err := json.Unmarshal(out, &back); err != nil || back.Schedule.String() != r.Schedule.String() || back.IdleAfter != r.IdleAfter {
		t.Fatalf("round trip %s: %+v, %v", out, back, err)
	}
	if err := json.Unmarshal([]byte(`{"schedule":"mon 9-5"}`), &r); err == nil {
		t.Error("a malformed schedule was read")
	}
	for bad, field := range map[string]Rules{
		"on_return":     {OnReturn: "later"},
		"max_other_cpu": {MaxOtherCPU: 1.5},
		"grace":         {Grace: -1},
		"suspend_after": {SuspendAfter: Duration(10 * time.Second)},
		"override":      {Override: &Override{Render: true}},
	} {
		if err := field.Validate(); err == nil || !strings.HasPrefix(err.Error(), bad+":") {
			t.Errorf("%+v: error %v, want one naming %s", field, err, bad)
		}
	}
	// NaN compares false with everything: it passed a range check written
	// as "below 0 or above 1" (found by a fresh-eyes try).
	if err := (Rules{MaxOtherCPU: math.NaN()}).Validate(); err == nil || !strings.HasPrefix(err.Error(), "max_other_cpu:") {
		t.Errorf("max_other_cpu NaN: %v", err)
	}
	if (Rules{}).GraceOrDefault() != DefaultGrace || (Rules{}).ReturnOrDefault() != ReturnFinish || !(Rules{}).IsZero() {
		t.Error("the zero Rules do not take the defaults")
	}
}

func TestParseHIDIdleTime(t *testing.T) {
	out := []byte(`+-o IOHIDSystem  <class IOHIDSystem>
    {
      "HIDIdleTime" = 12345678900
      "HIDParameters" = {}
    }`)
	if d, err := parseHIDIdleTime(out); err != nil || d != 12345678900*time.Nanosecond {
		t.Errorf("read %s, %v", d, err)
	}
	if _, err := parseHIDIdleTime([]byte("nothing here")); err == nil {
		t.Error("output without HIDIdleTime was read")
	}
}
