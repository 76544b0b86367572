package app

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// manageWorker runs "farmhand worker ID ACTION …": lifecycle requests, tags,
// rename and delete.
func manageWorker(e *env, cl *client.Client, pos []string, now, asJSON bool) error {
	ctx := context.Background()
	id, err := resolveWorkerID(ctx, cl, pos[0])
	if err != nil {
		return err
	}
	if len(pos) == 1 {
		w, err := cl.Worker(ctx, id)
		if err != nil {
			return err
		}
		if asJSON {
			return printJSON(e.stdout, w)
		}
		printWorker(e, w)
		return nil
	}
	var w *model.Worker
	switch verb := pos[1]; verb {
	case "tags":
		// The tags replace the worker's: a bare "tags" (someone wanting to
		// see them) must not clear them, nor "tags gpu big" drop "big".
		if len(pos) != 3 {
			return fmt.Errorf("%w: tags needs the worker's tags as one comma-separated list: farmhand worker ID tags gpu,big "+
				"(tags '' clears them; 'farmhand worker ID' shows them)", errUsage)
		}
		tags := splitTags(pos[2])
		w, err = cl.UpdateWorker(ctx, id, wire.WorkerChange{Tags: &tags})
	case "rename":
		if len(pos) != 3 {
			return fmt.Errorf("%w: rename needs the new name: farmhand worker ID rename NAME", errUsage)
		}
		w, err = cl.UpdateWorker(ctx, id, wire.WorkerChange{Name: &pos[2]})
	default:
		action := model.WorkerAction(verb)
		if !model.ValidWorkerAction(action) {
			return fmt.Errorf("%w: unknown worker action %q; use sleep, wake, pause, shutdown, restart, upgrade, delete, tags or rename", errUsage, verb)
		}
		w, err = cl.WorkerAction(ctx, id, action, now)
		if err == nil && w == nil {
			if asJSON {
				return printJSON(e.stdout, map[string]any{"id": id, "deleted": true})
			}
			fmt.Fprintf(e.stdout, "worker %s deleted\n", id)
			return nil
		}
	}
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e.stdout, w)
	}
	printWorker(e, w)
	return nil
}

// requestedVerb says a requested worker status as what the worker was asked
// to do.
func requestedVerb(s model.WorkerStatus) string {
	switch s {
	case model.WorkerAwake:
		return "wake"
	case model.WorkerAsleep:
		return "sleep"
	case model.WorkerPaused:
		return "pause"
	case model.WorkerOffline:
		return "shut down"
	}
	return string(s) // restart, upgrade
}

func printWorker(e *env, w *model.Worker) {
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	status := string(w.Status)
	if w.StatusRequested != "" {
		when := "now"
		if w.Lazy {
			when = "after the current task"
		}
		status += fmt.Sprintf(" (asked to %s %s)", requestedVerb(w.StatusRequested), when)
	}
	fmt.Fprintf(tw, "ID\t%s\nName\t%s\nStatus\t%s\nPlatform\t%s\nVersion\t%s\n", w.ID, w.Name, status, w.Platform, w.Version)
	fmt.Fprintf(tw, "Task types\t%s\nTags\t%s\n", strings.Join(w.TaskTypes, ", "), strings.Join(w.Tags, ", "))
	if w.TaskID != "" {
		fmt.Fprintf(tw, "Running\t%s\n", w.TaskID)
	}
	fmt.Fprintf(tw, "Last seen\t%s\n", ago(w.LastSeen))
	actions := make([]string, len(w.AllowedActions))
	for i, a := range w.AllowedActions {
		actions[i] = string(a)
	}
	fmt.Fprintf(tw, "Actions\t%s\n", strings.Join(actions, ", "))
	tw.Flush()
}

// printWhy writes a why report as people read it.
func printWhy(e *env, r *model.WhyReport) {
	fmt.Fprintf(e.stdout, "Task %s is %s.\n", r.TaskID, r.Status)
	for _, reason := range r.Reasons {
		fmt.Fprintf(e.stdout, "  - %s [%s]\n", reason.Message, reason.Code)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKER\tSTATUS\tWOULD RUN IT\tWHY NOT")
	for _, v := range r.Workers {
		would := "no"
		if v.WouldRun {
			would = "yes"
		}
		var why []string
		for _, reason := range v.Reasons {
			why = append(why, reason.Message+" ["+reason.Code+"]")
		}
		if !v.WouldRun && len(why) == 0 {
			why = append(why, "only what holds the task itself, above")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.WorkerName, v.Status, would, strings.Join(why, "; "))
	}
	tw.Flush()
}
