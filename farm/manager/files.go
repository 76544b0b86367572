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
			total += e.Size
		}
	}
	if total > perJob {
		return fmt.Errorf("%w: files: %s in all; the farm takes at most %s per job (setting max_job_size, 'farmhand config set max-job-size')", ErrTooLarge, files.SizeText(total), files.SizeText(perJob))
	}
	return nil
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
	case offset < 0 || n < 0 || offset+n > size:
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
		jc.job.StatusReason = "waiting for "+fileCount(jc.job.FilesMissing)+" to be uploaded"
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

// awaitFiles puts upload job jc, just requeued, back in waiting-for-files
// when files it names are still missing (its upload was canceled, by its
// client or by ExpireUploads, before the end): it counts them anew, as files
// may have come for other jobs meanwhile, and waits on each again. Its tasks
// stay queued, out of the runnable index while the job waits; its last file
// then moves it to queued, or paused when it was submitted paused, as at
// submission (filesArrivedFor). A shared job, or one whose files are all in,
// is left as it is.
func (o *op) awaitFiles(jc *jobChange) error {
	if jc.job.Storage != storageUpload {
		return nil
	}
	u, err := o.tx.JobUpload(jc.job.ID)
	if err != nil || u == nil || u.Released {
		return err
	}
	missing := 0
	for sha, size := range manifestHashes(u.Files) {
		b, err := o.tx.Blob(sha)
		if err != nil {
			return err
		}
		if b != nil && b.Complete {
			continue
		}
		if b == nil { // not while this job holds its reference; kept safe anyway
			b = &store.Blob{Size: size, Created: o.now, Refs: 1}
		}
		missing++
		if !slices.Contains(b.Waiting, jc.job.ID) {
			b.Waiting = append(b.Waiting, jc.job.ID)
		}
		if err := o.tx.PutBlob(sha, b); err != nil {
			return err
		}
	}
	if missing == 0 {
		return nil
	}
	jc.job.FilesMissing = missing
	jc.job.Status, jc.job.StatusReason = model.JobWaitingForFiles, "requeued; waiting for "+fileCount(missing)+" to be uploaded"
	jc.dirty = true
	return nil
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
