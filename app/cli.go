package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// errJobUnsuccessful: submit --wait saw the job end other than completed.
var errJobUnsuccessful = errors.New("job did not complete")

// clientFlags are the flags of every command that talks to a farm.
type clientFlags struct {
	manager *string
	token   *string
	data    *string
	asJSON  *bool
}

func addClientFlags(fs *flagSet) *clientFlags {
	return &clientFlags{
		manager: fs.String("manager", "", "manager URL (default $FARMHAND_MANAGER, else this computer's membership, else http://127.0.0.1:"+DefaultPort+")"),
		token:   fs.String("token", "", "member token (default $FARMHAND_TOKEN, else the data directory's)"),
		data:    fs.String("data", defaultDataDir(), "data directory holding this computer's token"),
		asJSON:  fs.Bool("json", false, "print machine-readable JSON"),
	}
}

// managerURL: the flag, the environment, the farm this computer joined, or
// this computer.
func (cf *clientFlags) managerURL() string {
	if *cf.manager == "" && os.Getenv("FARMHAND_MANAGER") == "" {
		var m membership
		if b, err := os.ReadFile(filepath.Join(*cf.data, memberFile)); err == nil && json.Unmarshal(b, &m) == nil && m.Manager != "" {
			return m.Manager
		}
	}
	return managerURL(*cf.manager)
}

func (cf *clientFlags) client() *client.Client {
	return client.New(cf.managerURL()).WithToken(tokenFor(*cf.token, *cf.data))
}

// settingsFlag collects repeated --set key=value flags as raw strings; they
// get their types from the job type's declaration (see typedSettings).
type settingsFlag map[string]string

func (s settingsFlag) String() string { return "" }

func (s settingsFlag) Set(kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want key=value, not %q", kv)
	}
	s[strings.TrimSpace(k)] = v
	return nil
}

// typedSettings converts --set values to the types the job type declares, so
// that --set frames=1 stays the string "1" while --set chunk_size=4 becomes a
// number. A key the job type does not declare is passed as JSON when it reads
// as JSON, else as a string; the manager then says what is wrong with it.
func typedSettings(raw settingsFlag, jt *wire.JobType) (map[string]any, error) {
	declared := map[string]string{}
	if jt != nil {
		for _, s := range jt.Settings {
			declared[s.Key] = s.Type
		}
	}
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		switch declared[k] {
		case "string":
			out[k] = v
		case "int32", "float":
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return nil, fmt.Errorf("%w: setting %s must be a number, not %q", errUsage, k, v)
			}
			out[k] = n
		case "bool":
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return nil, fmt.Errorf("%w: setting %s must be true or false, not %q", errUsage, k, v)
			}
			out[k] = b
		default:
			var parsed any
			if json.Unmarshal([]byte(v), &parsed) == nil {
				out[k] = parsed
			} else {
				out[k] = v
			}
		}
	}
	return out, nil
}

func findJobType(ctx context.Context, cl *client.Client, name string) (*wire.JobType, error) {
	types, err := cl.JobTypes(ctx)
	if err != nil {
		return nil, err
	}
	for i := range types {
		if types[i].Name == name {
			return &types[i], nil
		}
	}
	return nil, nil // the manager will name the types it has
}

func runSubmit(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "submit", "submit --type TYPE --name NAME [--priority N] [--set key=value]... [--tag T]... [--wait] [--json]")}
	cf := addClientFlags(fs)
	typ := fs.String("type", "", "job type (see 'farmhand jobtypes')")
	name := fs.String("name", "", "job name")
	prio := fs.Int("priority", 50, "priority, 0–100; higher runs first")
	wait := fs.Bool("wait", false, "wait until the job finishes; exit 1 unless it completed")
	settings := settingsFlag{}
	fs.Var(settings, "set", "a job setting as key=value (repeatable)")
	var tags []string
	fs.Func("tag", "a tag workers must have to run this job (repeatable)", func(s string) error { tags = append(tags, s); return nil })
	if _, err := parse(fs.FlagSet, args); err != nil {
		return err
	}
	if *typ == "" || *name == "" {
		fs.Usage()
		return fmt.Errorf("%w: --type and --name are required", errUsage)
	}
	ctx, stop := signalContext()
	defer stop()
	cl := cf.client()
	jt, err := findJobType(ctx, cl, *typ)
	if err != nil {
		return err
	}
	typed, err := typedSettings(settings, jt)
	if err != nil {
		return err
	}
	etag := ""
	if jt != nil {
		etag = jt.Etag
	}
	job, err := cl.Submit(ctx, wire.SubmitJob{Name: *name, Type: *typ, Priority: prio, Settings: typed, TypeEtag: etag,
		RequiredTags: tags, Submitter: submitter()})
	if err != nil {
		return err
	}
	if !*wait {
		if *cf.asJSON {
			return printJSON(e.stdout, job)
		}
		fmt.Fprintln(e.stdout, job.ID)
		return nil
	}
	if *cf.asJSON {
		// The JSON comes when the job ends; a script waiting on it may want
		// the id now (to show, or to cancel the job).
		fmt.Fprintln(e.stderr, "job", job.ID)
	} else {
		fmt.Fprintln(e.stdout, job.ID)
	}
	job, err = waitForJob(ctx, e, cl, job.ID, !*cf.asJSON)
	if err != nil {
		return err
	}
	if *cf.asJSON {
		if err := printJSON(e.stdout, job); err != nil {
			return err
		}
	}
	if job.Status != model.JobCompleted {
		return fmt.Errorf("%w: job %s is %s: %s", errJobUnsuccessful, job.ID, job.Status, job.StatusReason)
	}
	return nil
}

// submitter names the person submitting; without one, the manager names the
// member whose token it is.
func submitter() string { return getenvAny("USER", "USERNAME") }

// waitForJob follows the event stream until the job is in a final status,
// reading the job from its events. It fetches the job at the start, after a
// resync (events were missed) and every few seconds as a fallback.
func waitForJob(ctx context.Context, e *env, cl *client.Client, id string, progress bool) (*model.Job, error) {
	evCtx, stop := context.WithCancel(ctx)
	defer stop()
	events := cl.Events(evCtx)
	tick := time.NewTicker(3 * time.Second)
	defer tick.Stop()
	last := ""
	job, err := cl.Job(ctx, id)
	for {
		if err != nil {
			return nil, err
		}
		if line := progressLine(job); progress && line != last {
			fmt.Fprintln(e.stderr, line)
			last = line
		}
		if job.Status.Final() {
			return job, nil
		}
		fetch := false
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
			fetch = true
		case ev := <-events:
			switch {
			case ev.Type == model.EventResync || ev.Type == model.EventLive:
				fetch = true
			case ev.Type == model.EventJob && ev.Job != nil && ev.Job.ID == id:
				if ev.Deleted {
					return nil, fmt.Errorf("job %s was deleted while waiting for it", id)
				}
				job = ev.Job
			}
		}
		if fetch {
			job, err = cl.Job(ctx, id)
		}
	}
}

func progressLine(j *model.Job) string {
	return fmt.Sprintf("%s  %-16s %s", j.Name, j.Status, countsText(j))
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

func runJobs(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "jobs", "jobs [--status S1,S2] [--json]")}
	cf := addClientFlags(fs)
	status := fs.String("status", "", "only jobs in these statuses (comma-separated)")
	if _, err := parse(fs.FlagSet, args); err != nil {
		return err
	}
	var filter []model.JobStatus
	for _, s := range strings.Split(*status, ",") {
		if s = strings.TrimSpace(s); s != "" {
			filter = append(filter, model.JobStatus(s))
		}
	}
	jobs, err := cf.client().Jobs(context.Background(), filter...)
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
		"       farmhand job ID blocklist [--clear [--worker ID [--type T]]] [--json]")}
	cf := addClientFlags(fs)
	clear := fs.Bool("clear", false, "with blocklist: remove entries (all, or --worker's)")
	clearWorker := fs.String("worker", "", "with blocklist --clear: only this worker's entries")
	clearType := fs.String("type", "", "with blocklist --clear --worker: only this task type")
	pos, err := parse(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: which job?", errUsage)
	}
	ctx := context.Background()
	cl := cf.client()
	id := pos[0]
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
			return fmt.Errorf("%w: unknown job action %q; actions: %v", errUsage, action, model.JobActions)
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
	fmt.Fprintf(tw, "Progress\t%s (%d of %d steps)\n", percent(j.StepsCompleted, j.StepsTotal), j.StepsCompleted, j.StepsTotal)
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

func runTasks(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "tasks", "tasks JOB_ID [--status S1,S2] [--json]")}
	cf := addClientFlags(fs)
	status := fs.String("status", "", "only tasks in these statuses (comma-separated)")
	pos, err := parse(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("%w: which job?", errUsage)
	}
	tasks, err := cf.client().Tasks(context.Background(), pos[0])
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
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tID\tNAME\tTYPE\tSTATUS\tSTEPS\tWORKER\tACTIVITY")
	for _, t := range tasks {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\n", t.Index+1, t.ID, t.Name, t.Type, t.Status,
			t.StepsCompleted, t.StepsTotal, t.WorkerID, t.Activity)
	}
	return tw.Flush()
}

func runTask(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "task", "task ID [cancel|requeue|why|log|tail [N]] [--json]")}
	cf := addClientFlags(fs)
	pos, err := parse(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: which task?", errUsage)
	}
	ctx := context.Background()
	cl := cf.client()
	id := pos[0]
	verb := ""
	if len(pos) > 1 {
		verb = pos[1]
	}
	switch verb {
	case "":
		t, err := cl.Task(ctx, id)
		if err != nil {
			return err
		}
		if *cf.asJSON {
			return printJSON(e.stdout, t)
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "ID\t%s\nName\t%s\nJob\t%s\nType\t%s\nStatus\t%s\nSteps\t%d/%d\nWorker\t%s\nActivity\t%s\n",
			t.ID, t.Name, t.JobID, t.Type, t.Status, t.StepsCompleted, t.StepsTotal, t.WorkerID, t.Activity)
		if len(t.FailedBy) > 0 {
			fmt.Fprintf(tw, "Failed by\t%s\n", strings.Join(t.FailedBy, ", "))
		}
		for i, c := range t.Commands {
			params, _ := json.Marshal(c.Parameters)
			fmt.Fprintf(tw, "Command %d\t%s %s\n", i+1, c.Name, params)
		}
		return tw.Flush()
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
		n := 20
		if len(pos) > 2 {
			if n, err = strconv.Atoi(pos[2]); err != nil {
				return fmt.Errorf("%w: %q is not a number of lines", errUsage, pos[2])
			}
		}
		text, err := cl.TaskLogTail(ctx, id, n)
		if err != nil {
			return err
		}
		fmt.Fprint(e.stdout, text)
		return nil
	case string(model.TaskCancel), string(model.TaskRequeue):
		tasks, err := cl.TaskAction(ctx, model.TaskAction(verb), []string{id})
		if err != nil {
			return err
		}
		if *cf.asJSON {
			return printJSON(e.stdout, tasks[0])
		}
		fmt.Fprintf(e.stdout, "task %s is %s\n", id, tasks[0].Status)
		return nil
	}
	return fmt.Errorf("%w: unknown task action %q; use cancel, requeue, why, log or tail", errUsage, verb)
}

func runWorkers(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "workers", "workers [pending] [--json]")}
	cf := addClientFlags(fs)
	pos, err := parse(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) == 1 && pos[0] == "pending" {
		return listMembers(e, cf, model.MemberPending)
	}
	ws, err := cf.client().Workers(context.Background())
	if err != nil {
		return err
	}
	if *cf.asJSON {
		return printJSON(e.stdout, ws)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tPLATFORM\tTASK TYPES\tTAGS\tTASK\tLAST SEEN")
	for _, w := range ws {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", w.ID, w.Name, w.Status, w.Platform,
			strings.Join(w.TaskTypes, ","), strings.Join(w.Tags, ","), w.TaskID, ago(w.LastSeen))
	}
	return tw.Flush()
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return time.Since(t).Round(time.Second).String() + " ago"
}

func runJobTypes(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "jobtypes", "jobtypes [--json]")}
	cf := addClientFlags(fs)
	if _, err := parse(fs.FlagSet, args); err != nil {
		return err
	}
	list, err := cf.client().JobTypeList(context.Background())
	if err != nil {
		return err
	}
	if *cf.asJSON {
		return printJSON(e.stdout, list)
	}
	for _, jt := range list.JobTypes {
		fmt.Fprintf(e.stdout, "%s — %s (%s)\n  %s\n", jt.Name, jt.Label, jt.Source, jt.Description)
		for _, s := range jt.Settings {
			if s.Visible == "hidden" {
				continue
			}
			req := ""
			if s.Required {
				req = ", required"
			}
			def := ""
			if s.Default != nil {
				def = fmt.Sprintf(", default %v", s.Default)
			}
			fmt.Fprintf(e.stdout, "  --set %s=…  (%s%s%s) %s\n", s.Key, s.Type, req, def, s.Description)
		}
	}
	for _, p := range list.Problems {
		fmt.Fprintf(e.stderr, "warning: %s (job type %s) did not load: %s\n", p.File, p.Name, p.Error)
	}
	return nil
}

func runJobType(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "jobtype", "jobtype export NAME [--json]")}
	cf := addClientFlags(fs)
	pos, err := parse(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] != "export" {
		fs.Usage()
		return fmt.Errorf("%w: use 'farmhand jobtype export NAME' to copy a built-in job type into the scripts folder", errUsage)
	}
	path, err := cf.client().ExportJobType(context.Background(), pos[1])
	if err != nil {
		return err
	}
	if *cf.asJSON {
		return printJSON(e.stdout, wire.Exported{Path: path})
	}
	fmt.Fprintf(e.stdout, "%s\nEdit it there (on the manager's computer); the farm uses your version from now on.\n", path)
	return nil
}

func runBlocklist(e *env, cl *client.Client, jobID string, clear bool, workerID, taskType string, asJSON bool) error {
	ctx := context.Background()
	if clear {
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
