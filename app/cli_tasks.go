package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"farmhand/farm/api/client"
	"farmhand/farm/model"
)

func runTasks(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "tasks", "tasks JOB_ID [--status S1,S2] [--json]\n\n"+
		"JOB_ID may be any unique start of the job's id (case does not matter). Column N is the task's number,\n"+
		"counted from 0, that ends its id: 'farmhand task JOB_ID.N' shows that task.")}
	cf := addClientFlags(fs)
	status := fs.String("status", "", "only tasks in these statuses (comma-separated)")
	pos, err := parseFlags(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("%w: which job?", errUsage)
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	ctx := context.Background()
	jobID, err := resolveJobID(ctx, cl, pos[0])
	if err != nil {
		return err
	}
	tasks, err := cl.Tasks(ctx, jobID)
	if err != nil {
		return err
	}
	if *status != "" {
		want := strings.Split(*status, ",")
		tasks = slices.DeleteFunc(tasks, func(t *model.Task) bool { return !slices.Contains(want, string(t.Status)) })
	}
	if *cf.asJSON {
		return printJSON(e.stdout, tasks)
	}
	names := workerNames(ctx, cl)
	// N is the number ending the task's id (counted from 0), so that the
	// row a person reads is the id they type: 'farmhand task JOB.N'.
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "N\tID\tNAME\tTYPE\tSTATUS\tSTEPS\tWORKER\tACTIVITY")
	for _, t := range tasks {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\n", t.Index, t.ID, t.Name, t.Type, t.Status,
			t.StepsCompleted, t.StepsTotal, names.of(t.WorkerID), t.Activity)
	}
	return tw.Flush()
}

// workerNamer names workers by id, for tables people read.
type workerNamer map[string]string

// workerNames returns the farm's workers' names by id; none when they cannot
// be listed (a member may see tasks without seeing workers), so that a table
// shows ids rather than failing.
func workerNames(ctx context.Context, cl *client.Client) workerNamer {
	names := workerNamer{}
	workers, err := cl.Workers(ctx)
	if err != nil {
		return names
	}
	for _, w := range workers {
		names[w.ID] = w.Name
	}
	return names
}

// of returns the name of worker id, else id itself (a worker deleted since,
// or one this member may not list); "" for no worker.
func (n workerNamer) of(id string) string {
	if name := n[id]; name != "" {
		return name
	}
	return id
}

func runTask(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "task", "task ID [cancel|requeue|why|log|tail [N]] [--json]\n\n"+
		"A task id is JOB.N: its job's id, a dot and the task's number counted from 0, as 'farmhand tasks JOB'\n"+
		"shows it (the first task of job 3f2a… is 3f2a….0). The job's part may be any unique start of its id,\n"+
		"case aside: 'farmhand task 3f2a.0'.")}
	cf := addClientFlags(fs)
	pos, err := parseFlags(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: which task?", errUsage)
	}
	ctx := context.Background()
	cl, err := cf.client()
	if err != nil {
		return err
	}
	id, err := resolveTaskID(ctx, cl, pos[0])
	if err != nil {
		return err
	}
	verb := ""
	if len(pos) > 1 {
		verb = pos[1]
	}
	switch verb {
	case "":
		return showTask(ctx, e, cl, id, *cf.asJSON)
	case "why":
		why, err := cl.Why(ctx, id)
		if err != nil {
			return err
		}
		if *cf.asJSON {
			return printJSON(e.stdout, why)
		}
		printWhy(e, why)
		return nil
	case "log":
		text, err := cl.TaskLog(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprint(e.stdout, text)
		return nil
	case "tail":
		return tailTaskLog(ctx, e, cl, id, pos[2:])
	case string(model.TaskCancel), string(model.TaskRequeue):
		return actOnTask(ctx, e, cl, id, model.TaskAction(verb), *cf.asJSON)
	}
	return fmt.Errorf("%w: unknown task action %q; use cancel, requeue, why, log or tail", errUsage, verb)
}

// showTask prints task id: its fields as a table, or as JSON.
func showTask(ctx context.Context, e *env, cl *client.Client, id string, asJSON bool) error {
	t, err := cl.Task(ctx, id)
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e.stdout, t)
	}
	names := workerNames(ctx, cl)
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "ID\t%s\nName\t%s\nJob\t%s\nType\t%s\nStatus\t%s\nSteps\t%d/%d\nWorker\t%s\nActivity\t%s\n",
		t.ID, t.Name, t.JobID, t.Type, t.Status, t.StepsCompleted, t.StepsTotal, names.of(t.WorkerID), t.Activity)
	if len(t.FailedBy) > 0 {
		failed := make([]string, len(t.FailedBy))
		for i, id := range t.FailedBy {
			failed[i] = names.of(id)
		}
		fmt.Fprintf(tw, "Failed by\t%s\n", strings.Join(failed, ", "))
	}
	for i, c := range t.Commands {
		params, _ := json.Marshal(c.Parameters)
		fmt.Fprintf(tw, "Command %d\t%s %s\n", i+1, c.Name, params)
	}
	return tw.Flush()
}

// tailTaskLog prints the last lines of task id's log: 20, or the number args
// holds (errUsage when it is not one).
func tailTaskLog(ctx context.Context, e *env, cl *client.Client, id string, args []string) error {
	n := 20
	if len(args) > 0 {
		var err error
		if n, err = strconv.Atoi(args[0]); err != nil {
			return fmt.Errorf("%w: %q is not a number of lines", errUsage, args[0])
		}
	}
	text, err := cl.TaskLogTail(ctx, id, n)
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, text)
	return nil
}

// actOnTask cancels or requeues task id and prints its new status.
func actOnTask(ctx context.Context, e *env, cl *client.Client, id string, action model.TaskAction, asJSON bool) error {
	tasks, err := cl.TaskAction(ctx, action, []string{id})
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(e.stdout, tasks[0])
	}
	fmt.Fprintf(e.stdout, "task %s is %s\n", id, tasks[0].Status)
	return nil
}
