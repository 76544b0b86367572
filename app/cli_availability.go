package app

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/availability"
)

// workerVerbs are the 'farmhand worker ID VERB' commands this file runs,
// with flags of their own; the others are manage.go's.
var workerVerbs = []string{"availability", "wake"}

// boolFlags are the worker command's flags that take no value.
var boolFlags = []string{"json", "now", "headless", "no-discovery", "allow-plain-http", "clear", "wake-for-work"}

// workerVerb returns the verb of 'farmhand worker [flags] ID VERB …' when
// it is one of workerVerbs. Flags that take a value are skipped with it, so
// that "--name wake" is not taken for the verb.
func workerVerb(args []string) (string, bool) {
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") {
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && !slices.Contains(boolFlags, name) {
				i++ // its value
			}
			continue
		}
		pos = append(pos, a)
	}
	if len(pos) >= 2 && slices.Contains(workerVerbs, pos[1]) {
		return pos[1], true
	}
	return "", false
}

// availabilityFlags are the rules 'farmhand worker ID availability' sets;
// only the flags given change the stored rules.
type availabilityFlags struct {
	idleMinutes, suspendMinutes     *float64
	schedule, renderUntil, pauseUtl *string
	onReturn, grace                 *string
	maxOtherCPU                     *float64
	minFreeMB                       *uint64
	wakeForWork                     *bool
	clear                           *bool
}

func addAvailabilityFlags(fs *flagSet) *availabilityFlags {
	return &availabilityFlags{
		idleMinutes: fs.Float64("idle-minutes", 0, "render only after this many minutes without keyboard or mouse input; 0: off"),
		schedule:    fs.String("schedule", "", `weekly local times to render in, e.g. "mon-fri 19:00-08:00, sat-sun 00:00-24:00"; "" for any time`),
		renderUntil: fs.String("render-now-until", "", `render now whatever the other rules say, until T ("18:30", "2026-12-24 09:00", "+2h"); "none" ends it`),
		pauseUtl:    fs.String("pause-until", "", `do not render until T (as --render-now-until); "none" ends it`),
		onReturn:    fs.String("on-return", "", "what a running task does when the worker turns unavailable: finish or stop"),
		grace:       fs.String("grace", "", "how long a running task keeps running first (default 60s)"),
		maxOtherCPU: fs.Float64("max-other-cpu", 0, "render only while other programs use at most this share (0-1) of the CPU; 0: off"),
		minFreeMB:   fs.Uint64("min-free-mb", 0, "render only while at least this many MB of memory are free; 0: off"),
		suspendMinutes: fs.Float64("suspend-after-minutes", 0,
			"suspend the computer after this many minutes without work while nobody uses it; 0: off"),
		wakeForWork: fs.Bool("wake-for-work", false, "let the manager wake this computer with Wake-on-LAN when queued work needs it"),
		clear:       fs.Bool("clear", false, "remove every rule first (always available)"),
	}
}

// apply changes r by the flags that were given (set), at now.
func (af *availabilityFlags) apply(r *availability.Rules, set map[string]bool, now time.Time) error {
	if *af.clear {
		*r = availability.Rules{}
	}
	if set["idle-minutes"] {
		r.IdleAfter = availability.Duration(time.Duration(*af.idleMinutes * float64(time.Minute)))
	}
	if set["suspend-after-minutes"] {
		r.SuspendAfter = availability.Duration(time.Duration(*af.suspendMinutes * float64(time.Minute)))
	}
	if set["schedule"] {
		s, err := availability.ParseSchedule(*af.schedule)
		if err != nil {
			return fmt.Errorf("%w: --schedule: %w", errUsage, err)
		}
		r.Schedule = s
	}
	if set["render-now-until"] && set["pause-until"] && *af.renderUntil != "none" && *af.pauseUtl != "none" {
		return fmt.Errorf("%w: --render-now-until and --pause-until contradict each other: give one", errUsage)
	}
	for _, o := range []struct {
		flag   string
		value  string
		render bool
	}{{"render-now-until", *af.renderUntil, true}, {"pause-until", *af.pauseUtl, false}} {
		if !set[o.flag] {
			continue
		}
		if o.value == "none" || o.value == "" {
			r.Override = nil
			continue
		}
		until, err := parseUntil(o.value, now)
		if err != nil {
			return fmt.Errorf("%w: --%s: %w", errUsage, o.flag, err)
		}
		r.Override = &availability.Override{Render: o.render, Until: until}
	}
	if set["on-return"] {
		r.OnReturn = availability.Return(*af.onReturn)
	}
	if set["grace"] {
		d, err := time.ParseDuration(*af.grace)
		if err != nil {
			return fmt.Errorf("%w: --grace %q: use forms like 60s or 2m", errUsage, *af.grace)
		}
		r.Grace = availability.Duration(d)
	}
	if set["max-other-cpu"] {
		// The flag package reads NaN, which no share is (nor JSON).
		if math.IsNaN(*af.maxOtherCPU) {
			return fmt.Errorf("%w: --max-other-cpu: must be a share from 0 (off) to 1, not NaN", errUsage)
		}
		r.MaxOtherCPU = *af.maxOtherCPU
	}
	if set["min-free-mb"] {
		r.MinFreeMemory = *af.minFreeMB << 20
	}
	if set["wake-for-work"] {
		r.WakeForWork = *af.wakeForWork
	}
	return nil
}

// parseUntil reads a time a person types, in now's location: "+2h" (from
// now), "18:30" (the next such time), "2026-12-24 09:00", or RFC 3339.
func parseUntil(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(strings.TrimPrefix(s, "+")); err == nil {
		if d <= 0 {
			return time.Time{}, fmt.Errorf("%q: +DURATION counts from now and must be above 0, e.g. +2h", s)
		}
		return now.Add(d).Truncate(time.Second), nil
	}
	if t, err := time.ParseInLocation("15:04", s, now.Location()); err == nil {
		at := time.Date(now.Year(), now.Month(), now.Day(), t.Hour(), t.Minute(), 0, 0, now.Location())
		if !at.After(now) {
			at = time.Date(now.Year(), now.Month(), now.Day()+1, t.Hour(), t.Minute(), 0, 0, now.Location())
		}
		return at, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			if !t.After(now) {
				return time.Time{}, fmt.Errorf("%s is past: give a time to come", t.Format("2006-01-02 15:04"))
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use +2h, 18:30, 2026-12-24 09:00 or RFC 3339", s)
}

// runWorkerVerb runs 'farmhand worker ID availability [flags]' (show or
// change the worker's rules) and 'farmhand worker ID wake' (Wake-on-LAN for
// an offline worker, a wake request for an asleep one).
func runWorkerVerb(e *env, args []string, verb string) error {
	fs := &flagSet{newFlags(e, "worker", "worker ID availability [--idle-minutes N] [--schedule S] [--render-now-until T] "+
		"[--pause-until T] [--on-return finish|stop] [--grace 60s] [--max-other-cpu F] [--min-free-mb N] "+
		"[--suspend-after-minutes N] [--wake-for-work] [--clear] [--json]\n       farmhand worker ID wake [--json]")}
	cf := addClientFlags(fs)
	var af *availabilityFlags
	if verb == "availability" {
		af = addAvailabilityFlags(fs)
	}
	pos, err := parseFlags(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("%w: farmhand worker ID %s takes no further words, only flags", errUsage, verb)
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	ctx := context.Background()
	id, err := resolveWorkerID(ctx, cl, pos[0])
	if err != nil {
		return err
	}
	if verb == "wake" {
		res, err := cl.WakeWorker(ctx, id)
		if err != nil {
			return err
		}
		if *cf.asJSON {
			return printJSON(e.stdout, res)
		}
		printWake(e, res)
		return nil
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	cur, err := cl.WorkerAvailability(ctx, id)
	if err != nil {
		return err
	}
	if changes := len(set) - countOf(set, "manager", "token", "fingerprint", "data", "json"); changes > 0 {
		rules := cur.Rules
		if err := af.checkMinuteFlags(set); err != nil {
			return err
		}
		if err := af.apply(&rules, set, time.Now()); err != nil {
			return err
		}
		if err := checkRules(rules); err != nil {
			return err
		}
		if cur, err = cl.SetWorkerAvailability(ctx, id, rules); err != nil {
			return flagNamedError(err, rules)
		}
	}
	if *cf.asJSON {
		return printJSON(e.stdout, cur)
	}
	printAvailability(e, cur, len(set)-countOf(set, "manager", "token", "fingerprint", "data", "json") > 0)
	return nil
}

func countOf(set map[string]bool, names ...string) int {
	n := 0
	for _, name := range names {
		if set[name] {
			n++
		}
	}
	return n
}

func printWake(e *env, res *wire.WakeResult) {
	switch {
	case res.StatusChanged:
		fmt.Fprintf(e.stdout, "worker %s is asked to wake\n", res.Worker.Name)
	default:
		fmt.Fprintf(e.stdout, "worker %s: Wake-on-LAN sent (%s)\n", res.Worker.Name, strings.Join(res.Packets, ", "))
	}
}

// printAvailability writes a worker's rules and what they said last; with
// changed, that what they said was before the change: the worker applies
// new rules at its next report, within a few seconds.
func printAvailability(e *env, a *wire.WorkerAvailability, changed bool) {
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	r := a.Rules
	fmt.Fprintf(tw, "Worker\t%s\n", a.WorkerID)
	if d := a.Decision; d != nil {
		now := "available"
		if !d.Available {
			now = "not available"
		}
		note := ""
		if changed {
			note = " — before this change, which applies within a few seconds"
		}
		fmt.Fprintf(tw, "Now\t%s (%s): %s%s\n", now, d.Rule, d.Detail, note)
	}
	if r.IsZero() {
		fmt.Fprintf(tw, "Rules\tnone: always available\n")
		tw.Flush()
		return
	}
	off := func(d availability.Duration) string {
		if d == 0 {
			return "off"
		}
		return d.String()
	}
	fmt.Fprintf(tw, "Idle after\t%s\n", off(r.IdleAfter))
	fmt.Fprintf(tw, "Schedule\t%s\n", cmp.Or(r.Schedule.String(), "any time"))
	if o := r.Override; o != nil {
		what := "don't render"
		if o.Render {
			what = "render now"
		}
		fmt.Fprintf(tw, "Override\t%s until %s\n", what, o.Until.Local().Format(time.DateTime))
	}
	fmt.Fprintf(tw, "On return\t%s after a grace of %s\n", r.ReturnOrDefault(), r.GraceOrDefault())
	if r.MaxOtherCPU > 0 {
		fmt.Fprintf(tw, "Max other CPU\t%s%%\n", strconv.FormatFloat(r.MaxOtherCPU*100, 'f', 0, 64))
	}
	if r.MinFreeMemory > 0 {
		fmt.Fprintf(tw, "Min free memory\t%d MB\n", r.MinFreeMemory>>20)
	}
	fmt.Fprintf(tw, "Suspend after\t%s\n", off(r.SuspendAfter))
	wake := "off"
	if r.WakeForWork {
		wake = "on"
	}
	fmt.Fprintf(tw, "Wake for work\t%s\n", wake)
	tw.Flush()
}
