package app

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"farmhand/farm/api/wire"
)

func runJobTypes(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "jobtypes", "jobtypes [TYPE] [--json]\n\n"+
		"Lists the farm's job types and the settings 'farmhand submit --set' takes. With TYPE, that job type\n"+
		"only, with its hidden settings too (the job type or the Blender add-on fills them; --set still sets them).")}
	cf := addClientFlags(fs)
	pos, err := parseFlags(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return fmt.Errorf("%w: give one job type, or none for all", errUsage)
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	list, err := cl.JobTypeList(context.Background())
	if err != nil {
		return err
	}
	if len(pos) == 1 {
		i := slices.IndexFunc(list.JobTypes, func(jt wire.JobType) bool { return jt.Name == pos[0] })
		if i < 0 {
			names := make([]string, len(list.JobTypes))
			for j, jt := range list.JobTypes {
				names[j] = jt.Name
			}
			return fmt.Errorf("%w: unknown job type %q; this farm has: %s", errUsage, pos[0], orNone(strings.Join(names, ", ")))
		}
		list.JobTypes, list.Problems = list.JobTypes[i:i+1], nil
	}
	if *cf.asJSON {
		return printJSON(e.stdout, list)
	}
	for _, jt := range list.JobTypes {
		printJobType(e.stdout, jt, len(pos) == 1)
	}
	for _, p := range list.Problems {
		fmt.Fprintf(e.stderr, "warning: %s (job type %s) did not load: %s\n", p.File, p.Name, p.Error)
	}
	return nil
}

// printJobType writes jt and the settings --set takes; the hidden ones only
// when withHidden, marked hidden.
func printJobType(w io.Writer, jt wire.JobType, withHidden bool) {
	fmt.Fprintf(w, "%s — %s (%s)\n  %s\n", jt.Name, jt.Label, jt.Source, jt.Description)
	for _, s := range jt.Settings {
		hidden := s.Visible == "hidden"
		if hidden && !withHidden {
			continue
		}
		var notes []string
		if hidden {
			notes = append(notes, "hidden")
		}
		notes = append(notes, s.Type)
		if s.Required {
			notes = append(notes, "required")
		}
		if s.Default != nil {
			notes = append(notes, fmt.Sprintf("default %v", s.Default))
		}
		fmt.Fprintf(w, "  --set %s=…  (%s) %s\n", s.Key, strings.Join(notes, ", "), s.Description)
	}
}

func runJobType(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "jobtype", "jobtype export NAME [--json]")}
	cf := addClientFlags(fs)
	pos, err := parseFlags(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] != "export" {
		fs.Usage()
		return fmt.Errorf("%w: use 'farmhand jobtype export NAME' to copy a built-in job type into the scripts folder", errUsage)
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	path, err := cl.ExportJobType(context.Background(), pos[1])
	if err != nil {
		return err
	}
	if *cf.asJSON {
		return printJSON(e.stdout, wire.Exported{Path: path})
	}
	fmt.Fprintf(e.stdout, "%s\nEdit it there (on the manager's computer); the farm uses your version from now on.\n", path)
	return nil
}
