package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"farmhand/farm/model"
)

// After Close, Update and View return ErrClosed without running fn; they
// used to panic with "send on closed channel" (issue 10).
func TestUpdateAndViewAfterCloseReturnErrClosed(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ran := false
	err = s.Update(func(tx *Tx) error { ran = true; return tx.SetFarmID("x") })
	if !errors.Is(err, ErrClosed) {
		t.Errorf("Update after Close: %v, want ErrClosed", err)
	}
	err = s.View(func(tx *Tx) error { ran = true; return nil })
	if !errors.Is(err, ErrClosed) {
		t.Errorf("View after Close: %v, want ErrClosed", err)
	}
	if ran {
		t.Error("fn ran on a closed store")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Writers racing with Close each get either success or ErrClosed; every
// write that succeeded is in the file when it is opened again, and none that
// was refused is.
func TestCloseWhileWritingLosesNothing(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 200
	var mu sync.Mutex
	committed := map[string]bool{}
	var other []error
	var wg sync.WaitGroup
	started := make(chan struct{}, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started <- struct{}{}
			for i := range each {
				id := fmt.Sprintf("job-%d-%d", w, i)
				err := s.Update(func(tx *Tx) error { return tx.PutJob(&model.Job{ID: id, Status: model.JobQueued}) })
				mu.Lock()
				switch {
				case err == nil:
					committed[id] = true
				case !errors.Is(err, ErrClosed):
					other = append(other, err)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	for range writers {
		<-started
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(other) > 0 {
		t.Fatalf("writers got errors other than ErrClosed: %v", other)
	}

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stored := map[string]bool{}
	if err := s.View(func(tx *Tx) error {
		return tx.Jobs(func(j *model.Job) bool { stored[j.ID] = true; return true })
	}); err != nil {
		t.Fatal(err)
	}
	for id := range committed {
		if !stored[id] {
			t.Errorf("job %s was committed before Close but is not in the file", id)
		}
	}
	for id := range stored {
		if !committed[id] {
			t.Errorf("job %s is in the file but its writer was told ErrClosed", id)
		}
	}
}
