package availability

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Schedule is a weekly schedule of local times when a worker may render.
// Its text form, as people type it, is a comma-separated list of day groups,
// each days then one or more time ranges:
//
//	mon-fri 19:00-08:00, sat-sun 00:00-24:00
//
// Days are mon tue wed thu fri sat sun, a range of them (fri-mon wraps
// around the week) or "daily". A time range whose end is not after its start
// crosses midnight: it starts on the named day and ends on the next one.
type Schedule []Range

// Range is one time range on some days of the week.
type Range struct {
	// Days holds the weekdays (time.Sunday = 0) the range starts on.
	Days [7]bool
	// Start and End are minutes after local midnight, 0–1440; End <= Start
	// means the range ends the next day.
	Start, End int
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseSchedule reads a schedule's text form (see Schedule); "" is the empty
// schedule. The error names the part it could not read and the form.
func ParseSchedule(text string) (Schedule, error) {
	var s Schedule
	for part := range strings.SplitSeq(text, ",") {
		fields := strings.Fields(strings.ToLower(part))
		if len(fields) == 0 {
			continue
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("schedule %q: %q needs days and a time range, like \"mon-fri 19:00-08:00\"", text, strings.TrimSpace(part))
		}
		days, err := parseDays(fields[0])
		if err != nil {
			return nil, fmt.Errorf("schedule %q: %w", text, err)
		}
		for _, f := range fields[1:] {
			r, err := parseTimes(f)
			if err != nil {
				return nil, fmt.Errorf("schedule %q: %w", text, err)
			}
			r.Days = days
			s = append(s, r)
		}
	}
	return s, nil
}

func parseDays(f string) ([7]bool, error) {
	var days [7]bool
	if f == "daily" || f == "all" {
		return [7]bool{true, true, true, true, true, true, true}, nil
	}
	from, to, isRange := strings.Cut(f, "-")
	a, b := slices.Index(dayNames, from), slices.Index(dayNames, to)
	if !isRange {
		b = a
	}
	if a < 0 || b < 0 {
		return days, fmt.Errorf("%q is not a day or range of days: use mon, tue, wed, thu, fri, sat, sun, a range like mon-fri, or daily", f)
	}
	for d := a; ; d = (d + 1) % 7 {
		days[d] = true
		if d == b {
			break
		}
	}
	return days, nil
}

func parseTimes(f string) (Range, error) {
	from, to, ok := strings.Cut(f, "-")
	start, err1 := parseClock(from)
	end, err2 := parseClock(to)
	if !ok || err1 != nil || err2 != nil || start == 1440 {
		return Range{}, fmt.Errorf("%q is not a time range: use HH:MM-HH:MM in 24-hour time, like 19:00-08:00 or 00:00-24:00", f)
	}
	if start == end {
		return Range{}, fmt.Errorf("%q is empty: for a whole day write 00:00-24:00", f)
	}
	return Range{Start: start, End: end}, nil
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	return hh*60 + mm, nil
}

// String writes s in its text form, which ParseSchedule reads back. Days
// that are not consecutive become groups of their own.
func (s Schedule) String() string {
	var parts []string
	for _, r := range s {
		for _, days := range dayRuns(r.Days) {
			parts = append(parts, days+" "+clock(r.Start)+"-"+clock(r.End))
		}
	}
	return strings.Join(parts, ", ")
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// dayRuns writes a set of days as runs of consecutive days, Monday first as
// people read a week: "mon-fri", "sat", or "daily" for all seven.
func dayRuns(days [7]bool) []string {
	if days == [7]bool{true, true, true, true, true, true, true} {
		return []string{"daily"}
	}
	order := []int{1, 2, 3, 4, 5, 6, 0}
	var runs []string
	for i := 0; i < 7; i++ {
		if !days[order[i]] {
			continue
		}
		j := i
		for j+1 < 7 && days[order[j+1]] {
			j++
		}
		if i == j {
			runs = append(runs, dayNames[order[i]])
		} else {
			runs = append(runs, dayNames[order[i]]+"-"+dayNames[order[j]])
		}
		i = j
	}
	return runs
}

// MarshalJSON writes s as its text form.
func (s Schedule) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads s from its text form.
func (s *Schedule) UnmarshalJSON(b []byte) error {
	var text string
	if err := json.Unmarshal(b, &text); err != nil {
		return fmt.Errorf("a schedule is text such as \"mon-fri 19:00-08:00, sat-sun 00:00-24:00\", not %s", b)
	}
	v, err := ParseSchedule(text)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// interval is one concrete stretch of a schedule, as instants.
type interval struct{ start, end time.Time }

// horizon is how many days ahead of now a schedule is laid out: a week and
// a day, so that the next start is always found.
const horizon = 9

// intervals lays s out as instants in now's location from the day before
// now's day to horizon days after it, merged where they touch or overlap.
// Wall-clock times are turned into instants day by day with time.Date, so a
// range keeps its local times across a DST change (it lasts an hour more or
// less that night).
func (s Schedule) intervals(now time.Time) []interval {
	loc := now.Location()
	y, m, d := now.Date()
	var out []interval
	for day := -1; day < horizon; day++ {
		date := time.Date(y, m, d+day, 12, 0, 0, 0, loc)
		for _, r := range s {
			if !r.Days[date.Weekday()] {
				continue
			}
			endDay := date.Day()
			if r.End <= r.Start {
				endDay++
			}
			start := time.Date(date.Year(), date.Month(), date.Day(), r.Start/60, r.Start%60, 0, 0, loc)
			end := time.Date(date.Year(), date.Month(), endDay, r.End/60, r.End%60, 0, 0, loc)
			out = append(out, interval{start, end})
		}
	}
	slices.SortFunc(out, func(a, b interval) int { return a.start.Compare(b.start) })
	var merged []interval
	for _, iv := range out {
		if n := len(merged); n > 0 && !iv.start.After(merged[n-1].end) {
			if iv.end.After(merged[n-1].end) {
				merged[n-1].end = iv.end
			}
			continue
		}
		merged = append(merged, iv)
	}
	return merged
}

// At reports whether s lets the worker render at now (in now's location)
// and until when that stays so: the end of the current stretch, or the start
// of the next one. until is zero when it does not change within a week (a
// schedule of every day, all day).
func (s Schedule) At(now time.Time) (in bool, until time.Time) {
	ivs := s.intervals(now)
	limit := time.Date(now.Year(), now.Month(), now.Day()+horizon-1, 0, 0, 0, 0, now.Location())
	for _, iv := range ivs {
		if iv.end.After(now) && !iv.start.After(now) {
			if !iv.end.Before(limit) {
				return true, time.Time{}
			}
			return true, iv.end
		}
		if iv.start.After(now) {
			return false, iv.start
		}
	}
	return false, time.Time{}
}
