package manager

import (
	"context"
	"errors"
	"fmt"
	"time"

	"farmhand/farm/events"
	"farmhand/farm/model"
	"farmhand/farm/store"
)

// Garbage collection of stored files. A blob's record counts the jobs whose
// manifest names it; a deleted or archived job gives its references back
// (releaseGoneJobs, in the collector's transaction: the job actions run
// elsewhere), and a record at 0 references goes with its file. The record is
// deleted in the same transaction that found it at 0, and the file removed
// afterwards only while no record of it came back (a submission naming it
// again), under the file's lock, so that an upload finishing meanwhile is
// never removed.

// Collector timing: how often it runs without being woken, and how long a
// partial upload no waiting job names is kept.
const (
	collectEvery    = 10 * time.Minute
	partialLifetime = time.Hour
)

// startFilesGC runs the collector until ctx ends: at once, every
// collectEvery, and soon after a job is deleted or archived. Close waits for it.
func (m *Manager) startFilesGC(ctx context.Context) {
	if !m.enterRun() {
		return
	}
	sub := m.events.Subscribe(64)
	m.startUploadExpiry(ctx)
	go func() {
		defer m.running.Done()
		defer sub.Close()
		tick := time.NewTicker(collectEvery)
		defer tick.Stop()
		for {
			if _, err := m.CollectFiles(); err != nil && !errors.Is(err, store.ErrClosed) {
				m.log.Warn("collecting unused files", "err", err)
			}
			if !m.waitForGC(ctx, sub, tick.C) {
				return
			}
		}
	}()
}

// waitForGC waits for the next reason to collect; false when ctx ended.
func (m *Manager) waitForGC(ctx context.Context, sub *events.Subscription, tick <-chan time.Time) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case <-tick:
			return true
		case <-m.files.gcNow:
			return true
		case e, ok := <-sub.C:
			if !ok {
				return false
			}
			if e.Type == model.EventJob && e.Job != nil && e.Job.Storage == storageUpload &&
				(e.Deleted || e.Job.Status == model.JobArchived) {
				return true
			}
		}
	}
}

// CollectFiles releases the references of deleted and archived jobs, then
// removes every stored file no job references, and partial uploads no
// waiting job names that have not grown for partialLifetime. It returns the
// number of files removed. Safe to run at any time, also during uploads and
// submissions.
func (m *Manager) CollectFiles() (int, error) {
	var unused []string
	err := m.store.Update(func(tx *store.Tx) error {
		unused = unused[:0]
		if err := releaseGoneJobs(tx); err != nil {
			return err
		}
		err := tx.Blobs(func(sha string, b *store.Blob) bool {
			if b.Refs <= 0 {
				unused = append(unused, sha)
			}
			return true
		})
		if err != nil {
			return err
		}
		for _, sha := range unused {
			if err := tx.DeleteBlob(sha); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("releasing unused files: %w", err)
	}
	removed := 0
	for _, sha := range unused {
		ok, err := m.removeUnreferenced(sha, false)
		if err != nil {
			return removed, err
		}
		if ok {
			removed++
		}
	}
	n, err := m.collectPartials()
	return removed + n, err
}

// removeUnreferenced removes file sha unless a record of it exists (with
// onlyUnwaited: unless a job waiting for files names it), under its lock.
func (m *Manager) removeUnreferenced(sha string, onlyUnwaited bool) (bool, error) {
	unlock := m.fileStore().Lock(sha)
	defer unlock()
	keep := false
	err := m.store.View(func(tx *store.Tx) error {
		b, err := tx.Blob(sha)
		if err != nil || b == nil {
			return err
		}
		keep = !onlyUnwaited
		for _, id := range b.Waiting {
			if j, err := tx.Job(id); err == nil && j.Status == model.JobWaitingForFiles {
				keep = true
			}
		}
		return nil
	})
	if err != nil || keep {
		return false, err
	}
	if err := m.fileStore().Remove(sha); err != nil {
		return false, err
	}
	return true, nil
}

// collectPartials removes the partial uploads that no waiting job names and
// that have not grown for partialLifetime.
func (m *Manager) collectPartials() (int, error) {
	var stale []string
	cutoff := m.now().Add(-partialLifetime)
	err := m.fileStore().Partials(func(sha string, modified time.Time) {
		if modified.Before(cutoff) {
			stale = append(stale, sha)
		}
	})
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, sha := range stale {
		if _, complete := m.fileStore().Held(sha); complete {
			continue
		}
		ok, err := m.removeUnreferenced(sha, true)
		if err != nil {
			return removed, err
		}
		if ok {
			removed++
		}
	}
	return removed, nil
}

// releaseGoneJobs gives back the references of jobs that were deleted (their
// upload record goes) or archived (the record stays, released), in tx.
func releaseGoneJobs(tx *store.Tx) error {
	type gone struct {
		id      string
		u       *store.JobUpload
		deleted bool
	}
	// In the writer's transaction: the jobs first, and the upload records
	// (whole manifests) only of the few jobs that went.
	var todo []gone
	var bad error
	tx.JobUploadIDs(func(id string) bool {
		j, err := tx.Job(id)
		deleted := errors.Is(err, store.ErrNotFound)
		if !deleted && (err != nil || j.Status != model.JobArchived) {
			return true
		}
		u, err := tx.JobUpload(id)
		if err != nil || u == nil {
			bad = err
			return err == nil
		}
		if deleted || !u.Released {
			todo = append(todo, gone{id, u, deleted})
		}
		return true
	})
	if bad != nil {
		return bad
	}
	for _, g := range todo {
		if !g.u.Released {
			if err := dropRefs(tx, g.u.Files); err != nil {
				return err
			}
		}
		g.u.Released = true
		var err error
		if g.deleted {
			err = tx.DeleteJobUpload(g.id)
		} else {
			err = tx.PutJobUpload(g.id, g.u)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// dropRefs takes one reference off each distinct file of a manifest.
func dropRefs(tx *store.Tx, entries []store.ManifestEntry) error {
	for sha := range manifestHashes(entries) {
		b, err := tx.Blob(sha)
		if err != nil {
			return err
		}
		if b == nil {
			continue
		}
		b.Refs = max(b.Refs-1, 0)
		if err := tx.PutBlob(sha, b); err != nil {
			return err
		}
	}
	return nil
}
