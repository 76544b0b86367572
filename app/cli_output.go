package app

import (
	"fmt"
	"path/filepath"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
	"farmhand/farm/transfer"
)

// runOutput is 'farmhand output JOB --out DIR': the output files an upload
// job's workers sent to the manager, fetched into DIR (files already there
// with the same contents are skipped, partial ones resumed).
func runOutput(e *env, args []string) error {
	fs := &flagSet{newFlags(e, "output", "output JOB --out DIR [--json]")}
	cf := addClientFlags(fs)
	out := fs.String("out", "", "the folder to download into (created if needed)")
	pos, err := parseFlags(fs.FlagSet, args)
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
	id, err := resolveJobID(ctx, cl, pos[0])
	if err != nil {
		return err
	}
	job, err := cl.Job(ctx, id)
	if err != nil {
		return err
	}
	if job.Storage != wire.StorageUpload {
		return fmt.Errorf("%s", sharedOutputText(job))
	}
	bar := newProgressBar(e.stderr, "downloading")
	sum, err := transfer.DownloadOutput(ctx, cl, id, dir, bar.update)
	bar.finish()
	if err != nil {
		return err
	}
	if *cf.asJSON {
		return printJSON(e.stdout, map[string]any{"folder": dir, "fetched": sum.Fetched, "skipped": sum.Skipped, "bytes": sum.Bytes})
	}
	if sum.Fetched+sum.Skipped == 0 {
		fmt.Fprintf(e.stdout, "job %s (%s) has no output on the manager yet: its workers send each file as its task completes\n", job.ID, job.Status)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s fetched (%s), %d already there, in %s\n", plural(sum.Fetched, "file"), megabytes(sum.Bytes), sum.Skipped, dir)
	return nil
}

// sharedOutputText says why a job that is not an upload job has nothing to
// download: its output is where its settings put it, naming the folder when
// it has one (render_output_root, as Flamenco's render job types have), and
// saying it writes no files the farm keeps when it has none (echo-sleep-test).
func sharedOutputText(job *model.Job) string {
	if root, _ := job.Settings["render_output_root"].(string); root != "" {
		return fmt.Sprintf("job %s renders to shared storage: its output is where its settings say "+
			"(render_output_root %s), not on the manager", job.ID, root)
	}
	return fmt.Sprintf("job %s renders to shared storage, not on the manager: it is not an upload job, and its settings "+
		"name no output folder (its job type, %s, writes files where its script puts them, if anywhere)", job.ID, job.Type)
}
