package manager

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"farmhand/farm/files"
	"farmhand/farm/model"
	"farmhand/farm/store"
)

// Rendering without shared storage (issue 13): an upload job names its input
// files by SHA-256 in a manifest; the manager stores each file once
// (package files), counts the jobs that name it (store.Blob.Refs), holds the
// job in waiting-for-files until every file is in, and keeps what workers
// send back in the job's output folder.

// Storage kinds of a submission (wire.StorageShared, wire.StorageUpload).
const (
	storageShared = "shared"
	storageUpload = "upload"
)

// maxManifest is the most files one upload job may name.
const maxManifest = 100_000

// fileState is the manager's part of rendering without shared storage.
type fileState struct {
	blobs *files.Store
	// gcNow wakes the collector after a job was deleted or archived.
	gcNow chan struct{}
	// watch is when chunks of waiting jobs' files last arrived.
	watch uploadWatch
}

// openFiles opens the blob store under the data folder.
func openFiles(dataDir string) (*fileState, error) {
	st, err := files.Open(filepath.Join(dataDir, "files"))
	if err != nil {
		return nil, err
	}
	return &fileState{blobs: st, gcNow: make(chan struct{}, 1)}, nil
}

// fileStore returns the blob store.
func (m *Manager) fileStore() *files.Store { return m.files.blobs }

// prepareUpload checks the storage and manifest of a submission and, for an
// upload job, returns its settings with a blank render_output_root set to
// {job_output} (before prepareSettings would pick a storage location).
// Errors: ErrInvalid naming the entry (a path CleanPath refuses, a bad hash,
// a path twice, one hash with two sizes), ErrTooLarge over the farm's limits.
func (m *Manager) prepareUpload(s *Submission) error {
	switch s.Storage {
	case "", storageShared:
		if len(s.Files) > 0 {
			return fmt.Errorf("%w: files: only an upload job (storage \"upload\") names files", ErrInvalid)
		}
		s.Storage = ""
		return nil
	case storageUpload:
	default:
		return fmt.Errorf("%w: storage: %q is neither \"shared\" nor \"upload\"", ErrInvalid, s.Storage)
	}
	if err := m.checkManifest(s.Files); err != nil {
		return err
	}
	if root, _ := s.Settings["render_output_root"].(string); strings.TrimSpace(root) == "" && m.declares(s.Type, "render_output_root") {
		s.Settings = maps.Clone(s.Settings)
		if s.Settings == nil {
			s.Settings = map[string]any{}
		}
		s.Settings["render_output_root"] = "{" + files.VarJobOutput + "}"
	}
	return nil
}

// checkManifest applies the rules of a manifest (see prepareUpload).
func (m *Manager) checkManifest(entries []store.ManifestEntry) error {
	if len(entries) == 0 {
		return fmt.Errorf("%w: files: an upload job names at least one file", ErrInvalid)
	}
	if len(entries) > maxManifest {
		return fmt.Errorf("%w: files: at most %d per job, not %d", ErrTooLarge, maxManifest, len(entries))
	}
	perFile, perJob := m.current().FileLimits()
	paths := make(map[string]bool, len(entries))
	sizes := make(map[string]int64, len(entries))
	var total int64
	for i, e := range entries {
		if _, err := files.CleanPath(e.Path); err != nil {
			return fmt.Errorf("%w: files[%d]: %w", ErrInvalid, i, err)
		}
		if !files.ValidHash(e.SHA256) {
			return fmt.Errorf("%w: files[%d] (%s): sha256 must be 64 lowercase hex digits, not %q", ErrInvalid, i, e.Path, e.SHA256)
		}
		if e.Size < 0 {
			return fmt.Errorf("%w: files[%d] (%s): size %d is negative", ErrInvalid, i, e.Path, e.Size)
		}
		if e.Size > perFile {
			return fmt.Errorf("%w: files[%d] (%s) has %s; the farm takes at most %s per file (setting max_file_size, 'farmhand config set max-file-size')", ErrTooLarge, i, e.Path, files.SizeText(e.Size), files.SizeText(perFile))
		}
		key := strings.ToLower(e.Path) // Windows and macOS workers fold case
		if paths[key] {
			return fmt.Errorf("%w: files[%d]: the path %s is named twice (letter case aside)", ErrInvalid, i, e.Path)
		}
		paths[key] = true
		if size, seen := sizes[e.SHA256]; seen && size != e.Size {
			return fmt.Errorf("%w: files[%d] (%s): file %s is named with sizes %d and %d", ErrInvalid, i, e.Path, e.SHA256, size, e.Size)
		} else if !seen {
			sizes[e.SHA256] = e.Size
			var fits bool
			if total, fits = addWithin(total, e.Size, perJob); !fits {
				return fmt.Errorf("%w: files: with files[%d] (%s, %s) the job's files come to more than %s, the most the farm takes per job (setting max_job_size, 'farmhand config set max-job-size')",
					ErrTooLarge, i, e.Path, files.SizeText(e.Size), files.SizeText(perJob))
			}
		}
	}
	return nil
}

// addWithin returns total+n when it is at most limit (all in bytes, total
// and n not negative), else total and false. It compares before adding, so
// that no sum of sizes a client sends can wrap around to a small or
// negative number and slip under the limit.
func addWithin(total, n, limit int64) (int64, bool) {
	if n < 0 || total < 0 || n > limit-total {
		return total, false
	}
	return total + n, true
}

// storeUpload runs in the submission's transaction of an upload job: it adds
// the job's references to its blobs (creating the records of new ones), keeps
// its manifest, names the job's output folder, and, while files are missing,
// puts the job in waiting-for-files (its tasks keep their status; a job in
// that status is not in the runnable index).
func (m *Manager) storeUpload(tx *store.Tx, job *model.Job, s *Submission) error {
	if s.Storage != storageUpload {
		return nil
	}
	job.Storage = storageUpload
	m.files.watch.begin(m.now())
	job.OutputFolder = filepath.Join(m.cfg.DataDir, "output", files.FolderName(job.Name)+"-"+job.ID[:8])
	missing := 0
	for sha, size := range manifestHashes(s.Files) {
		b, err := tx.Blob(sha)
		if err != nil {
			return err
		}
		if b == nil {
			b = &store.Blob{Size: size, Created: m.now()}
		}
		b.Refs++
		if !b.Complete {
			missing++
			b.Waiting = append(b.Waiting, job.ID)
		}
		if err := tx.PutBlob(sha, b); err != nil {
			return err
		}
	}
	job.FilesMissing = missing
	switch {
	case missing > 0:
		job.Status, job.StatusReason = model.JobWaitingForFiles, "waiting for "+fileCount(missing)+" to be uploaded"
	case s.Paused: // as newTasks left it; a retried transaction may have changed it
		job.Status, job.StatusReason = model.JobPaused, "submitted paused"
	default:
		job.Status, job.StatusReason = model.JobQueued, ""
	}
	return tx.PutJobUpload(job.ID, &store.JobUpload{Files: s.Files, Paused: s.Paused})
}

// manifestHashes maps each distinct hash of a manifest to its size.
func manifestHashes(entries []store.ManifestEntry) map[string]int64 {
	out := make(map[string]int64, len(entries))
	for _, e := range entries {
		out[e.SHA256] = e.Size
	}
	return out
}

// FileRef names a stored file: its SHA-256, its size and how many of its
// bytes the manager holds (Offset), all sizes in bytes.
type FileRef struct {
	SHA256       string
	Size, Offset int64
}

// MissingFiles returns, of refs (at most maxManifest), the files the manager
// lacks, each with the bytes of it already held (where its upload resumes),
// never nil. A malformed hash is ErrInvalid. A file complete on disk whose
// record says otherwise (a crash between the two, or a submission that made
// the record anew while the collector was removing the old one and kept the
// bytes) is completed here, so that its jobs move on: every submitter asks
// this right after submitting.
func (m *Manager) MissingFiles(refs []FileRef) ([]FileRef, error) {
	if len(refs) > maxManifest {
		return nil, fmt.Errorf("%w: at most %d files per call, not %d", ErrTooLarge, maxManifest, len(refs))
	}
	out := []FileRef{}
	var repair []string
	err := m.store.View(func(tx *store.Tx) error {
		for i, r := range refs {
			if !files.ValidHash(r.SHA256) {
				return fmt.Errorf("%w: files[%d]: sha256 must be 64 lowercase hex digits, not %q", ErrInvalid, i, r.SHA256)
			}
			if r.Size < 0 {
				return fmt.Errorf("%w: files[%d] (%s): size %d is negative", ErrInvalid, i, r.SHA256, r.Size)
			}
			held, complete := m.fileStore().Held(r.SHA256)
			if !complete {
				out = append(out, FileRef{SHA256: r.SHA256, Size: r.Size, Offset: held})
				continue
			}
			if b, err := tx.Blob(r.SHA256); err != nil {
				return err
			} else if b != nil && !b.Complete {
				repair = append(repair, r.SHA256)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, sha := range repair {
		if err := m.fileArrived(sha); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ErrNoWaitingJob is an upload of a file that no job waiting for files names (409).
var ErrNoWaitingJob = errors.New("no job waits for this file")

// PutChunk stores n bytes of body as the bytes of file sha from offset on;
// size is the whole file's size and chunkSHA the chunk's hex SHA-256. It
// returns the bytes held after it and whether the file is complete; the
// file's last chunk moves every job waiting for it on (fileArrived). A file
// already complete answers (size, true) without reading body. Errors:
// ErrInvalid (bad hash or numbers), ErrNoWaitingJob, ErrTooLarge (over
// max_file_size or the manifest's size), *files.OffsetError,
// files.ErrChunkHash, files.ErrFileHash, disk errors.
func (m *Manager) PutChunk(sha string, offset, size int64, chunkSHA string, body io.Reader, n int64) (int64, bool, error) {
	if !files.ValidHash(sha) || !files.ValidHash(chunkSHA) {
		return 0, false, fmt.Errorf("%w: the file and the chunk are named by 64 lowercase hex digits (their SHA-256)", ErrInvalid)
	}
	if held, complete := m.fileStore().Held(sha); complete {
		return held, true, nil
	}
	perFile, _ := m.current().FileLimits()
	switch {
	case size > perFile:
		return 0, false, fmt.Errorf("%w: the file has %d bytes; the farm takes at most %s per file (setting max_file_size)", ErrTooLarge, size, files.SizeText(perFile))
	case size < 0:
		return 0, false, fmt.Errorf("%w: a file of %d bytes: sizes are not negative", ErrInvalid, size)
	case offset < 0 || n < 0 || offset > size || n > size-offset: // no offset+n: it may wrap
		return 0, false, fmt.Errorf("%w: a chunk of %d bytes at offset %d does not fit a file of %d bytes", ErrInvalid, n, offset, size)
	}
	waiting, err := m.checkWaitedFor(sha, size)
	if err != nil {
		return 0, false, err
	}
	m.files.watch.touch(waiting, m.now()) // a live client, even if this chunk fails
	held, complete, err := m.fileStore().WriteChunk(sha, offset, size, chunkSHA, body, n)
	if err != nil || !complete {
		return held, complete, err
	}
	return held, true, m.fileArrived(sha)
}

// checkWaitedFor returns the ids of the jobs in waiting-for-files that name
// file sha; ErrNoWaitingJob when there are none, and ErrInvalid when the
// manifest gives the file another size.
func (m *Manager) checkWaitedFor(sha string, size int64) ([]string, error) {
	var waiting []string
	err := m.store.View(func(tx *store.Tx) error {
		waiting = waiting[:0]
		b, err := tx.Blob(sha)
		if err != nil {
			return err
		}
		if b != nil && b.Size != size {
			return fmt.Errorf("%w: the job's manifest gives file %s %d bytes, not %d", ErrInvalid, sha, b.Size, size)
		}
		if b != nil {
			for _, id := range b.Waiting {
				if j, err := tx.Job(id); err == nil && j.Status == model.JobWaitingForFiles {
					waiting = append(waiting, id)
				}
			}
		}
		if len(waiting) == 0 {
			return fmt.Errorf("%w: %s: submit the job that names it first; only files of jobs waiting for files are taken", ErrNoWaitingJob, sha)
		}
		return nil
	})
	return waiting, err
}

// fileArrived marks file sha complete and, in the same transaction, moves
// each job waiting for it whose last missing file it was to queued (or to
// paused when it was submitted paused), which publishes the job's event.
func (m *Manager) fileArrived(sha string) error {
	err := m.update(func(o *op) error {
		b, err := o.tx.Blob(sha)
		if err != nil || b == nil || b.Complete {
			return err // no record: the collector took it, nobody waits
		}
		waiting := b.Waiting
		b.Complete, b.Waiting = true, nil
		if err := o.tx.PutBlob(sha, b); err != nil {
			return err
		}
		for _, id := range waiting {
			if err := o.filesArrivedFor(id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recording the arrival of file %s: %w", sha, err)
	}
	return nil
}

// filesArrivedFor counts one more file of job id in; at the last one the job
// leaves waiting-for-files. A job gone or no longer waiting is left alone.
func (o *op) filesArrivedFor(id string) error {
	jc, err := o.job(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil || jc.job.Status != model.JobWaitingForFiles {
		return err
	}
	jc.job.FilesMissing = max(jc.job.FilesMissing-1, 0)
	jc.dirty = true
	if jc.job.FilesMissing > 0 {
		jc.job.StatusReason = "waiting for " + fileCount(jc.job.FilesMissing) + " to be uploaded"
		return nil
	}
	u, err := o.tx.JobUpload(id)
	if err != nil {
		return err
	}
	if u != nil && u.Paused {
		jc.job.Status, jc.job.StatusReason = model.JobPaused, "submitted paused; its files are in"
		return nil
	}
	return o.requeueTasks(jc, func(t *model.Task) bool { return false }, "")
}

// FilesMissingError refuses a requeue (or requeue-failed) of upload job
// JobID whose upload stopped before the end: Missing of its Files distinct
// files never reached the manager. No command uploads into an existing job,
// and a new submission of the scene makes a job of its own, so a requeue
// that waited for files again would render the scene twice once that
// submission sent them. The API answers it 409, as other refused job actions
// (it is a *model.ActionError to errors.As, whose allowed actions leave the
// requeues out).
type FilesMissingError struct {
	JobID          string
	Status         model.JobStatus
	Action         model.JobAction
	Missing, Files int
}

func (e *FilesMissingError) Error() string {
	which := fmt.Sprintf("%d of its %d files", e.Missing, e.Files)
	if e.Files == 1 {
		which = "its file"
	}
	return fmt.Sprintf("job %s cannot be requeued: %s never reached the manager; submit the scene again with "+
		"'farmhand submit --upload FILE.blend' (what the manager holds is not sent again)", e.JobID, which)
}

// As makes the refusal a *model.ActionError for callers that answer those.
func (e *FilesMissingError) As(target any) bool {
	t, ok := target.(**model.ActionError)
	if !ok {
		return false
	}
	var allowed []string
	for _, a := range model.AllowedJobActions(e.Status) {
		if a != model.JobRequeue && a != model.JobRequeueFailed {
			allowed = append(allowed, string(a))
		}
	}
	*t = &model.ActionError{Kind: "job", ID: e.JobID, Status: string(e.Status), Action: string(e.Action), Allowed: allowed}
	return true
}

// checkFilesIn returns a *FilesMissingError when upload job j names files
// the manager does not hold whole, counted now from the file records (a
// file may have come for another job since j's upload stopped); nil for a
// shared job or one whose files are all in.
func (o *op) checkFilesIn(j *model.Job, action model.JobAction) error {
	if j.Storage != storageUpload {
		return nil
	}
	u, err := o.tx.JobUpload(j.ID)
	if err != nil || u == nil || u.Released {
		return err
	}
	hashes := manifestHashes(u.Files)
	missing := 0
	for sha := range hashes {
		b, err := o.tx.Blob(sha)
		if err != nil {
			return fmt.Errorf("checking the files of job %s: %w", j.ID, err)
		}
		if b == nil || !b.Complete {
			missing++
		}
	}
	if missing == 0 {
		return nil
	}
	return &FilesMissingError{JobID: j.ID, Status: j.Status, Action: action, Missing: missing, Files: len(hashes)}
}

// JobFiles returns the manifest of an upload job: its storage ("upload") and
// files; a shared job has storage "shared" and no files. Unknown job:
// ErrNotFound.
func (m *Manager) JobFiles(jobID string) (string, []store.ManifestEntry, error) {
	storage, list := storageShared, []store.ManifestEntry{}
	err := m.store.View(func(tx *store.Tx) error {
		j, err := tx.Job(jobID)
		if err != nil {
			return err
		}
		if j.Storage != storageUpload {
			return nil
		}
		storage = storageUpload
		u, err := tx.JobUpload(jobID)
		if err == nil && u != nil && !u.Released {
			list = slices.Clone(u.Files)
		}
		return err
	})
	return storage, list, err
}

// BlobPath returns the path of the complete file sha on the manager's disk;
// ErrNotFound when the manager does not hold all of it.
func (m *Manager) BlobPath(sha string) (string, error) {
	if !files.ValidHash(sha) {
		return "", fmt.Errorf("%w: a file is named by 64 lowercase hex digits, not %q", ErrInvalid, sha)
	}
	if _, complete := m.fileStore().Held(sha); !complete {
		return "", fmt.Errorf("file %s: %w", sha, ErrNotFound)
	}
	return m.fileStore().BlobPath(sha), nil
}

// fileCount is "1 file" or "n files", for a job's status reason.
func fileCount(n int) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}
