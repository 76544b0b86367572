package app

import (
	"fmt"
	"path/filepath"

	"farmhand/farm/transfer"
)

// The output command registers itself: its code is all here, and app.go's
// init (which runs first: the go command hands a package's files to the
// compiler in name order) has made the commands map.
func runOutput(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "output", "output JOB --out DIR [--json]")}
	cf := addClientFlags(fs)
	out := fs.String("out", "", "the folder to download into (created if needed)")
	pos, err := parse(fs.FlagSet, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		fs.Usage()
		return fmt.Errorf("%w: give one job id and --out DIR", errUsage)
	}
	dir, err := filepath.Abs(*out)
	if err != nil {
		return fmt.Errorf("finding %s: %w", *out, err)
	}
	ctx, stop := signalContext()
	defer stop()
	cl, err := cf.client()
	if err != nil {
		return err
	}
	bar := newProgressBar(e.stderr, "downloading")
	sum, err := transfer.DownloadOutput(ctx, cl, pos[0], dir, bar.update)
	bar.finish()
	if err != nil {
		return err
	}
	if *cf.asJSON {
		return printJSON(e.stdout, map[string]any{"folder": dir, "fetched": sum.Fetched, "skipped": sum.Skipped, "bytes": sum.Bytes})
	}
	fmt.Fprintf(e.stdout, "%d files fetched (%s), %d already there, in %s\n", sum.Fetched, megabytes(sum.Bytes), sum.Skipped, dir)
	return nil
}
