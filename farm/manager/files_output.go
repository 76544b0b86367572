package manager

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"

	"farmhand/farm/files"
	"farmhand/farm/model"
	"farmhand/farm/store"
)

// The output of upload jobs: workers send each file they wrote under the
// job's {job_output} to the manager, which keeps it in the job's output
// folder (model.Job.OutputFolder) for members to download.

// ErrOutputHash is an output file whose bytes do not match the SHA-256 its
// sender declared (422); nothing is kept.
var ErrOutputHash = errors.New("the file does not match its SHA-256")

// OutputFile is one file of a job's output folder: path relative to it,
// size in bytes, SHA-256, when it arrived.
type OutputFile struct {
	Path string
	store.OutputEntry
}

// PutOutput stores n bytes of body (n < 0: unknown) as the output file path
// of job jobID, sent by worker workerID, whose whole SHA-256 is sha. The file
// is written to a temporary name in the job's output folder and renamed into
// place once its hash matched, so that readers never see half a file; the
// folder is opened as an os.Root, so no path (nor a link planted in it)
// leads outside. An output over the farm's size limits fails the whole job
// at once (refuseOutput): every worker would render the same bytes, so no
// retry could cure it. Errors: ErrInvalid (bad path or hash, not an upload
// job), ErrNotFound, ErrForbidden (the worker never had a task of the job),
// ErrTooLarge (max_file_size, or max_job_size for the job's outputs
// together), ErrOutputHash, disk errors.
func (m *Manager) PutOutput(workerID, jobID, p, sha string, body io.Reader, n int64) (int64, error) {
	if _, err := files.CleanPath(p); err != nil {
		return 0, fmt.Errorf("%w: output path: %w", ErrInvalid, err)
	}
	if !files.ValidHash(sha) {
		return 0, fmt.Errorf("%w: the output's SHA-256 is 64 lowercase hex digits, not %q", ErrInvalid, sha)
	}
	job, others, err := m.outputTarget(workerID, jobID, p)
	if err != nil {
		return 0, err
	}
	perFile, perJob := m.current().FileLimits()
	if over := outputOver(p, n, others, perFile, perJob); over != nil {
		return 0, m.refuseOutput(jobID, p, n, over)
	}
	size, err := writeOutput(job.OutputFolder, p, sha, body, outputRoom(others, perFile, perJob))
	var over *outputLimitError
	if errors.As(err, &over) {
		return 0, m.refuseOutput(jobID, p, over.size, over)
	}
	if err != nil {
		return 0, err
	}
	err = m.store.Update(func(tx *store.Tx) error {
		return tx.PutOutput(jobID, p, store.OutputEntry{Size: size, SHA256: sha, Modified: m.now()})
	})
	if err != nil {
		return 0, fmt.Errorf("recording output %s of job %s: %w", p, jobID, err)
	}
	return size, nil
}

// outputTarget checks that workerID may send job jobID's outputs (it has or
// had a task of it) and returns the job and the bytes of its other outputs.
func (m *Manager) outputTarget(workerID, jobID, p string) (*model.Job, int64, error) {
	var job *model.Job
	var others int64
	err := m.store.View(func(tx *store.Tx) error {
		var err error
		if job, err = tx.Job(jobID); err != nil {
			return err
		}
		if job.Storage != storageUpload || job.OutputFolder == "" {
			return fmt.Errorf("%w: job %s uses shared storage: its workers write its output themselves", ErrInvalid, jobID)
		}
		had := false
		err = tx.Tasks(jobID, func(t *model.Task) bool {
			had = t.WorkerID == workerID || slices.Contains(t.FailedBy, workerID)
			return !had
		})
		if err != nil {
			return err
		}
		if !had {
			return fmt.Errorf("%w: only a worker that ran a task of job %s sends its output", ErrForbidden, jobID)
		}
		return tx.Outputs(jobID, func(q string, e store.OutputEntry) bool {
			if q != p {
				others = addSaturating(others, e.Size)
			}
			return true
		})
	})
	return job, others, err
}

// writeOutput writes body (at most limit bytes) to folder/p through a
// temporary file, and returns its size once its SHA-256 matched sha.
func writeOutput(folder, p, sha string, body io.Reader, limit int64) (int64, error) {
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return 0, fmt.Errorf("creating the output folder %s: %w", folder, err)
	}
	root, err := os.OpenRoot(folder)
	if err != nil {
		return 0, fmt.Errorf("opening the output folder %s: %w", folder, err)
	}
	defer root.Close()
	if dir := path.Dir(p); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return 0, fmt.Errorf("%w: creating folder %s of the output: %w", ErrInvalid, dir, err)
		}
	}
	tmp := path.Join(path.Dir(p), ".upload-"+rand.Text())
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, fmt.Errorf("writing output %s: %w", p, err)
	}
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(body, limit+1))
	err = errors.Join(err, f.Close())
	switch {
	case err != nil:
		err = fmt.Errorf("receiving output %s: %w", p, err)
	case size > limit:
		err = &outputLimitError{size: size, msg: fmt.Sprintf("output %s is larger than the %s the farm's limits leave it", p, files.SizeText(limit))}
	case hex.EncodeToString(h.Sum(nil)) != sha:
		err = fmt.Errorf("%w: output %s (%d bytes received)", ErrOutputHash, p, size)
	}
	if err == nil {
		err = root.Rename(tmp, p)
	}
	if err != nil {
		return 0, errors.Join(err, ignoreGone(root.Remove(tmp)))
	}
	return size, nil
}

func ignoreGone(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// Outputs lists the output folder of job jobID (an upload job's; a shared
// job has none, and its folder is ""): the files workers sent, in path order.
func (m *Manager) Outputs(jobID string) (string, []OutputFile, error) {
	var folder string
	list := []OutputFile{}
	err := m.store.View(func(tx *store.Tx) error {
		j, err := tx.Job(jobID)
		if err != nil {
			return err
		}
		folder = j.OutputFolder
		return tx.Outputs(jobID, func(p string, e store.OutputEntry) bool {
			list = append(list, OutputFile{Path: p, OutputEntry: e})
			return true
		})
	})
	return folder, list, err
}

// OpenOutput opens output file p of job jobID for reading, through the
// folder's os.Root. Errors: ErrInvalid (bad path), ErrNotFound (job or file).
func (m *Manager) OpenOutput(jobID, p string) (*os.File, error) {
	if _, err := files.CleanPath(p); err != nil {
		return nil, fmt.Errorf("%w: output path: %w", ErrInvalid, err)
	}
	folder, _, err := m.Outputs(jobID)
	if err != nil {
		return nil, err
	}
	if folder == "" {
		return nil, fmt.Errorf("output %s of job %s: %w (the job uses shared storage)", p, jobID, ErrNotFound)
	}
	root, err := os.OpenRoot(folder)
	if err != nil {
		return nil, fmt.Errorf("output %s of job %s: %w", p, jobID, ErrNotFound)
	}
	defer root.Close()
	f, err := root.Open(p)
	if err != nil {
		return nil, fmt.Errorf("output %s of job %s: %w", p, jobID, ErrNotFound)
	}
	return f, nil
}
