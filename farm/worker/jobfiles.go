package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/files"
	"farmhand/farm/model"
)

// The variables a job whose files were uploaded (storage "upload") names its
// folders with; the manager passes them through and each worker puts in its
// own folders (issue 13).
const (
	jobFilesVar  = "{job_files}"
	jobOutputVar = "{job_output}"
)

// jobFiles keeps the folders of upload jobs on this worker:
// <data>/jobs/<job id>/files (the job's input files, hard-linked from the
// cache), …/output (what its tasks write, sent to the manager after each
// task) and …/incoming (output files being downloaded).
type jobFiles struct {
	root  string
	cache *Cache
	log   *slog.Logger

	outFetched atomic.Int64 // bytes of job output downloaded since the worker started

	mu      sync.Mutex
	jobs    map[string]*jobState // jobs this run has laid out
	ended   map[string]bool      // jobs the manager said ended or are gone: their folders go when idle
	checked map[string]bool      // folders of an earlier run whose job the manager still knows
}

// jobState is what this run knows of one job's folders. Only the loop's
// goroutine (running tasks, sweeping) uses it.
type jobState struct {
	laid    map[string]fileStamp   // input files laid out as copies (not links), by path
	outputs map[string]outputState // output files whose content is the manager's, by path
	before  map[string]fileStamp   // the output folder as the running task found it
	used    time.Time
}

// fileStamp tells a file's change by its size and modification time.
type fileStamp struct {
	size int64
	mod  time.Time
}

func stampOf(info fs.FileInfo) fileStamp { return fileStamp{info.Size(), info.ModTime()} }

// outputState: a local output file with stamp holds the manager's file of hash sha.
type outputState struct {
	stamp fileStamp
	sha   string
}

// jobDirs are one job's local folders.
type jobDirs struct{ files, output, incoming string }

func newJobFiles(root string, cache *Cache, log *slog.Logger) *jobFiles {
	return &jobFiles{root: root, cache: cache, log: log, jobs: map[string]*jobState{},
		ended: map[string]bool{}, checked: map[string]bool{}}
}

// openJobFiles opens the worker's file cache (<data>/cache, bounded by
// CacheSize) and job folders (<data>/jobs). Without them (no data folder, or
// a cache that cannot be opened: logged) upload jobs fail with a message.
func (w *Worker) openJobFiles() {
	if w.cfg.DataDir == "" {
		return
	}
	cache, err := OpenCache(filepath.Join(w.cfg.DataDir, "cache"), w.cfg.CacheSize, w.log)
	if err != nil {
		w.log.Warn("no file cache: jobs whose files were uploaded will fail here", "err", err)
		return
	}
	w.files = newJobFiles(filepath.Join(w.cfg.DataDir, "jobs"), cache, w.log)
}

func (j *jobFiles) dirs(jobID string) jobDirs {
	d := filepath.Join(j.root, jobID)
	return jobDirs{files: filepath.Join(d, "files"), output: filepath.Join(d, "output"), incoming: filepath.Join(d, "incoming")}
}

func (j *jobFiles) state(jobID string) *jobState {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := j.jobs[jobID]
	if st == nil {
		st = &jobState{laid: map[string]fileStamp{}, outputs: map[string]outputState{}}
		j.jobs[jobID] = st
	}
	delete(j.ended, jobID) // running again: requeued
	st.used = time.Now()
	return st
}

// runJobTask runs the commands of a's task. For a job whose files were
// uploaded it first lays the job's files out from the cache (fetching what
// the cache lacks), brings the job's output from the manager when a command
// reads it, puts this worker's folders in for {job_files} and {job_output},
// and after the commands sends the output files the task wrote to the
// manager; a file that cannot be sent fails the task. Other jobs run as they
// are.
func (w *Worker) runJobTask(ctx context.Context, a *wire.AssignedTask, logs *logBuffer) error {
	if a.Job == nil || a.Job.Storage != wire.StorageUpload {
		return w.runCommands(ctx, a, logs, "")
	}
	if w.files == nil {
		return errors.New("this worker has no file cache (no data folder, or see its log), so it cannot run a job whose files were uploaded")
	}
	dirs, release, err := w.files.prepare(ctx, w.cl, a, logs)
	if err != nil {
		return err
	}
	defer release()
	local := *a.Task
	local.Commands = make([]model.Command, len(a.Task.Commands))
	for i, c := range a.Task.Commands {
		c.Parameters = substituteParams(c.Parameters, dirs)
		local.Commands[i] = c
	}
	if err := w.runCommands(ctx, &wire.AssignedTask{Task: &local, Job: a.Job}, logs, dirs.files); err != nil {
		return err
	}
	return w.files.sendOutputs(ctx, w.cl, a.Job.ID, logs)
}

// readsOutput reports whether a command of the task reads the job's earlier
// output, which must then be on this worker first: frames-to-video (the
// frames) and exec (anything).
func readsOutput(t *model.Task) bool {
	for _, c := range t.Commands {
		if c.Name == "frames-to-video" || c.Name == "exec" {
			return true
		}
	}
	return false
}

// prepare makes the job of a ready on this worker: its input files laid out
// and leased in the cache, and its output folder as the manager has it when a
// command reads it. It returns the job's folders and the function that ends
// the lease (after the task).
func (j *jobFiles) prepare(ctx context.Context, cl *client.Client, a *wire.AssignedTask, logs *logBuffer) (jobDirs, func(), error) {
	id := a.Job.ID
	if clean, err := files.CleanPath(id); err != nil || clean != filepath.Base(id) {
		return jobDirs{}, nil, fmt.Errorf("job id %q cannot name a folder", id)
	}
	dirs, st := j.dirs(id), j.state(id)
	manifest, err := cl.JobFiles(ctx, id)
	if err != nil {
		return dirs, nil, fmt.Errorf("getting the list of the job's files from the manager: %w", err)
	}
	refs, total := blobRefs(manifest.Files)
	before := j.cache.Fetched()
	lease, err := j.cache.Acquire(ctx, refs, cl.DownloadFile, nil)
	if err != nil {
		return dirs, nil, fmt.Errorf("getting the job's files: %w", err)
	}
	fetched := j.cache.Fetched() - before
	logs.line(fmt.Sprintf("%s job files: %d files, %d bytes, %d bytes fetched from the manager, the rest from this worker's cache",
		stamp(), len(manifest.Files), total, fetched))
	if err := layOut(dirs.files, manifest.Files, lease, st); err != nil {
		lease.Release()
		return dirs, nil, fmt.Errorf("laying out the job's files in %s: %w", dirs.files, err)
	}
	if err := os.MkdirAll(dirs.output, 0o755); err != nil {
		lease.Release()
		return dirs, nil, fmt.Errorf("creating the job's output folder: %w", err)
	}
	if readsOutput(a.Task) {
		if err := j.fetchOutputs(ctx, cl, id, dirs, st, logs); err != nil {
			lease.Release()
			return dirs, nil, err
		}
	}
	if st.before, err = scanOutput(dirs.output); err != nil {
		lease.Release()
		return dirs, nil, fmt.Errorf("reading the job's output folder: %w", err)
	}
	return dirs, lease.Release, nil
}

// blobRefs are the distinct blobs of a manifest, and its total size in bytes.
func blobRefs(fl []wire.JobFile) ([]BlobRef, int64) {
	seen := map[string]bool{}
	var refs []BlobRef
	var total int64
	for _, f := range fl {
		total += f.Size
		if !seen[f.SHA256] {
			seen[f.SHA256] = true
			refs = append(refs, BlobRef{SHA256: f.SHA256, Size: f.Size})
		}
	}
	return refs, total
}

// layOut puts every file of the manifest at its path under root: a hard link
// to its cache file, or a read-only copy where links fail (another file
// system). A file already there and the same is left alone. No path leaves
// root: each goes through files.CleanPath, and a folder a task turned into a
// link to elsewhere is refused.
func layOut(root string, manifest []wire.JobFile, lease *Lease, st *jobState) error {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	inside := map[string]bool{}
	for _, f := range manifest {
		rel, err := files.CleanPath(f.Path)
		if err != nil {
			return fmt.Errorf("the job names a bad file: %w", err)
		}
		dst := filepath.Join(root, filepath.FromSlash(rel))
		if err := checkInside(filepath.Dir(dst), realRoot, inside); err != nil {
			return err
		}
		if err := placeFile(lease.Path(f.SHA256), dst, rel, st); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
	}
	return nil
}

// checkInside creates the folder dir and fails when it resolves outside
// realRoot (a link put there); ok remembers the folders checked.
func checkInside(dir, realRoot string, ok map[string]bool) error {
	if ok[dir] {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	if real != realRoot && !strings.HasPrefix(real, realRoot+string(filepath.Separator)) {
		return fmt.Errorf("folder %s leads outside the job's folder (to %s)", dir, real)
	}
	ok[dir] = true
	return nil
}

// linkFile makes a hard link; a variable so a test can make links fail, as
// they do across file systems.
var linkFile = os.Link

// placeFile makes dst the cache file blob (a hard link, else a copy), unless
// it is already.
func placeFile(blob, dst, rel string, st *jobState) error {
	blobInfo, err := os.Stat(blob)
	if err != nil {
		return err
	}
	if info, err := os.Lstat(dst); err == nil {
		if info.Mode().IsRegular() && (os.SameFile(info, blobInfo) || st.laid[rel] == stampOf(info) && info.Size() == blobInfo.Size()) {
			return nil
		}
		if err := os.RemoveAll(dst); err != nil {
			return err
		}
	}
	tmp := dst + ".farmhand-tmp"
	_ = removeFile(tmp)
	linked := linkFile(blob, tmp) == nil
	if !linked {
		if err := copyReadOnly(blob, tmp); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	delete(st.laid, rel)
	if !linked {
		info, err := os.Stat(dst)
		if err != nil {
			return err
		}
		st.laid[rel] = stampOf(info)
	}
	return nil
}

// copyReadOnly copies src to a new read-only file dst.
func copyReadOnly(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o444)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// substituteParams returns a copy of a command's parameters with the job's
// folders on this worker put in for {job_files} and {job_output}, in strings
// and in strings inside lists (and maps) at any depth.
func substituteParams(params map[string]any, dirs jobDirs) map[string]any {
	out := make(map[string]any, len(params))
	for k, v := range params {
		out[k] = substitute(v, strings.Contains(strings.ToLower(k), "glob"), dirs)
	}
	return out
}

func substitute(v any, glob bool, dirs jobDirs) any {
	switch x := v.(type) {
	case string:
		return expandJobVars(x, glob, dirs)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substitute(e, glob, dirs)
		}
		return out
	case map[string]any:
		return substituteParams(x, dirs)
	}
	return v
}

// expandJobVars replaces {job_files} and {job_output} in s with the folders.
// The path after a variable is written with slashes; this worker's own
// separators are put in: in the whole rest of s when s starts with the
// variable (a path parameter), else up to the next white space (a path inside
// an argument such as --out={job_output}/x). In a glob pattern (a parameter
// whose name says glob, e.g. inputGlob) the folder is glob-escaped.
func expandJobVars(s string, glob bool, dirs jobDirs) string {
	var b strings.Builder
	for {
		i, name, dir := -1, "", ""
		for _, v := range [][2]string{{jobFilesVar, dirs.files}, {jobOutputVar, dirs.output}} {
			if k := strings.Index(s, v[0]); k >= 0 && (i < 0 || k < i) {
				i, name, dir = k, v[0], v[1]
			}
		}
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		whole := i == 0 && b.Len() == 0
		b.WriteString(s[:i])
		if glob { // the folder's own wildcard characters match themselves
			dir = globEscape(dir)
		}
		b.WriteString(dir)
		s = s[i+len(name):]
		end := len(s)
		if k := strings.IndexFunc(s, unicode.IsSpace); k >= 0 && !whole {
			end = k
		}
		if k := strings.Index(s[:end], "{job_"); k >= 0 {
			end = k // the next variable's own turn
		}
		b.WriteString(filepath.FromSlash(s[:end]))
		s = s[end:]
	}
}
