package app

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/model"
)

func runJobs(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "jobs", "jobs [--status S1,S2] [--project P] [--meta KEY=VALUE]... [--json]")}
	cf := addClientFlags(fs)
	status := fs.String("status", "", "only jobs in these statuses (comma-separated)")
	project := fs.String("project", "", "only jobs of this project (their metadata's project, as the Blender add-on sets it)")
	meta := settingsFlag{}
	fs.Var(meta, "meta", "only jobs whose metadata has KEY=VALUE (repeatable; all must match)")
	if _, err := parseFlags(fs.FlagSet, args); err != nil {
		return err
	}
	filter := client.JobFilter{Metadata: meta}
	for _, s := range strings.Split(*status, ",") {
		if s = strings.TrimSpace(s); s != "" {
			filter.Statuses = append(filter.Statuses, model.JobStatus(s))
		}
	}
	if *project != "" {
		meta["project"] = *project
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	jobs, err := cl.JobsMatching(context.Background(), filter)
	if err != nil {
		return err
	}
	if *cf.asJSON {
		return printJSON(e.stdout, jobs)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTYPE\tSTATUS\tPRIO\tPROGRESS\tSUBMITTED")
	for _, j := range jobs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", j.ID, j.Name, j.Type, j.Status, j.Priority,
			percent(j.StepsCompleted, j.StepsTotal), j.Created.Local().Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

func percent(done, total int) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%d%%", done*100/total)
}

func runJob(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "job", "job ID [cancel|pause|resume|requeue|requeue-failed|archive|delete|set-priority N] [--json]\n"+
		"       farmhand job ID blocklist [--clear [--worker ID [--type T]]] [--json]\n\n"+
		"ID may be any unique start of the job's id, as 'farmhand jobs' lists it (case does not matter).\n"+
		"Its tasks are JOB.N, N counted from 0: see 'farmhand tasks ID' and 'farmhand task -h'.")}
	cf := addClientFlags(fs)
	clear := fs.Bool("clear", false, "with blocklist: remove entries (all, or --worker's)")
	clearWorker := fs.String("worker", "", "with blocklist --clear: only this worker's entries")
	clearType := fs.String("type", "", "with blocklist --clear --worker: only this task type")
	pos, err := parseFlags(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: which job?", errUsage)
	}
	ctx := context.Background()
	cl, err := cf.client()
	if err != nil {
		return err
	}
	id, err := resolveJobID(ctx, cl, pos[0])
	if err != nil {
		return err
	}
	var job *model.Job
	switch {
	case len(pos) == 1:
		job, err = cl.Job(ctx, id)
	case pos[1] == "blocklist" && len(pos) == 2:
		return runBlocklist(e, cl, id, *clear, *clearWorker, *clearType, *cf.asJSON)
	case pos[1] == "delete" && len(pos) == 2:
		if err := cl.DeleteJob(ctx, id); err != nil {
			return err
		}
		if *cf.asJSON {
			return printJSON(e.stdout, map[string]any{"id": id, "deleted": true})
		}
		fmt.Fprintf(e.stdout, "job %s deleted\n", id)
		return nil
	case pos[1] == string(model.JobSetPriority):
		if len(pos) != 3 {
			return fmt.Errorf("%w: set-priority needs a number: farmhand job ID set-priority 80", errUsage)
		}
		p, perr := strconv.Atoi(pos[2])
		if perr != nil {
			return fmt.Errorf("%w: priority %q is not a number", errUsage, pos[2])
		}
		job, err = cl.JobAction(ctx, id, model.JobSetPriority, &p)
	case len(pos) == 2:
		action := model.JobAction(pos[1])
		if !model.ValidJobAction(action) {
			return fmt.Errorf("%w: unknown job action %q; actions: %s", errUsage, action, joinActions(model.JobActions))
		}
		job, err = cl.JobAction(ctx, id, action, nil)
	default:
		fs.Usage()
		return fmt.Errorf("%w: too many arguments", errUsage)
	}
	if err != nil {
		return err
	}
	if *cf.asJSON {
		return printJSON(e.stdout, job)
	}
	printJob(e.stdout, job)
	return nil
}

func printJob(w io.Writer, j *model.Job) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ID\t%s\n", j.ID)
	fmt.Fprintf(tw, "Name\t%s\n", j.Name)
	fmt.Fprintf(tw, "Type\t%s\n", j.Type)
	status := string(j.Status)
	if j.StatusReason != "" {
		status += " (" + j.StatusReason + ")"
	}
	fmt.Fprintf(tw, "Status\t%s\n", status)
	fmt.Fprintf(tw, "Priority\t%d\n", j.Priority)
	fmt.Fprintf(tw, "Tasks\t%s\n", countsText(j))
	// Steps are what tasks report done: frames of render tasks, commands of
	// others.
	fmt.Fprintf(tw, "Progress\t%s (%d of %d steps: frames rendered or commands run)\n",
		percent(j.StepsCompleted, j.StepsTotal), j.StepsCompleted, j.StepsTotal)
	printTiming(tw, j, time.Now())
	if len(j.RequiredTags) > 0 {
		fmt.Fprintf(tw, "Needs tags\t%s\n", strings.Join(j.RequiredTags, ", "))
	}
	fmt.Fprintf(tw, "Submitted\t%s by %s\n", j.Created.Local().Format(time.DateTime), j.Submitter)
	fmt.Fprintf(tw, "Updated\t%s\n", j.Updated.Local().Format(time.DateTime))
	keys := make([]string, 0, len(j.Settings))
	for k := range j.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(tw, "  %s\t%v\n", k, j.Settings[k])
	}
	actions := make([]string, len(j.AllowedActions))
	for i, a := range j.AllowedActions {
		actions[i] = string(a)
	}
	fmt.Fprintf(tw, "Actions\t%s\n", strings.Join(actions, ", "))
	tw.Flush()
}

func runBlocklist(e *env, cl *client.Client, jobID string, clear bool, workerID, taskType string, asJSON bool) error {
	ctx := context.Background()
	if clear {
		if workerID != "" {
			id, err := resolveWorkerID(ctx, cl, workerID)
			if err != nil {
				return err
			}
			workerID = id
		}
		if _, err := cl.ClearBlocklist(ctx, jobID, workerID, taskType); err != nil {
			return err
		}
	}
	list, err := cl.Blocklist(ctx, jobID)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e.stdout, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stdout, "The blocklist is empty.")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKER\tWORKER ID\tTASK TYPE\tSINCE")
	for _, b := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", b.WorkerName, b.WorkerID, b.TaskType, b.Since.Local().Format(time.DateTime))
	}
	return tw.Flush()
}

// printTiming writes the job's frames done and left with its ETA at now, and
// its time per frame overall and per worker, as rows of tw; nothing for a job
// the manager has not timed yet (unchanged since its submission).
func printTiming(tw io.Writer, j *model.Job, now time.Time) {
	if e := j.ETA; e != nil {
		line := e.Summary(now)
		switch {
		case e.FramesLeft == 0:
		case e.Known:
			line += fmt.Sprintf(", done around %s (%s)", e.Finish.Local().Format(time.DateTime), plural(e.Workers, "worker"))
		case e.Reason != "":
			line += ": " + e.Reason
		}
		label := "Frames" // a job that renders no frames is counted in tasks
		if e.Unit != model.UnitFrame {
			label = "Done"
		}
		fmt.Fprintf(tw, "%s\t%s\n", label, line)
	}
	tpf := j.TimePerFrame
	if tpf == nil {
		return
	}
	fmt.Fprintf(tw, "Time per %s\t%s, %s timed\n", tpf.Unit, tpf.Summary(), plural(tpf.Tasks, "task"))
	for _, w := range tpf.Workers {
		done := plural(w.Tasks, "task")
		if tpf.Unit == model.UnitFrame {
			done += ", " + plural(w.Frames, "frame")
		}
		fmt.Fprintf(tw, "  %s\t%s, %s\n", w.WorkerName, w.Summary(), done)
	}
}

// plural says "1 task", "3 tasks".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func countsText(j *model.Job) string {
	keys := make([]string, 0, len(j.TaskCounts))
	for k, v := range j.TaskCounts {
		if v > 0 {
			keys = append(keys, string(k))
		}
	}
	sort.Strings(keys)
	parts := []string{fmt.Sprintf("%d/%d tasks done", j.TaskCounts[model.TaskCompleted], j.TaskCount)}
	for _, k := range keys {
		if k != string(model.TaskCompleted) {
			parts = append(parts, fmt.Sprintf("%d %s", j.TaskCounts[model.TaskStatus(k)], k))
		}
	}
	return strings.Join(parts, ", ")
}

// joinActions writes names as people read a list, "cancel, pause, resume",
// not as Go prints a slice ("[cancel pause resume]").
func joinActions[T ~string](names []T) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = string(n)
	}
	return strings.Join(parts, ", ")
}
