package app

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

// runAudit prints the farm's audit log (admins only), newest first: --limit
// entries (pages of the API's at most manager.MaxAuditPage are followed), and
// with --before the entries older than that cursor. The last line says how
// to read on when older entries remain.
func runAudit(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "audit", "audit [--limit N] [--before CURSOR] [--json]")}
	cf := addClientFlags(fs)
	limit := fs.Int("limit", 50, "how many entries to show, newest first")
	before := fs.String("before", "", "show entries older than this cursor (printed at the end of a listing)")
	pos, err := parseFlags(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *limit < 1 {
		fs.Usage()
		return fmt.Errorf("%w: audit takes no arguments, and --limit must be at least 1", errUsage)
	}
	cl, err := cf.client()
	if err != nil {
		return err
	}
	page, err := readAudit(context.Background(), cl, *limit, *before)
	if err != nil {
		return fmt.Errorf("reading the audit log: %w", err)
	}
	if *cf.asJSON {
		return printJSON(e.stdout, page)
	}
	return printAudit(e.stdout, page, time.Local)
}

// readAudit reads limit entries older than before, following the API's
// pages, and returns them as one page whose Next reads on.
func readAudit(ctx context.Context, cl *client.Client, limit int, before string) (*wire.AuditPage, error) {
	all := &wire.AuditPage{Entries: []*model.AuditEntry{}, Next: before}
	for len(all.Entries) < limit {
		p, err := cl.Audit(ctx, min(limit-len(all.Entries), manager.MaxAuditPage), all.Next)
		if err != nil {
			return nil, err
		}
		all.Entries = append(all.Entries, p.Entries...)
		all.Next = p.Next
		if p.Next == "" {
			break
		}
	}
	return all, nil
}

// printAudit writes page as a table: time (in loc, to the second), who (name
// and role, or "the manager"), address, action, target and detail; then,
// when older entries remain, the command that shows them.
func printAudit(w io.Writer, page *wire.AuditPage, loc *time.Location) error {
	if len(page.Entries) == 0 {
		_, err := fmt.Fprintln(w, "The audit log is empty.")
		return err
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tWHO\tADDRESS\tACTION\tTARGET\tDETAIL")
	for _, en := range page.Entries {
		target := en.TargetName
		if target == "" {
			target = en.TargetID
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", en.Time.In(loc).Format(time.DateTime), en.Who(),
			orDash(en.Address), en.Action, orDash(target), en.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if page.Next != "" {
		_, err := fmt.Fprintf(w, "Older entries: farmhand audit --before %s\n", page.Next)
		return err
	}
	return nil
}
