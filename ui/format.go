package ui

import (
	"fmt"
	"strings"
	"time"
)

// now is the clock the views read; tests stop it so that golden files do not
// depend on the day they run.
var now = time.Now

// shortTime formats t for a table cell: the time today, the day this year,
// the date before that. The exact moment is in the hover text (longTime).
func shortTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t, n := t.Local(), now().Local()
	switch {
	case sameDay(t, n):
		return t.Format("15:04")
	case t.Year() == n.Year():
		return t.Format("2 Jan")
	default:
		return t.Format("2006-01-02")
	}
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// longTime formats t for hover texts and details.
func longTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("Mon 2 Jan 2006, 15:04:05")
}

// ago says how long ago t was, in the largest unit that fits.
func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now().Sub(t)
	switch {
	case d < 5*time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%d s ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	default:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	}
}

// percent formats a fraction, rounding down so that 100% means done.
func percent(f float64) string {
	return fmt.Sprintf("%d%%", int(f*100))
}

// fraction returns done of total as a fraction, 0 when there is nothing to do.
func fraction(done, total int) float64 {
	if total <= 0 {
		return 0
	}
	return float64(done) / float64(total)
}

// plural returns "1 job" or "3 jobs".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// firstLine returns the first line of s, for one-line cells.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
