package manager

import (
	"fmt"

	"farmhand/farm/model"
)

// EndUpgrade records how worker workerID's upgrade ended, as the worker
// reports it: problem empty means the binary of version to is in place and
// the worker restarts now (it signs on again with that version); otherwise
// the worker did not upgrade and carries on as from, and problem says why
// (logged here, for the admin who asked). Either way the upgrade request is
// dropped, so that the worker is not asked again. Errors: store.ErrNotFound
// (wrapped) for an unknown worker.
func (m *Manager) EndUpgrade(workerID, from, to, problem string) (*model.Worker, error) {
	var result *model.Worker
	err := m.update(func(o *op) error {
		w, err := o.worker(workerID)
		if err != nil {
			return err
		}
		if w.StatusRequested == model.WorkerUpgradeRequested {
			w.StatusRequested, w.Lazy = "", false
		}
		result = withWorkerActions(w)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ending the upgrade of worker %s: %w", workerID, err)
	}
	m.touch(workerID)
	if problem != "" {
		m.log.Warn("worker did not upgrade", "worker", result.Name, "version", from, "to", to, "problem", problem)
	} else {
		m.log.Info("worker upgraded; it restarts", "worker", result.Name, "from", from, "to", to)
	}
	return result, nil
}
