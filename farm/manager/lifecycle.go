package manager

import (
	"errors"
	"fmt"
	"strings"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// StatusChange is a status change a worker must make: the answer to its request
// for work while one is pending.
type StatusChange struct {
	Status model.WorkerStatus
	Lazy   bool
}

// StatusChangeError is returned by Schedule when the worker must change
// status instead of taking work; it carries the change, and the API answers
// it 423.
type StatusChangeError struct{ Change StatusChange }

func (e *StatusChangeError) Error() string {
	return fmt.Sprintf("worker must change to %s first", e.Change.Status)
}

// WorkerAction applies a lifecycle action to a worker as the manager itself;
// see WorkerActionBy.
func (m *Manager) WorkerAction(id string, action model.WorkerAction, now bool) (*model.Worker, error) {
	return m.WorkerActionBy(AsAdmin, id, action, now)
}

// WorkerActionBy applies a user's lifecycle action to a worker: sleep, wake,
// pause, shutdown or restart (after the current task, or at once when now is
// set: the running task is stopped and requeued), or delete; by's action goes
// into the audit log. Errors: ErrInvalid for an unknown action;
// store.ErrNotFound (wrapped) for an unknown worker; a *model.ActionError
// when the worker's status does not allow the action.
func (m *Manager) WorkerActionBy(by Actor, id string, action model.WorkerAction, now bool) (*model.Worker, error) {
	if !model.ValidWorkerAction(action) {
		return nil, fmt.Errorf("%w: unknown worker action %q; actions are %v", ErrInvalid, action, model.WorkerActions)
	}
	if action == model.WorkerDelete {
		return nil, m.DeleteWorkerBy(by, id)
	}
	target, _ := action.RequestedStatus()
	var result *model.Worker
	err := m.update(func(o *op) error {
		w, err := o.worker(id)
		if err != nil {
			return err
		}
		if err := model.CheckWorkerAction(w.ID, w.Status, action); err != nil {
			return err
		}
		if target == w.Status {
			w.StatusRequested, w.Lazy = "", false // already there: drop an older request
		} else {
			w.StatusRequested, w.Lazy = target, !now
		}
		result = withWorkerActions(w)
		return o.audit(by, workerActionNote(w, action, target, now))
	})
	if err != nil {
		var ae *model.ActionError
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, fmt.Errorf("%s worker %s: %w", action, id, err)
	}
	m.log.Info("worker status requested", "worker", result.Name, "action", action, "now", now)
	return m.live(result), nil // with what heartbeats saw since the record was written
}

// AckStatus records that a worker switched to status s (awake, asleep or
// paused) as it was asked to, or of its own accord. A worker that stops being
// awake gives its task back.
func (m *Manager) AckStatus(workerID string, s model.WorkerStatus) (*model.Worker, error) {
	switch s {
	case model.WorkerAwake, model.WorkerAsleep, model.WorkerPaused:
	default:
		return nil, fmt.Errorf("%w: a worker can switch itself to awake, asleep or paused, not %q (it signs off to go offline)", ErrInvalid, s)
	}
	var result *model.Worker
	err := m.update(func(o *op) error {
		w, err := o.worker(workerID)
		if err != nil {
			return err
		}
		if w.StatusRequested == s {
			w.StatusRequested, w.Lazy = "", false
		}
		if s != model.WorkerAwake {
			if err := o.releaseTask(w, fmt.Sprintf("%s is now %s", w.Name, s)); err != nil {
				return err
			}
		}
		w.Status = s
		result = withWorkerActions(w)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recording status of worker %s: %w", workerID, err)
	}
	m.touch(workerID)
	m.log.Info("worker changed status", "worker", result.Name, "status", s)
	return m.live(result), nil // with what heartbeats saw since the record was written
}

// DeleteWorker forgets a worker as the manager itself; see DeleteWorkerBy.
func (m *Manager) DeleteWorker(id string) error { return m.DeleteWorkerBy(AsAdmin, id) }

// DeleteWorkerBy forgets a worker; its running task goes back to the queue
// and its token stops working. by's deletion goes into the audit log.
// Errors: store.ErrNotFound (wrapped) for an unknown worker.
func (m *Manager) DeleteWorkerBy(by Actor, id string) error {
	err := m.update(func(o *op) error {
		w, err := o.worker(id)
		if err != nil {
			return err
		}
		if err := o.releaseTask(w, w.Name+" was deleted"); err != nil {
			return err
		}
		if err := o.audit(by, auditNote{action: "worker.delete", targetID: w.ID, targetName: w.Name,
			detail: fmt.Sprintf("was %s", w.Status)}); err != nil {
			return err
		}
		delete(o.workers, id)
		o.deletedWorkers = append(o.deletedWorkers, id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("deleting worker %s: %w", id, err)
	}
	m.seenMu.Lock()
	delete(m.seen, id)
	m.seenMu.Unlock()
	m.log.Info("worker deleted", "worker", id)
	return nil
}

// WorkerChange edits a worker; nil fields stay as they are.
type WorkerChange struct {
	Name *string
	Tags *[]string
}

// UpdateWorker edits a worker as the manager itself; see UpdateWorkerBy.
func (m *Manager) UpdateWorker(id string, c WorkerChange) (*model.Worker, error) {
	return m.UpdateWorkerBy(AsAdmin, id, c)
}

// UpdateWorkerBy renames a worker or replaces its tags, and records by's
// change in the audit log. A renamed worker keeps the new name when it signs
// on again under its own, and a retagged one its new tags. Errors: ErrInvalid for an empty name or tag;
// store.ErrNotFound (wrapped) for an unknown worker.
func (m *Manager) UpdateWorkerBy(by Actor, id string, c WorkerChange) (*model.Worker, error) {
	var name string
	if c.Name != nil {
		if name = strings.TrimSpace(*c.Name); name == "" {
			return nil, fmt.Errorf("%w: a worker's name cannot be empty", ErrInvalid)
		}
		if hasControl(name) {
			return nil, fmt.Errorf("%w: the worker name %q holds a line break, tab or other control character", ErrInvalid, name)
		}
	}
	var tags []string
	if c.Tags != nil {
		var err error
		if tags, err = cleanTags(*c.Tags, "tags"); err != nil {
			return nil, err
		}
	}
	var result *model.Worker
	err := m.update(func(o *op) error {
		w, err := o.worker(id)
		if err != nil {
			return err
		}
		note := workerChangeNote(w, c.Name != nil, name, c.Tags != nil, tags)
		if c.Name != nil {
			w.Name, w.Renamed = name, true
		}
		if c.Tags != nil {
			w.Tags, w.Retagged = tags, true
		}
		result = withWorkerActions(w)
		return o.audit(by, note)
	})
	if err != nil {
		return nil, fmt.Errorf("updating worker %s: %w", id, err)
	}
	return m.live(result), nil // with what heartbeats saw since the record was written
}

// releaseTask gives the worker's running task back: to the queue, or where its
// job is heading.
func (o *op) releaseTask(w *model.Worker, why string) error {
	if w.TaskID == "" {
		return nil
	}
	jc, t, err := o.taskByID(w.TaskID)
	w.ClearTask()
	if errors.Is(err, store.ErrNotFound) {
		return nil // the job was deleted meanwhile
	}
	if err != nil {
		return err
	}
	if t.WorkerID != w.ID || !t.Status.Running() {
		return nil
	}
	o.setTaskStatus(jc, t, o.stoppedStatus(jc, t), why)
	return o.settle(jc)
}

// forgetWorkers deletes workers that were offline or lost for ForgetAfter.
func (m *Manager) forgetWorkers() {
	if m.current().ForgetWorkersAfter.D() <= 0 {
		return
	}
	deadline := m.now().Add(-m.current().ForgetWorkersAfter.D())
	var old []string
	err := m.store.View(func(tx *store.Tx) error {
		return tx.Workers(func(w *model.Worker) bool {
			if !w.Status.Reachable() && w.LastSeen.Before(deadline) {
				old = append(old, w.ID)
			}
			return true
		})
	})
	if err != nil {
		m.log.Error("listing workers to forget", "err", err)
		return
	}
	for _, id := range old {
		if err := m.DeleteWorker(id); err != nil {
			m.log.Error("forgetting worker", "worker", id, "err", err)
			continue
		}
		m.log.Info("forgot worker not seen for a long time", "worker", id, "after", m.current().ForgetWorkersAfter.D())
	}
}

// signOnStatus is the status a worker comes back to after signing off or being
// lost: the one it was asked for, else the one it had.
func signOnStatus(w *model.Worker) model.WorkerStatus {
	switch {
	case w.StatusRequested == model.WorkerAwake, w.StatusRequested == model.WorkerAsleep, w.StatusRequested == model.WorkerPaused:
		return w.StatusRequested
	case w.Status.Reachable():
		return w.Status
	}
	return w.SignOnStatus
}
