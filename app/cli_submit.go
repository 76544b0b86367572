package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
	"farmhand/farm/pathvars"
)

// submittedSettings joins --set and --set-extra, typed as the job type
// declares them, warning on stderr of --set keys it does not declare.
func submittedSettings(e *env, settings, extra settingsFlag, jt *wire.JobType) (map[string]any, error) {
	all, err := mergeExtras(settings, extra, jt)
	if err != nil {
		return nil, err
	}
	typed, err := typedSettings(all, jt)
	if err != nil {
		return nil, err
	}
	warnUndeclared(e.stderr, settings, jt)
	return typed, nil
}

// errJobUnsuccessful: submit --wait saw the job end other than completed.
var errJobUnsuccessful = errors.New("job did not complete")

func runSubmit(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "submit", "submit --type TYPE --name NAME [--priority N] [--set key=value]... [--set-extra key=value]... [--tag T]... "+
		"[--meta key=value]... [--paused] [--wait] [--json] [--upload FILE.blend [--allow-missing] [--blender PATH]]")}
	cf := addClientFlags(fs)
	typ := fs.String("type", "", "job type (see 'farmhand jobtypes')")
	name := fs.String("name", "", "job name")
	prio := fs.Int("priority", 50, "priority, 0–100; higher runs first")
	wait := fs.Bool("wait", false, "wait until the job finishes; exit 1 unless it completed")
	settings := settingsFlag{}
	fs.Var(settings, "set", "a job setting as key=value (repeatable); a key the job type does not declare is warned about")
	extra := settingsFlag{}
	fs.Var(extra, "set-extra", "a setting the job type does not declare, passed to its script on purpose, as key=value (repeatable)")
	var tags []string
	fs.Func("tag", "a tag workers must have to run this job (repeatable, or comma-separated as worker --tags)", func(s string) error {
		given := splitTags(s)
		if len(given) == 0 {
			return fmt.Errorf("no tag in %q", s)
		}
		for _, t := range given {
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
		return nil
	})
	meta := settingsFlag{}
	fs.Var(meta, "meta", "metadata as key=value, e.g. project=Spring (repeatable); 'farmhand jobs --project' lists by it")
	paused := fs.Bool("paused", false, "submit the job paused: nothing runs until 'farmhand job ID resume'")
	platform := fs.String("platform", string(pathvars.HostPlatform()), "the platform whose paths the settings hold "+
		"(linux, windows or darwin): paths under a path variable's value there reach each worker in its own form")
	uf := addUploadFlags(fs)
	if _, err := parseFlags(fs.FlagSet, args); err != nil {
		return err
	}
	uf.defaults(typ, name)
	if *typ == "" || *name == "" {
		fs.Usage()
		return fmt.Errorf("%w: --type and --name are required", errUsage)
	}
	ctx, stop := signalContext()
	defer stop()
	cl, err := cf.client()
	if err != nil {
		return err
	}
	jt, err := findJobType(ctx, cl, *typ)
	if err != nil {
		return err
	}
	typed, err := submittedSettings(e, settings, extra, jt)
	if err != nil {
		return err
	}
	etag := ""
	if jt != nil {
		etag = jt.Etag
	}
	sub := wire.SubmitJob{Name: *name, Type: *typ, Priority: prio, Settings: typed, TypeEtag: etag,
		RequiredTags: tags, Submitter: submitter(), Metadata: meta, Paused: *paused, SubmitterPlatform: *platform}
	up, err := uf.prepare(ctx, e, &sub, jt)
	if err != nil {
		return err
	}
	defer up.done()
	job, err := up.submit(ctx, e, cl, sub)
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
	return waitSubmitted(ctx, e, cl, job.ID, *cf.asJSON)
}

// waitSubmitted is submit --wait: it prints the job's id at once, waits for
// the job to end, prints it as JSON if asked, and fails with
// errJobUnsuccessful unless it completed.
func waitSubmitted(ctx context.Context, e *env, cl *client.Client, id string, asJSON bool) error {
	if asJSON {
		// The JSON comes when the job ends; a script waiting on it may want
		// the id now (to show, or to cancel the job).
		fmt.Fprintln(e.stderr, "job", id)
	} else {
		fmt.Fprintln(e.stdout, id)
	}
	job, err := waitForJob(ctx, e, cl, id, !asJSON)
	if err != nil {
		return err
	}
	if asJSON {
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
			// ParseFloat also reads NaN and Inf, which no setting is (nor JSON).
			if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
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
	names := make([]string, len(types))
	for i := range types {
		if types[i].Name == name {
			return &types[i], nil
		}
		names[i] = types[i].Name
	}
	return nil, fmt.Errorf("%w: unknown job type %q; this farm has: %s ('farmhand jobtypes' describes them)",
		errUsage, name, orNone(strings.Join(names, ", ")))
}

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
