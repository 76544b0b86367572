package manager

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// WorkerInfo is what a worker tells about itself when it registers or signs on.
type WorkerInfo struct {
	Name      string
	Platform  string
	Version   string
	TaskTypes []string
	Tags      []string
	Address   string
	// Blenders and CyclesDevice are its render setup, replaced at each
	// sign-on (model.Worker's fields of the same names).
	Blenders     []model.BlenderInstall
	CyclesDevice string
}

func (wi WorkerInfo) check() error {
	if strings.TrimSpace(wi.Name) == "" {
		return fmt.Errorf("%w: a worker needs a name", ErrInvalid)
	}
	if hasControl(wi.Name) {
		return fmt.Errorf("%w: the worker name %q holds a line break, tab or other control character", ErrInvalid, wi.Name)
	}
	if _, err := cleanTags(wi.Tags, "tags"); err != nil {
		return err
	}
	if strings.TrimSpace(wi.Platform) == "" {
		return fmt.Errorf("%w: a worker needs a platform", ErrInvalid)
	}
	return nil
}

func (wi WorkerInfo) applyTo(w *model.Worker) {
	w.Name, w.Platform, w.Version, w.Address = strings.TrimSpace(wi.Name), wi.Platform, wi.Version, wi.Address
	w.TaskTypes = nonNil(wi.TaskTypes)
	tags, _ := cleanTags(wi.Tags, "tags") // check refused bad ones
	w.Tags = nonNil(tags)
	w.Blenders, w.CyclesDevice = wi.Blenders, wi.CyclesDevice
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// SignOn marks a worker awake with what it says about itself now. A member
// signing on for the first time becomes a worker.
func (m *Manager) SignOn(workerID string, info WorkerInfo) (*model.Worker, error) {
	if err := info.check(); err != nil {
		return nil, err
	}
	var result model.Worker
	err := m.update(func(o *op) error {
		w, err := o.worker(workerID)
		if errors.Is(err, store.ErrNotFound) {
			w = &model.Worker{ID: workerID, Registered: o.now}
			o.workers[workerID] = w
			m.log.Info("new worker", "worker", workerID, "name", info.Name, "platform", info.Platform)
		} else if err != nil {
			return err
		}
		name, tags := w.Name, w.Tags
		info.applyTo(w)
		if w.Retagged {
			w.Tags = tags // an admin's tags win over the worker's --tags (found by a fresh-eyes try: a restart wiped them)
		}
		if w.Renamed {
			w.Name = name // an admin's name wins over the machine's
		}
		// Back in the status it had when it went away; a shutdown or restart
		// it was asked for is done now that it is back.
		w.Status = w.SignOnStatus
		if !w.Status.Reachable() {
			w.Status = model.WorkerAwake
		}
		if w.StatusRequested == model.WorkerOffline || w.StatusRequested == model.WorkerRestartRequested || w.StatusRequested == w.Status {
			w.StatusRequested, w.Lazy = "", false
		}
		w.LastSeen = o.now
		result = *withWorkerActions(w)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("signing on worker %s: %w", workerID, err)
	}
	m.touch(workerID)
	m.log.Info("worker signed on", "worker", workerID, "name", result.Name, "task_types", result.TaskTypes)
	return &result, nil
}

// SignOff marks a worker offline and gives its task back to the queue.
func (m *Manager) SignOff(workerID string) error {
	err := m.update(func(o *op) error {
		return o.workerGone(workerID, model.WorkerOffline, "worker signed off")
	})
	if err != nil {
		return fmt.Errorf("signing off worker %s: %w", workerID, err)
	}
	m.seenMu.Lock()
	delete(m.seen, workerID)
	m.seenMu.Unlock()
	return nil
}

// workerGone marks a worker offline or lost, remembering the status it returns
// to, and requeues the task it was running.
func (o *op) workerGone(workerID string, status model.WorkerStatus, why string) error {
	w, err := o.worker(workerID)
	if err != nil {
		return err
	}
	w.SignOnStatus = signOnStatus(w)
	w.Status, w.LastSeen = status, o.now
	if w.StatusRequested == model.WorkerOffline || w.StatusRequested == model.WorkerRestartRequested {
		w.StatusRequested, w.Lazy = "", false
	}
	return o.releaseTask(w, why)
}

// Workers returns every worker, by name.
func (m *Manager) Workers() ([]*model.Worker, error) {
	var ws []*model.Worker
	err := m.store.View(func(tx *store.Tx) error {
		return tx.Workers(func(w *model.Worker) bool { ws = append(ws, m.live(w)); return true })
	})
	if err != nil {
		return nil, fmt.Errorf("listing workers: %w", err)
	}
	slices.SortFunc(ws, func(a, b *model.Worker) int { return strings.Compare(a.Name, b.Name) })
	return ws, nil
}

// Worker returns one worker.
func (m *Manager) Worker(id string) (*model.Worker, error) {
	var w *model.Worker
	err := m.store.View(func(tx *store.Tx) (err error) {
		w, err = tx.Worker(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return m.live(w), nil
}

// live fills in what the store does not keep up to the second: when the worker
// was last heard from, and the actions its status allows.
func (m *Manager) live(w *model.Worker) *model.Worker {
	m.seenMu.Lock()
	if seen, ok := m.seen[w.ID]; ok && seen.After(w.LastSeen) {
		w.LastSeen = seen
	}
	if w.Status.Reachable() {
		w.Stats = m.stats[w.ID]
	}
	m.seenMu.Unlock()
	return withWorkerActions(w)
}
