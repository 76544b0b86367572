package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/files"
	"farmhand/farm/model"
)

// configKey is one setting 'farmhand config set' changes: its key (the
// manager's flag of the same name), the JSON field, and how its text goes
// into an update.
type configKey struct {
	key, field, about string
	set               func(u *wire.ConfigUpdate, v string) error
	show              func(c *wire.FarmConfig) string
}

func text(dst func(*wire.ConfigUpdate) **string) func(*wire.ConfigUpdate, string) error {
	return func(u *wire.ConfigUpdate, v string) error { *dst(u) = &v; return nil }
}

func whole(key string, dst func(*wire.ConfigUpdate) **int) func(*wire.ConfigUpdate, string) error {
	return func(u *wire.ConfigUpdate, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%s: %q is not a whole number; give one from 1 to 1000", key, v)
		}
		*dst(u) = &n
		return nil
	}
}

// configKeys are the settings in the order 'farmhand config' shows them.
var configKeys = []configKey{
	{"farm-name", "farm_name", "the farm's name, as workers and windows list it",
		text(func(u *wire.ConfigUpdate) **string { return &u.FarmName }), func(c *wire.FarmConfig) string { return c.FarmName }},
	{"worker-timeout", "worker_timeout", "a worker silent this long is lost and its task requeued (e.g. 2m)",
		duration("worker-timeout", 0, yearOfHours, func(u *wire.ConfigUpdate) **string { return &u.WorkerTimeout }), func(c *wire.FarmConfig) string { return c.WorkerTimeout }},
	{"task-timeout", "task_timeout", "a running task its worker stops reporting on this long fails on that worker (e.g. 15m; at least 30s)",
		duration("task-timeout", model.TaskTimeoutFloor, yearOfHours, func(u *wire.ConfigUpdate) **string { return &u.TaskTimeout }), func(c *wire.FarmConfig) string { return c.TaskTimeout }},
	{"max-task-failures", "max_task_failures", "distinct workers that may fail a task before it fails for good",
		whole("max-task-failures", func(u *wire.ConfigUpdate) **int { return &u.MaxTaskFailures }),
		func(c *wire.FarmConfig) string { return strconv.Itoa(c.MaxTaskFailures) }},
	{"blocklist-threshold", "blocklist_threshold", "failed tasks of one type of one job that blocklist a worker for them",
		whole("blocklist-threshold", func(u *wire.ConfigUpdate) **int { return &u.BlocklistThreshold }),
		func(c *wire.FarmConfig) string { return strconv.Itoa(c.BlocklistThreshold) }},
	{"fail-threshold", "fail_threshold", "share of failed tasks (above 0, at most 1) above which a job fails",
		func(u *wire.ConfigUpdate, v string) error {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			// ParseFloat also reads NaN and Inf, which no share is (nor JSON).
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("fail-threshold: %q is not a number; give a share above 0 and at most 1, such as 0.1", v)
			}
			u.FailThreshold = &f
			return nil
		}, func(c *wire.FarmConfig) string { return strconv.FormatFloat(c.FailThreshold, 'g', -1, 64) }},
	{"forget-workers-after", "forget_workers_after", "delete workers offline this long; 0 keeps them (e.g. 720h)",
		duration("forget-workers-after", 0, decadeOfHours, func(u *wire.ConfigUpdate) **string { return &u.ForgetWorkersAfter }), func(c *wire.FarmConfig) string { return c.ForgetWorkersAfter }},
	{"scripts-dir", "scripts_dir", "folder of custom job-type scripts on the manager's computer; '' for the data folder's",
		text(func(u *wire.ConfigUpdate) **string { return &u.ScriptsDir }), func(c *wire.FarmConfig) string { return c.ScriptsDir }},
	{"max-file-size", "max_file_size", "the largest file an upload job may send, in or out (e.g. 50GiB; 0 for the default)",
		size("max-file-size", func(u *wire.ConfigUpdate) **int64 { return &u.MaxFileSize }),
		func(c *wire.FarmConfig) string { return files.SizeText(c.MaxFileSize) }},
	{"max-job-size", "max_job_size", "the most an upload job's files may take together, in and out each (e.g. 200GiB; 0 for the default)",
		size("max-job-size", func(u *wire.ConfigUpdate) **int64 { return &u.MaxJobSize }),
		func(c *wire.FarmConfig) string { return files.SizeText(c.MaxJobSize) }},
	{"upload-timeout", "upload_timeout", "an upload job no chunk of its files reached this long is canceled (e.g. 48h; 0 for the default, 24h)",
		duration("upload-timeout", 0, yearOfHours, func(u *wire.ConfigUpdate) **string { return &u.UploadTimeout }), func(c *wire.FarmConfig) string { return c.UploadTimeout }},
	{"delete-jobs-after", "delete_jobs_after", "delete jobs that ended this long ago (completed, canceled, failed, archived); 0 keeps them (e.g. 2160h)",
		duration("delete-jobs-after", 0, decadeOfHours, func(u *wire.ConfigUpdate) **string { return &u.DeleteJobsAfter }),
		func(c *wire.FarmConfig) string { return c.DeleteJobsAfter }},
}

// size takes a size as people write it, or 0 for the farm's default
// (files.ParseLimit).
func size(key string, dst func(*wire.ConfigUpdate) **int64) func(*wire.ConfigUpdate, string) error {
	return func(u *wire.ConfigUpdate, v string) error {
		n, err := files.ParseLimit(v)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		*dst(u) = &n
		return nil
	}
}

// usageError returns a command-line mistake as errUsage: Main prints it and
// exits with code 2.
func usageError(_ *env, _ string, msg string) error {
	return fmt.Errorf("%w: %s", errUsage, msg)
}

func configSynopsis() string {
	var b strings.Builder
	b.WriteString("config [--json]                 show the farm's settings\n" +
		"       farmhand config set KEY VALUE [KEY VALUE…]   change settings (admins); they apply at once and are kept\n\nKeys:\n")
	for _, k := range configKeys {
		fmt.Fprintf(&b, "  %-22s %s\n", k.key, k.about)
	}
	b.WriteString("\nPath variables and storage locations: see 'farmhand variables' and 'farmhand variable'.")
	return b.String()
}

func runConfig(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "config", configSynopsis())}
	cf := addClientFlags(fs)
	pairs, flags := splitSetPairs(fs.FlagSet, args)
	pos, err := parseFlags(fs.FlagSet, flags)
	if err != nil {
		return err
	}
	pos = append(pos, pairs...)
	if len(pos) > 0 && (pos[0] != "set" || len(pos) < 3 || len(pos)%2 == 0) {
		fs.Usage()
		return usageError(e, "config", "use 'farmhand config' or 'farmhand config set KEY VALUE'")
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	ctx := context.Background()
	old, err := cl.Config(ctx)
	c := old
	if err == nil && len(pos) > 0 {
		c, err = setConfig(ctx, cl, pos[1:])
	}
	if errors.Is(err, errUsage) {
		return usageError(e, "config", strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
	}
	if err != nil {
		return err
	}
	switch {
	case *cf.asJSON:
		return printJSON(e.stdout, c)
	case len(pos) > 0:
		printConfigChange(e.stdout, old, c)
		warnLimits(e.stderr, c)
	default:
		printConfig(e.stdout, c)
	}
	return nil
}

// splitSetPairs takes the KEY VALUE pairs of 'config set' out of args, so
// that a value such as -5m is not read as a flag; the rest (the command's
// flags with their values, and any other word) goes to the flag parser.
func splitSetPairs(fs *flag.FlagSet, args []string) (pairs, rest []string) {
	if len(args) == 0 || args[0] != "set" {
		return nil, args
	}
	rest = append(rest, args[0])
	for i := 1; i < len(args); {
		a := args[i]
		i++
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			rest = append(rest, a)
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if f := fs.Lookup(name); f != nil && !hasValue && !isBoolFlag(f) && i < len(args) {
				rest = append(rest, args[i])
				i++
			}
			continue
		}
		pairs = append(pairs, a)
		if i < len(args) { // the value, whatever it looks like
			pairs = append(pairs, args[i])
			i++
		}
	}
	return pairs, rest
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// printConfigChange says what 'config set' changed, setting by setting.
func printConfigChange(w io.Writer, old, cur *wire.FarmConfig) {
	changed := false
	for _, k := range configKeys {
		if before, after := k.show(old), k.show(cur); before != after {
			fmt.Fprintf(w, "%s: %s → %s\n", k.key, shownOrNone(before), shownOrNone(after))
			changed = true
		}
	}
	if !changed {
		fmt.Fprintln(w, "Nothing changed: the settings already had those values.")
	}
}

func shownOrNone(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// setConfig sends the KEY VALUE pairs as one update. Every mistake is an
// errUsage naming the command line's key (task-timeout, not the API's
// task_timeout) and what it takes: an unknown key, one given twice, a value
// the command line reads wrong, and the manager's refusal of a value.
func setConfig(ctx context.Context, cl *client.Client, pairs []string) (*wire.FarmConfig, error) {
	var u wire.ConfigUpdate
	given := map[string]bool{}
	for i := 0; i < len(pairs); i += 2 {
		// The manager's errors name settings by their JSON field
		// (task_timeout); both spellings are taken.
		k := slices.IndexFunc(configKeys, func(k configKey) bool { return k.key == pairs[i] || k.field == pairs[i] })
		if k < 0 {
			keys := make([]string, len(configKeys))
			for j, k := range configKeys {
				keys[j] = k.key
			}
			return nil, fmt.Errorf("%w: unknown setting %q; settings are %s", errUsage, pairs[i], strings.Join(keys, ", "))
		}
		key := configKeys[k].key
		if given[key] {
			return nil, fmt.Errorf("%w: %s is given twice; give each setting once", errUsage, key)
		}
		given[key] = true
		if err := configKeys[k].set(&u, pairs[i+1]); err != nil {
			return nil, fmt.Errorf("%w: %w", errUsage, err)
		}
	}
	c, err := cl.UpdateConfig(ctx, u)
	if refused := refusedSetting(err); refused != "" {
		return nil, fmt.Errorf("%w: %s", errUsage, refused)
	}
	if err != nil {
		return nil, fmt.Errorf("changing the farm settings: %w", err)
	}
	return c, nil
}

// refusedSetting returns the manager's refusal of a setting's value (a 400
// "invalid setting: <json field>: <rule>") with the field said as the
// command line's key ("task-timeout: <rule>"); "" for any other error.
func refusedSetting(err error) string {
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusBadRequest {
		return ""
	}
	_, rest, ok := strings.Cut(ce.Message, "invalid setting: ")
	if !ok {
		return ""
	}
	field, rule, _ := strings.Cut(rest, ": ")
	for _, k := range configKeys {
		if k.field == field {
			return k.key + ": " + rule
		}
	}
	return rest
}

// warnLimits writes a warning to w when the per-file upload limit exceeds
// the per-job one: a file that large could never be sent, so the file limit
// says more than the farm takes.
func warnLimits(w io.Writer, c *wire.FarmConfig) {
	if c.MaxFileSize > c.MaxJobSize && c.MaxJobSize > 0 {
		fmt.Fprintf(w, "warning: max-file-size (%s) is larger than max-job-size (%s): no upload job may send a file larger than %s.\n",
			files.SizeText(c.MaxFileSize), files.SizeText(c.MaxJobSize), files.SizeText(c.MaxJobSize))
	}
}

func printConfig(w io.Writer, c *wire.FarmConfig) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "data folder\t%s\t\n", c.DataDir)
	for _, k := range configKeys {
		note := ""
		if slices.Contains(c.Overridden, k.field) {
			note = "(a command-line flag overrides it for this run of the manager)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", k.key, k.show(c), note)
	}
	tw.Flush()
	fmt.Fprintln(w)
	if len(c.Variables) == 0 {
		fmt.Fprintln(w, "No path variables or storage locations: add one with 'farmhand variable set NAME --linux V --windows V --darwin V'.")
		return
	}
	printVariables(w, c.Variables)
}

func printVariables(w io.Writer, vars []model.Variable) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tKIND\tLINUX\tWINDOWS\tDARWIN\tALL")
	for _, v := range vars {
		kind := "variable"
		if v.Storage {
			kind = "storage"
		}
		row := []string{"{" + v.Name + "}", kind}
		for _, p := range model.Platforms {
			row = append(row, orDash(v.Values[p]))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func runVariables(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "variables", "variables [--json]: list the path variables and storage locations")}
	cf := addClientFlags(fs)
	if _, err := parseFlags(fs.FlagSet, args); err != nil {
		return err
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	vars, err := cl.Variables(context.Background())
	if err != nil {
		return err
	}
	if *cf.asJSON {
		return printJSON(e.stdout, wire.VariableList{Variables: vars})
	}
	if len(vars) == 0 {
		fmt.Fprintln(e.stdout, "No path variables or storage locations.")
		return nil
	}
	printVariables(e.stdout, vars)
	return nil
}

const variableSynopsis = `variable set NAME [--linux V] [--windows V] [--darwin V] [--all V] [--storage[=false]]
       farmhand variable delete NAME

A path variable is a folder each platform names its own way: jobs and job types
write {NAME}, and each computer reads its platform's value (else the --all one).
'set' changes only the platforms given (--windows '' removes the Windows value)
and keeps the others. A storage location ("projects", "renders") is a variable
set with --storage: a root where projects or renders live.`

func runVariable(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "variable", variableSynopsis)}
	cf := addClientFlags(fs)
	values := map[string]*string{}
	for _, p := range []string{model.PlatformLinux, model.PlatformWindows, model.PlatformDarwin} {
		values[p] = fs.String(p, "", "the value on "+p)
	}
	values[model.PlatformAll] = fs.String(model.PlatformAll, "", "the value on every platform without one of its own")
	storage := fs.Bool("storage", false, "the variable is a storage location (--storage=false: a plain variable again)")
	pos, err := parseFlags(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || (pos[0] != "set" && pos[0] != "delete") {
		fs.Usage()
		return usageError(e, "variable", "use 'farmhand variable set NAME --linux V …' or 'farmhand variable delete NAME'")
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	ctx, name := context.Background(), pos[1]
	if pos[0] == "delete" {
		if err := cl.DeleteVariable(ctx, name); err != nil {
			return fmt.Errorf("deleting variable %s: %w", name, err)
		}
		fmt.Fprintf(e.stdout, "Deleted {%s}.\n", name)
		return nil
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	change, err := variableChange(ctx, cl, name, values, given, *storage)
	if errors.Is(err, errUsage) {
		return usageError(e, "variable", strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
	}
	if err != nil {
		return err
	}
	v, err := cl.PutVariable(ctx, name, change)
	if err != nil {
		return fmt.Errorf("setting variable %s: %w", name, err)
	}
	if *cf.asJSON {
		return printJSON(e.stdout, v)
	}
	printVariables(e.stdout, []model.Variable{*v})
	return nil
}

// variableChange is the variable's current values (none for a new one) with
// the platforms given changed; an empty value removes that platform's.
func variableChange(ctx context.Context, cl *client.Client, name string, values map[string]*string, given map[string]bool,
	storage bool) (wire.VariableChange, error) {
	change := wire.VariableChange{Values: map[string]string{}}
	old, err := cl.Variable(ctx, name)
	switch {
	case err == nil:
		change.Storage, change.Values = old.Storage, old.Values
	case client.StatusOf(err) != 404:
		return change, fmt.Errorf("reading variable %s: %w", name, err)
	}
	changed := false
	for p, v := range values {
		if !given[p] {
			continue
		}
		changed = true
		if *v == "" {
			delete(change.Values, p)
		} else {
			change.Values[p] = *v
		}
	}
	if given["storage"] {
		change.Storage, changed = storage, true
	}
	if !changed {
		return change, fmt.Errorf("%w: give a value: --linux, --windows, --darwin or --all (or --storage)", errUsage)
	}
	if change.Values == nil {
		return change, errors.New("the manager sent a variable without values")
	}
	return change, nil
}
