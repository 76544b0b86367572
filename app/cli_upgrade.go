package app

import (
	"context"
	"fmt"
	"slices"

	"farmhand/farm/api/client"
	"farmhand/farm/model"
)

// runWorkersUpgrade is 'farmhand workers upgrade --all | ID...': it asks every
// named worker, or with --all every out-of-date one (its version is not the
// manager's), to upgrade itself from the manager after its current task
// (--now: at once). A worker that is not signed on, or already runs the
// manager's version, is left alone and listed as such. Errors: usage (no
// worker named and no --all), the manager's; a refused worker is printed and
// makes the command fail at the end.
func runWorkersUpgrade(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "workers upgrade", "workers upgrade --all | ID... [--now]")}
	cf := addClientFlags(fs)
	all := fs.Bool("all", false, "every out-of-date worker that is signed on")
	now := fs.Bool("now", false, "stop the running task instead of finishing it first")
	ids, err := parseFlags(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if *all == (len(ids) > 0) {
		return fmt.Errorf("%w: name the workers to upgrade, or --all for every out-of-date one", errUsage)
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	ctx := context.Background()
	mine, err := cl.Binaries(ctx)
	if err != nil {
		return fmt.Errorf("asking the manager what it hands out: %w", err)
	}
	ws, err := cl.Workers(ctx)
	if err != nil {
		return err
	}
	picked, err := pickWorkers(ws, ids)
	if err != nil {
		return err
	}
	var failed int
	for _, w := range ws {
		if !*all && !picked[w.ID] {
			continue
		}
		if msg, ok := upgradeOne(ctx, cl, w, mine.ManagerVersion, *now); ok {
			fmt.Fprintf(e.stdout, "%s (%s): %s\n", w.Name, w.ID, msg)
		} else {
			failed++
			fmt.Fprintf(e.stderr, "%s (%s): %s\n", w.Name, w.ID, msg)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d workers could not be asked to upgrade", failed)
	}
	return nil
}

// pickWorkers returns the ids of the workers refs name, each by its name or
// its id or a unique prefix of it (pickID); the error names a ref that
// matches none or several.
func pickWorkers(ws []*model.Worker, refs []string) (map[string]bool, error) {
	cands := make([]idCandidate, len(ws))
	for i, w := range ws {
		cands[i] = idCandidate{w.ID, w.Name}
	}
	out := map[string]bool{}
	for _, ref := range refs {
		if i := slices.IndexFunc(ws, func(w *model.Worker) bool { return w.Name == ref }); i >= 0 {
			out[ws[i].ID] = true
			continue
		}
		id, err := pickID("worker", ref, cands)
		if err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, nil
}

// upgradeOne asks w to upgrade unless it is up to date or not signed on, and
// says what happened; ok is false when the manager refused.
func upgradeOne(ctx context.Context, cl *client.Client, w *model.Worker, managerVersion string, now bool) (msg string, ok bool) {
	switch {
	case w.Version == managerVersion:
		return "already runs " + managerVersion, true
	case !w.Status.Reachable():
		return fmt.Sprintf("is %s: it upgrades when asked while signed on", w.Status), true
	}
	got, err := cl.WorkerAction(ctx, w.ID, model.WorkerUpgrade, now)
	if err != nil {
		return err.Error(), false
	}
	when := "after its current task"
	if !got.Lazy {
		when = "now"
	}
	return fmt.Sprintf("asked to upgrade from %s to %s %s", w.Version, managerVersion, when), true
}
