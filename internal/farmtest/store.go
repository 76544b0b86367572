package farmtest

import (
	"testing"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// Store opens a new store in a temporary folder, closed when the test ends.
func Store(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatalf("opening a store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// PutJob stores job j and its new tasks in one transaction, as a submission
// does, bypassing every rule: the fixture a test needs to start from any
// state. It fails the test on any store error.
func PutJob(t testing.TB, s *store.Store, j *model.Job, tasks []*model.Task) {
	t.Helper()
	err := s.Update(func(tx *store.Tx) error {
		if err := tx.PutJob(j); err != nil {
			return err
		}
		for _, task := range tasks {
			enc, err := store.EncodeNewTask(task)
			if err != nil {
				return err
			}
			if err := tx.PutNewTask(enc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("storing job %s with %d tasks: %v", j.ID, len(tasks), err)
	}
}
