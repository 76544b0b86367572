package app

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/model"
)

// historyVerb reports whether args are 'ID history …', flags aside (those
// taking a value skipped with it, see boolFlags).
func historyVerb(args []string) bool {
	var pos []string
	for i := 0; i < len(args) && len(pos) < 2; i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") {
			if name := strings.TrimLeft(a, "-"); !strings.Contains(name, "=") && !slices.Contains(boolFlags, name) {
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return len(pos) >= 2 && pos[1] == "history"
}

func runWorkerHistory(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "worker", "worker ID history [SINCE, e.g. 2h | --last 2h] [--json]")}
	cf := addClientFlags(fs)
	last := fs.String("last", "", "how far back, e.g. 30m or 2h (the same as SINCE; the manager keeps 24h)")
	pos, err := parseFlags(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if *last != "" {
		if len(pos) > 2 {
			return fmt.Errorf("%w: give how far back once: --last %s or %s", errUsage, *last, pos[2])
		}
		pos = append(pos, *last)
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	return workerHistory(e, cl, pos[0], pos[2:], *cf.asJSON)
}

// historyColumns is how many columns a sparkline of the history has: 48 over
// 24 hours is one per half hour, and fits a terminal of 80 columns with its
// label and figures.
const historyColumns = 48

// historyRows is how many of the newest samples the table lists.
const historyRows = 10

// sparks are the eight heights of a sparkline, lowest first.
var sparks = []rune("▁▂▃▄▅▆▇█")

// workerHistory prints worker id's host history (farmhand worker ID history
// [SINCE]): sparklines of CPU, memory and GPU use over the span asked for (a
// duration back from now, e.g. 2h; default all 24 hours the manager keeps),
// each column the mean of its samples and a gap where there were none, then
// the newest samples in a table, times local. With asJSON it prints the
// manager's answer as is.
func workerHistory(e *env, cl *client.Client, id string, args []string, asJSON bool) error {
	var since time.Time
	span, asked := historyKept, time.Duration(0)
	if len(args) > 1 {
		return fmt.Errorf("%w: farmhand worker ID history [SINCE, e.g. 2h]", errUsage)
	}
	if len(args) == 1 {
		d, err := time.ParseDuration(args[0])
		if err != nil || d <= 0 {
			return fmt.Errorf("%w: history %q: give how far back, e.g. 30m or 2h", errUsage, args[0])
		}
		span, since, asked = min(d, span), time.Now().Add(-d), d
	}
	ctx := context.Background()
	id, err := resolveWorkerID(ctx, cl, id)
	if err != nil {
		return err
	}
	h, err := cl.WorkerHistory(ctx, id, since)
	if err != nil {
		return err
	}
	if step := sampleStep(h); asked > 0 && asked < step {
		return fmt.Errorf("%w: history %q is shorter than the %s between two samples the manager keeps: give %s or more, e.g. 30m or 2h",
			errUsage, args[0], model.ShortDuration(step), model.ShortDuration(step))
	}
	if asJSON {
		return printJSON(e.stdout, h)
	}
	printHistory(e.stdout, h, time.Now(), span, asked)
	return nil
}

// historyKept is how much host history the manager keeps for a worker (its
// ring of samples).
const historyKept = 24 * time.Hour

// historySpan says the span shown, start to end in local time with both
// dates, and, when asked was longer than the span, that it was cut to what
// the manager keeps.
func historySpan(now time.Time, span, asked time.Duration) string {
	start, end := now.Add(-span).Local(), now.Local()
	s := fmt.Sprintf("%s – %s %s", start.Format("Mon Jan 2 15:04"), end.Format("Mon Jan 2 15:04"), end.Format("MST"))
	if asked > span {
		s += fmt.Sprintf("; %s was asked, but the manager keeps the last %s only", model.ShortDuration(asked), model.ShortDuration(historyKept))
	}
	return s
}

// printHistory writes h as sparklines over the span up to now, and a table
// of its newest samples; asked is the span the user asked for (0: none),
// which the header says was cut when it is longer than span.
func printHistory(w io.Writer, h *model.HostHistory, now time.Time, span, asked time.Duration) {
	if len(h.Samples) == 0 {
		fmt.Fprintf(w, "No host history for worker %s, %s (the manager keeps 24 h, from heartbeats since it started).\n",
			h.WorkerID, historySpan(now, span, asked))
		return
	}
	start := now.Add(-span)
	cols := columnsFor(span, sampleStep(h))
	fmt.Fprintf(w, "Worker %s, %s\n(%s of %d s; each column %s)\n", h.WorkerID,
		historySpan(now, span, asked), plural(len(h.Samples), "sample"), h.StepSeconds, model.ShortDuration(span/time.Duration(cols)))
	cpu := func(s model.HostSample) (float64, bool) { return s.CPUPercent, true }
	mem := func(s model.HostSample) (float64, bool) {
		return 100 * float64(s.MemUsedMB) / float64(s.MemTotalMB), s.MemTotalMB > 0
	}
	gpu := func(s model.HostSample) (float64, bool) {
		if s.GPUPercent == nil {
			return 0, false
		}
		return *s.GPUPercent, true
	}
	for _, line := range []struct {
		label string
		of    func(model.HostSample) (float64, bool)
	}{{"CPU", cpu}, {"MEM", mem}, {"GPU", gpu}} {
		spark, ok := sparkline(h.Samples, start, span, cols, line.of)
		if !ok {
			fmt.Fprintf(w, "%s  (not readable on this worker)\n", line.label)
			continue
		}
		fmt.Fprintf(w, "%s  %s\n", line.label, spark)
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tCPU\tMEMORY\tGPU\tGPU MEMORY")
	for _, s := range h.Samples[max(0, len(h.Samples)-historyRows):] {
		g, gm := "-", "-"
		if s.GPUPercent != nil {
			g = fmt.Sprintf("%.0f%%", *s.GPUPercent)
			if s.GPUMemTotalMB > 0 {
				gm = fmt.Sprintf("%.1f / %.1f GB", gb(s.GPUMemUsedMB), gb(s.GPUMemTotalMB))
			}
		}
		fmt.Fprintf(tw, "%s\t%.0f%%\t%.1f / %.1f GB\t%s\t%s\n", s.Time.Local().Format("15:04:05"), s.CPUPercent,
			gb(s.MemUsedMB), gb(s.MemTotalMB), g, gm)
	}
	tw.Flush()
}

func gb(mb uint64) float64 { return float64(mb) / 1024 }

// sampleStep is the time between two samples of h: its StepSeconds, else
// the manager's 30 s.
func sampleStep(h *model.HostHistory) time.Duration {
	if h.StepSeconds > 0 {
		return time.Duration(h.StepSeconds) * time.Second
	}
	return 30 * time.Second
}

// columnsFor is how many columns a sparkline over span has: historyColumns,
// fewer when a column would be shorter than step (each column then holds
// one sample at most: a column narrower than that draws gaps that are not
// gaps), at least 1.
func columnsFor(span, step time.Duration) int {
	return int(max(1, min(historyColumns, span/step)))
}

// sparkline draws the samples' values (of, percent 0-100) from start over
// span in cols columns (at most historyColumns), each the mean of its
// samples, a space where none; ok is false when no sample has the value at
// all (a worker that cannot read it), whether in the span or not.
func sparkline(samples []model.HostSample, start time.Time, span time.Duration, cols int,
	of func(model.HostSample) (float64, bool)) (string, bool) {
	var sum [historyColumns]float64
	var n [historyColumns]int
	readable := false
	for _, s := range samples {
		v, ok := of(s)
		readable = readable || ok
		if !ok || s.Time.Before(start) { // not col < 0: division truncates -0.5 to 0
			continue
		}
		col := int(s.Time.Sub(start) * time.Duration(cols) / span)
		col = min(col, cols-1)
		sum[col] += v
		n[col]++
	}
	var b strings.Builder
	for i := range cols {
		if n[i] == 0 {
			b.WriteRune(' ')
			continue
		}
		mean := math.Max(0, math.Min(100, sum[i]/float64(n[i])))
		b.WriteRune(sparks[min(len(sparks)-1, int(mean*float64(len(sparks))/100))])
	}
	return b.String(), readable
}

// blenderVersions lists the versions of a worker's Blenders, e.g.
// "4.1.1,3.6.5"; "-" when it reported none.
func blenderVersions(w *model.Worker) string {
	if len(w.Blenders) == 0 {
		return "-"
	}
	vs := make([]string, len(w.Blenders))
	for i, b := range w.Blenders {
		vs[i] = b.Version
	}
	return strings.Join(vs, ",")
}

// renderDevice is a worker's Cycles device, or "as saved" when it leaves
// each file's own setting.
func renderDevice(w *model.Worker) string {
	if w.CyclesDevice == "" {
		return "as saved"
	}
	return w.CyclesDevice
}
