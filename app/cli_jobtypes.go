package app

import (
	"context"
	"fmt"

	"farmhand/farm/api/wire"
)

func runJobTypes(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "jobtypes", "jobtypes [--json]")}
	cf := addClientFlags(fs)
	if _, err := parse(fs.FlagSet, args); err != nil {
		return err
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	list, err := cl.JobTypeList(context.Background())
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
