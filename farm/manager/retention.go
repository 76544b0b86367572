package manager

import (
	"fmt"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// Jobs pile up: a studio submits hundreds a week. With the farm setting
// delete_jobs_after (model.Settings.DeleteJobsAfter) the manager deletes the
// jobs that ended that long ago, as an admin's delete does it, once an hour
// (with the lost-worker sweep). Paused jobs are left: someone may resume them.

// deleteBatch is how many old jobs one transaction deletes: a job's tasks go
// with it, and the writer's other work must not wait on thousands at once.
const deleteBatch = 20

// asRetention is who the audit log names for these deletions.
var asRetention = Actor{Admin: true, Name: "the manager (delete_jobs_after)"}

// deleteOldJobs deletes the ended jobs last changed before now minus the
// delete_jobs_after setting; 0 keeps them all. It returns how many it
// deleted. A job that changed meanwhile (requeued, say) is left for the next
// sweep, and one that fails to go is logged and skipped.
func (m *Manager) deleteOldJobs() int {
	keep := m.current().DeleteJobsAfter.D()
	if keep <= 0 {
		return 0
	}
	deadline := m.now().Add(-keep)
	var old []string
	err := m.store.View(func(tx *store.Tx) error {
		return tx.Jobs(func(j *model.Job) bool {
			if endedForGood(j.Status) && j.Updated.Before(deadline) {
				old = append(old, j.ID)
			}
			return true
		})
	})
	if err != nil {
		m.log.Error("listing old jobs to delete", "err", err)
		return 0
	}
	deleted := 0
	for len(old) > 0 {
		batch := old[:min(deleteBatch, len(old))]
		old = old[len(batch):]
		if _, err := m.JobActions(asRetention, model.JobDelete, batch, 0); err == nil {
			deleted += len(batch)
			continue
		}
		// One job of the batch changed or failed: each on its own, then.
		for _, id := range batch {
			if _, err := m.JobActions(asRetention, model.JobDelete, []string{id}, 0); err != nil {
				m.log.Warn("old job not deleted", "job", id, "err", err)
				continue
			}
			deleted++
		}
	}
	if deleted > 0 {
		m.log.Info("deleted old jobs", "jobs", deleted, "ended_before", deadline, "delete_jobs_after", fmt.Sprint(keep))
	}
	return deleted
}

// endedForGood says whether a job in status s is done with for good, so that
// delete_jobs_after may delete it; a paused job is not.
func endedForGood(s model.JobStatus) bool {
	switch s {
	case model.JobCompleted, model.JobCanceled, model.JobFailed, model.JobArchived, model.JobConstructionFailed:
		return true
	}
	return false
}
