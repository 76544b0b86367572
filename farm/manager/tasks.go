package manager

import (
	"fmt"
	"io"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// TaskLog returns a task's whole log.
func (m *Manager) TaskLog(taskID string) (io.ReadCloser, error) {
	t, err := m.Task(taskID)
	if err != nil {
		return nil, err
	}
	return m.logs.Open(t.JobID, t.ID)
}

// TaskLogTail returns the last n lines of a task's log.
func (m *Manager) TaskLogTail(taskID string, n int) (string, error) {
	t, err := m.Task(taskID)
	if err != nil {
		return "", err
	}
	return m.logs.Tail(t.JobID, t.ID, n)
}

// FarmStatus counts jobs and workers by status.
type FarmStatus struct {
	Jobs    map[model.JobStatus]int
	Workers map[model.WorkerStatus]int
}

// Status counts jobs and workers by status.
func (m *Manager) Status() (FarmStatus, error) {
	fs := FarmStatus{Jobs: map[model.JobStatus]int{}, Workers: map[model.WorkerStatus]int{}}
	err := m.store.View(func(tx *store.Tx) error {
		if err := tx.Jobs(func(j *model.Job) bool { fs.Jobs[j.Status]++; return true }); err != nil {
			return err
		}
		return tx.Workers(func(w *model.Worker) bool { fs.Workers[w.Status]++; return true })
	})
	if err != nil {
		return fs, fmt.Errorf("counting jobs and workers: %w", err)
	}
	return fs, nil
}
