package manager

import (
	"encoding/json"
	"fmt"

	"farmhand/farm/model"
	"farmhand/farm/sched"
	"farmhand/farm/store"
)

// storedJob reads job id as tx holds it, from the memo when it holds the
// same bytes (memo.go). The job is the caller's to change. Errors: those of
// tx.Job (store.ErrNotFound, wrapped, for an unknown job).
func (m *Manager) storedJob(tx *store.Tx, id string) (*model.Job, error) {
	if j, ok := tx.PendingJob(id); ok {
		return j, nil
	}
	if raw := tx.RawJob(id); raw != nil {
		if j := m.jobMemo.get(id, raw); j != nil {
			return j, nil
		}
	}
	return tx.Job(id)
}

// peekJob reads job id as tx holds it for a reader that does not change it
// (the memo's own record when it holds the same bytes). Errors: as storedJob.
func (m *Manager) peekJob(tx *store.Tx, id string) (*model.Job, error) {
	if j, ok := tx.PendingJob(id); ok {
		return j, nil
	}
	if raw := tx.RawJob(id); raw != nil {
		if j := m.jobMemo.peek(id, raw); j != nil {
			return j, nil
		}
	}
	return tx.Job(id)
}

// putJob writes j in tx (once per group commit, store.Tx.PutJob) and then
// remembers it, if it is active: ended jobs are read seldom, and a farm keeps
// many of them. j must not change afterwards. Errors: as store.Tx.PutJob.
func (m *Manager) putJob(tx *store.Tx, j *model.Job) error {
	return tx.PutJobThen(j, func(tx *store.Tx, raw []byte) {
		if !sched.Indexed(j.Status) {
			m.jobMemo.drop(j.ID)
			return
		}
		rec := *j
		rec.AllowedActions = nil // never stored
		tx.OnCommit(m.jobMemo.keep(j.ID, raw, &rec))
	})
}

// keepWorker remembers the worker just written in tx.
func (m *Manager) keepWorker(tx *store.Tx, w *model.Worker) {
	if raw := tx.RawWorker(w.ID); raw != nil {
		tx.OnCommit(m.workerMemo.keep(w.ID, raw, w))
	}
}

// storedWorker reads worker id as tx holds it, from the memo when it holds
// the same bytes: a copy the caller may change. Errors: as store.Tx.Worker.
func (m *Manager) storedWorker(tx *store.Tx, id string) (*model.Worker, error) {
	if raw := tx.RawWorker(id); raw != nil {
		if w := m.workerMemo.get(id, raw); w != nil {
			return w, nil
		}
	}
	return tx.Worker(id)
}

// storedWorkers calls fn for every stored worker, in id order, until fn
// returns false, as tx.Workers does, but from the memo for the workers whose
// stored bytes it holds: every job change counts the workers able to run the
// job (ableWorkers). fn must not change the workers it gets: they are the
// memo's own.
func (o *op) storedWorkers(fn func(*model.Worker) bool) error {
	var bad error
	o.tx.RawWorkers(func(id, raw []byte) bool {
		w := o.m.workerMemo.peek(string(id), raw)
		if w == nil {
			w = &model.Worker{}
			if err := json.Unmarshal(raw, w); err != nil {
				bad = fmt.Errorf("decoding worker %s: %w", id, err)
				return false
			}
			// Read, not written: the bytes are committed ones, or this
			// transaction's, which are pending already.
			o.m.workerMemo.keep(string(id), raw, w)()
		}
		return fn(w)
	})
	return bad
}
