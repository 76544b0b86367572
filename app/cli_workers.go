package app

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"farmhand/farm/model"
)

func runWorkers(e *env, args []string) error {
	if len(args) > 0 && args[0] == "upgrade" {
		return runWorkersUpgrade(e, args[1:]) // cli_upgrade.go
	}
	fs := &flagSet{newFlags(e, "workers", "workers [pending] [--json] | upgrade --all | ID...")}
	cf := addClientFlags(fs)
	pos, err := parseFlags(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) == 1 && pos[0] == "pending" {
		return listMembers(e, cf, model.MemberPending)
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	if len(pos) >= 2 && pos[0] == "history" { // workers history ID [SINCE] (cli_history.go)
		return workerHistory(e, cl, pos[1], pos[2:], *cf.asJSON)
	}
	ws, err := cl.Workers(context.Background())
	if err != nil {
		return err
	}
	if *cf.asJSON {
		return printJSON(e.stdout, ws)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tAVAILABLE\tPLATFORM\tTASK TYPES\tTAGS\tBLENDERS\tDEVICE\tTASK\tLAST SEEN")
	for _, w := range ws {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", w.ID, w.Name, w.Status, availableText(w, time.Now()),
			w.Platform, strings.Join(w.TaskTypes, ","), strings.Join(w.Tags, ","), blenderVersions(w), renderDevice(w), w.TaskID, ago(w.LastSeen))
	}
	return tw.Flush()
}

// availableText says whether a worker's availability rules let it render
// now, by which rule and until when: "yes", "no: schedule until 09:00";
// "-" for a worker that is not online or has not said.
func availableText(w *model.Worker, now time.Time) string {
	d := w.Availability
	if d == nil || w.Status == model.WorkerOffline || w.Status == model.WorkerLost {
		return "-"
	}
	s := "yes"
	if !d.Available {
		s = "no: " + d.Rule
	}
	if !d.Until.IsZero() && d.Until.After(now) {
		layout := "15:04"
		if d.Until.Sub(now) > 20*time.Hour {
			layout = "Mon 15:04"
		}
		s += " until " + d.Until.Local().Format(layout)
	}
	return s
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return time.Since(t).Round(time.Second).String() + " ago"
}
