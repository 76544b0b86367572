package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/files"
	"farmhand/farm/model"
)

// Output uploads: a refused or broken upload is tried putAttempts times,
// waiting putRetryWait (doubling) in between, before the task fails.
const (
	putAttempts  = 3
	putRetryWait = 500 * time.Millisecond
)

// staleJobFolder: the folder of a job no task of this run used, untouched
// this long, is removed when the worker is idle (its job most likely ended
// while the worker was off; everything in it is also on the manager).
const staleJobFolder = 72 * time.Hour

// scanOutput stamps every regular file under dir, by slash-separated path.
func scanOutput(dir string) (map[string]fileStamp, error) {
	out := map[string]fileStamp{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = stampOf(info)
		return nil
	})
	return out, err
}

// sendOutputs uploads to the manager every output file of the job that the
// task now ending wrote (new or changed since prepare stamped the folder), as
// Flamenco's workers leave frames on shared storage. Files left by a task
// that failed or was stopped are never sent: they could replace a good frame
// another worker made since. Links and other special files are not sent. The
// error names the file that could not be sent.
func (j *jobFiles) sendOutputs(ctx context.Context, cl *client.Client, jobID string, logs *logBuffer) error {
	dirs, st := j.dirs(jobID), j.state(jobID)
	now, err := scanOutput(dirs.output)
	if err != nil {
		return fmt.Errorf("reading the job's output folder %s: %w", dirs.output, err)
	}
	var sent int
	var bytes int64
	for _, rel := range slices.Sorted(maps.Keys(now)) {
		stamp := now[rel]
		if st.before[rel] == stamp {
			continue
		}
		if _, err := files.CleanPath(rel); err != nil {
			return fmt.Errorf("output file %s cannot be sent to the manager: %w", rel, err)
		}
		if err := putOutput(ctx, cl, jobID, rel, filepath.Join(dirs.output, filepath.FromSlash(rel))); err != nil {
			return fmt.Errorf("sending output file %s to the manager: %w", rel, err)
		}
		st.outputs[rel] = outputState{stamp: stamp}
		sent++
		bytes += stamp.size
	}
	logs.line(fmt.Sprintf("%s job output: sent %d files (%d bytes) to the manager", stamp(), sent, bytes))
	return nil
}

// putOutput sends one output file, trying again after a broken connection,
// a server error or a "too many requests".
func putOutput(ctx context.Context, cl *client.Client, jobID, rel, local string) error {
	wait := putRetryWait
	for attempt := 1; ; attempt++ {
		err := cl.PutOutput(ctx, jobID, rel, local)
		s := client.StatusOf(err)
		if err == nil || ctx.Err() != nil || attempt >= putAttempts ||
			(s != 0 && s < http.StatusInternalServerError && s != http.StatusTooManyRequests) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// fetchOutputs makes the job's local output folder what the manager holds:
// files it lacks or that differ are downloaded (verified by hash, resumed
// after a broken connection), and files the manager does not have (left by a
// task that failed or was stopped here) are removed, so that a command
// reading the folder (frames-to-video's glob) sees exactly the job's output.
func (j *jobFiles) fetchOutputs(ctx context.Context, cl *client.Client, jobID string, dirs jobDirs, st *jobState, logs *logBuffer) error {
	list, err := cl.Outputs(ctx, jobID)
	if err != nil {
		return fmt.Errorf("listing the job's output on the manager: %w", err)
	}
	local, err := scanOutput(dirs.output)
	if err != nil {
		return fmt.Errorf("reading the job's output folder %s: %w", dirs.output, err)
	}
	var fetched int
	before := j.outFetched.Load()
	for _, f := range list.Files {
		rel, err := files.CleanPath(f.Path)
		if err != nil {
			return fmt.Errorf("the manager lists a bad output file: %w", err)
		}
		stamp, have := local[rel]
		delete(local, rel)
		dst := filepath.Join(dirs.output, filepath.FromSlash(rel))
		if have && stamp.size == f.Size && j.sameOutput(dst, stamp, f.SHA256, st, rel) {
			continue
		}
		if err := j.fetchOutput(ctx, cl, jobID, rel, BlobRef{SHA256: f.SHA256, Size: f.Size}, dirs, st); err != nil {
			return err
		}
		fetched++
	}
	for rel := range local {
		if err := removeFile(filepath.Join(dirs.output, filepath.FromSlash(rel))); err != nil {
			return fmt.Errorf("removing output file %s, which the manager does not have: %w", rel, err)
		}
	}
	logs.line(fmt.Sprintf("%s job output: %d files on the manager, %d fetched (%d bytes), %d stale files removed",
		stamp(), len(list.Files), fetched, j.outFetched.Load()-before, len(local)))
	return nil
}

// sameOutput reports whether the local output file at p (stamp) holds the
// bytes of hash sha, hashing it only when this run does not know already.
func (j *jobFiles) sameOutput(p string, stamp fileStamp, sha string, st *jobState, rel string) bool {
	if o, ok := st.outputs[rel]; ok && o.stamp == stamp && o.sha == sha {
		return true
	}
	sum, _, err := files.HashFile(p)
	if err != nil || sum != sha {
		return false
	}
	st.outputs[rel] = outputState{stamp: stamp, sha: sha}
	return true
}

// fetchOutput downloads the job's output file rel into <job>/incoming, then
// moves it into the output folder.
func (j *jobFiles) fetchOutput(ctx context.Context, cl *client.Client, jobID, rel string, want BlobRef, dirs jobDirs, st *jobState) error {
	if err := os.MkdirAll(dirs.incoming, 0o755); err != nil {
		return fmt.Errorf("fetching output file %s: %w", rel, err)
	}
	part := filepath.Join(dirs.incoming, want.SHA256)
	src := func(ctx context.Context, w io.Writer, from int64) (int64, error) {
		return cl.DownloadOutput(ctx, jobID, rel, w, from)
	}
	if err := fetchVerified(ctx, part, want, "output file "+rel, src, &j.outFetched, j.log); err != nil {
		return err
	}
	dst := filepath.Join(dirs.output, filepath.FromSlash(rel))
	realRoot, err := filepath.EvalSymlinks(dirs.output)
	if err == nil {
		err = checkInside(filepath.Dir(dst), realRoot, map[string]bool{})
	}
	if err == nil {
		err = os.RemoveAll(dst) // a folder or link a task left in its place
	}
	if err == nil {
		err = os.Rename(part, dst)
	}
	if err != nil {
		return fmt.Errorf("fetching output file %s: %w", rel, err)
	}
	info, err := os.Stat(dst)
	if err != nil {
		return fmt.Errorf("fetching output file %s: %w", rel, err)
	}
	st.outputs[rel] = outputState{stamp: stampOf(info), sha: want.SHA256}
	return nil
}

// noteJobEvent remembers from the manager's event stream the jobs that ended
// (completed, canceled, failed, archived) or were deleted, whose folders this
// worker may then remove when idle, and forgets a job that runs again.
func (w *Worker) noteJobEvent(ev model.Event) {
	j := w.files
	if j == nil || ev.Type != model.EventJob || ev.Job == nil || ev.Job.ID == "" {
		return
	}
	ended := ev.Deleted
	switch ev.Job.Status {
	case model.JobCompleted, model.JobCanceled, model.JobFailed, model.JobArchiving, model.JobArchived:
		ended = true
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if !ended {
		delete(j.ended, ev.Job.ID)
		return
	}
	if _, err := os.Stat(filepath.Join(j.root, ev.Job.ID)); err == nil {
		j.ended[ev.Job.ID] = true
	}
}

// sweepJobFolders removes, while no task runs, the folders of jobs that
// ended or are gone: the ones the event stream said ended, the ones of an
// earlier run whose job the manager no longer knows (404), and any unused
// for staleJobFolder. A manager that cannot be asked keeps the folder.
func (w *Worker) sweepJobFolders(ctx context.Context) {
	j := w.files
	if j == nil {
		return
	}
	entries, err := os.ReadDir(j.root)
	if err != nil {
		return // none yet
	}
	for _, d := range entries {
		id := d.Name()
		j.mu.Lock()
		remove, st, checked := j.ended[id], j.jobs[id], j.checked[id]
		j.mu.Unlock()
		if !remove && st == nil && !checked {
			_, err := w.cl.JobFiles(ctx, id)
			switch {
			case client.StatusOf(err) == http.StatusNotFound:
				remove = true
			case err == nil:
				j.mu.Lock()
				j.checked[id] = true
				j.mu.Unlock()
			default:
				continue
			}
		}
		if !remove {
			used := time.Time{}
			if st != nil {
				used = st.used
			} else if info, err := d.Info(); err == nil {
				used = info.ModTime()
			}
			remove = time.Since(used) > staleJobFolder
		}
		if remove {
			j.removeJob(id)
		}
	}
}

// removeJob removes the folders of job id and forgets it.
func (j *jobFiles) removeJob(id string) {
	if err := os.RemoveAll(filepath.Join(j.root, id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		j.log.Warn("removing the folders of an ended job", "job", id, "err", err)
		return
	}
	j.log.Info("removed the folders of an ended job", "job", id)
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.jobs, id)
	delete(j.ended, id)
	delete(j.checked, id)
}
