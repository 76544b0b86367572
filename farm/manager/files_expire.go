package manager

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// An upload job whose client was killed would wait for its files forever
// (issue 13). The manager notes, in memory, when a chunk of a waiting job's
// files last arrived; a job that neither a chunk nor any change reached for
// the farm's upload_timeout is canceled, saying why and how to go on. After
// a restart every waiting job gets a full timeout from then: the manager was
// away, not its client (as workers get one in recover).

// expireEvery is how often the manager looks for expired uploads; the
// smallest upload_timeout (model's minUploadWait) is a minute too.
const expireEvery = time.Minute

// uploadWatch is when chunks of waiting upload jobs last arrived during this
// run of the manager, by job id, in the manager's clock.
type uploadWatch struct {
	mu    sync.Mutex
	start time.Time // when this run first looked; zero before
	last  map[string]time.Time
}

// touch notes that a chunk of a file the jobs ids wait for arrived at now.
func (w *uploadWatch) touch(ids []string, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.startAt(now)
	if w.last == nil {
		w.last = map[string]time.Time{}
	}
	for _, id := range ids {
		w.last[id] = now
	}
}

// since returns when job id last showed life: the latest of its record's
// last change (updated), its last chunk this run, and the start of this run.
func (w *uploadWatch) since(id string, updated, now time.Time) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.startAt(now)
	return latest(updated, w.start, w.last[id])
}

// begin starts this run's watch at now unless it started already: the first
// submission or look of the run.
func (w *uploadWatch) begin(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.startAt(now)
}

// keepOnly forgets every job but those of waiting.
func (w *uploadWatch) keepOnly(waiting map[string]bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for id := range w.last {
		if !waiting[id] {
			delete(w.last, id)
		}
	}
}

func (w *uploadWatch) startAt(now time.Time) {
	if w.start.IsZero() {
		w.start = now
	}
}

func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

// UploadExpiredReason is the status reason of an upload job the manager
// canceled after wait (the farm's upload_timeout) without a chunk of its
// files: why, and how to go on.
func UploadExpiredReason(wait time.Duration) string {
	return fmt.Sprintf("no file arrived for %s; upload again with 'farmhand submit --upload FILE.blend' "+
		"(files the manager holds complete are not sent again; an admin sets the wait with "+
		"'farmhand config set upload-timeout 48h')", model.ShortDuration(wait))
}

// ExpireUploads cancels every upload job in waiting-for-files that no chunk
// of its files (nor any change to the job) reached for the farm's
// upload_timeout, with UploadExpiredReason as its status reason and an audit
// entry by the manager. The job keeps its file references, as any canceled
// job does, until it is deleted or archived; partial files only it named go
// an hour later (CollectFiles). It returns the ids of the jobs canceled.
// Errors: store errors (store.ErrClosed once the manager is closing).
func (m *Manager) ExpireUploads() ([]string, error) {
	wait := m.current().UploadWait()
	var due []string
	waiting := map[string]bool{}
	err := m.store.View(func(tx *store.Tx) error {
		now := m.now()
		// Every minute: the job's status first, and the upload record (its
		// whole manifest) only of a waiting job, which are few.
		var bad error
		tx.JobUploadIDs(func(id string) bool {
			j, err := tx.Job(id)
			if err != nil || j.Status != model.JobWaitingForFiles {
				return true
			}
			u, err := tx.JobUpload(id)
			if err != nil {
				bad = err
				return false
			}
			if u == nil || u.Released {
				return true
			}
			waiting[id] = true
			if m.uploadExpired(j, wait, now) {
				due = append(due, id)
			}
			return true
		})
		return bad
	})
	if err != nil {
		return nil, fmt.Errorf("looking for expired uploads: %w", err)
	}
	m.files.watch.keepOnly(waiting) // jobs whose files all came, or that went
	var canceled []string
	for _, id := range due {
		done, err := m.expireUpload(id, wait)
		if err != nil {
			return canceled, fmt.Errorf("canceling upload job %s after %s without a file: %w", id, wait, err)
		}
		if done {
			canceled = append(canceled, id)
			m.log.Info("upload job canceled: no file arrived", "job", id, "upload_timeout", wait)
		}
	}
	return canceled, nil
}

// uploadExpired says whether j waits for files and showed no life for wait.
func (m *Manager) uploadExpired(j *model.Job, wait time.Duration, now time.Time) bool {
	return j.Status == model.JobWaitingForFiles && !now.Before(m.files.watch.since(j.ID, j.Updated, now).Add(wait))
}

// expireUpload cancels job id if it still waits and showed no life for wait
// (a chunk may have come since it was found); false when it was left alone.
func (m *Manager) expireUpload(id string, wait time.Duration) (bool, error) {
	done := false
	err := m.update(func(o *op) error {
		done = false
		jc, err := o.job(id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil || !o.m.uploadExpired(jc.job, wait, o.now) {
			return err
		}
		was := *jc.job
		reason := UploadExpiredReason(wait)
		if err := o.enterJobStatus(jc, model.JobCancelRequested, reason); err != nil {
			return err
		}
		if err := o.settle(jc); err != nil {
			return err
		}
		done = true
		return o.audit(AsAdmin, auditNote{action: "job." + string(model.JobCancel), targetID: id, targetName: was.Name,
			detail: fmt.Sprintf("status %s → %s: no file arrived for %s", was.Status, jc.job.Status, model.ShortDuration(wait))})
	})
	return done, err
}

// startUploadExpiry runs ExpireUploads every expireEvery until ctx ends.
// Close waits for it.
func (m *Manager) startUploadExpiry(ctx context.Context) {
	if !m.enterRun() {
		return
	}
	go func() {
		defer m.running.Done()
		tick := time.NewTicker(expireEvery)
		defer tick.Stop()
		for {
			if _, err := m.ExpireUploads(); err != nil && !errors.Is(err, store.ErrClosed) {
				m.log.Warn("canceling expired uploads", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}
