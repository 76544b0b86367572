package store

import (
	"errors"
	"math"
	"strings"
	"testing"

	"farmhand/farm/model"
)

// commitTogether commits fns as one group, as the writer goroutine does when
// they queue up at once, and returns each one's error.
func commitTogether(s *Store, fns ...func(*Tx) error) []error {
	reqs := make([]*writeReq, len(fns))
	for i, fn := range fns {
		reqs[i] = &writeReq{fn: fn, done: make(chan error, 1)}
	}
	s.commitGroup(reqs)
	errs := make([]error, len(fns))
	for i, r := range reqs {
		errs[i] = <-r.done
	}
	return errs
}

// The writers of one group see each other's job writes, in every way of
// reading a job; the record put is the last writer's; the bytes are put once
// and reach the last writer's callback.
func TestGroupWritersShareJobRecords(t *testing.T) {
	s := openTemp(t)
	if err := s.Update(func(tx *Tx) error { return tx.PutJob(&model.Job{ID: "j", Name: "v0", Priority: 1}) }); err != nil {
		t.Fatal(err)
	}
	var stored []string
	rename := func(from, to string) func(*Tx) error {
		return func(tx *Tx) error {
			j, err := tx.Job("j")
			if err != nil {
				return err
			}
			var listed *model.Job
			if err := tx.Jobs(func(j *model.Job) bool { listed = j; return true }); err != nil {
				return err
			}
			if j.Name != from || listed.Name != from {
				t.Errorf("writer renaming to %s read %q and listed %q, want %q", to, j.Name, listed.Name, from)
			}
			if raw := tx.RawJob("j"); !strings.Contains(string(raw), `"v0"`) {
				t.Errorf("the stored bytes changed before the group's end: %s", raw)
			}
			j.Name = to
			return tx.PutJobThen(j, func(_ *Tx, raw []byte) { stored = append(stored, string(raw)) })
		}
	}
	errs := commitTogether(s, rename("v0", "v1"), rename("v1", "v2"), rename("v2", "v3"))
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || !strings.Contains(stored[0], `"v3"`) {
		t.Errorf("callbacks got %q, want once the last writer's record", stored)
	}
	if err := s.View(func(tx *Tx) error {
		j, err := tx.Job("j")
		if err == nil && j.Name != "v3" {
			t.Errorf("stored name %q, want v3", j.Name)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// A job record that cannot be encoded at the group's end fails the writer
// that wrote it last, alone: the group is committed again without it, and
// what it wrote (to the job and elsewhere) is not stored. (A record a later
// writer of the group replaced is never encoded, so it fails nobody.)
func TestGroupBlamesTheWriterOfAnUnstorableJob(t *testing.T) {
	s := openTemp(t)
	if err := s.Update(func(tx *Tx) error { return tx.PutJob(&model.Job{ID: "j", Name: "ok"}) }); err != nil {
		t.Fatal(err)
	}
	put := func(name string, settings map[string]any) func(*Tx) error {
		return func(tx *Tx) error {
			j, err := tx.Job("j")
			if err != nil {
				return err
			}
			j.Name, j.Settings = name, settings
			if err := tx.PutWorker(&model.Worker{ID: name}); err != nil {
				return err
			}
			return tx.PutJob(j)
		}
	}
	errs := commitTogether(s, put("first", nil), put("second", nil), put("bad", map[string]any{"x": math.NaN()}))
	if errs[0] != nil || errs[1] != nil {
		t.Errorf("good writers failed: %v, %v", errs[0], errs[1])
	}
	if errs[2] == nil || !strings.Contains(errs[2].Error(), "encoding job j") {
		t.Errorf("bad writer: %v, want an encoding error naming the job", errs[2])
	}
	if err := s.View(func(tx *Tx) error {
		j, err := tx.Job("j")
		if err != nil {
			return err
		}
		if j.Name != "second" {
			t.Errorf("stored name %q, want second", j.Name)
		}
		if _, err := tx.Worker("bad"); !errors.Is(err, ErrNotFound) {
			t.Errorf("the failed writer's worker: %v, want not found", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A job deleted after a writer of the same group changed it stays deleted.
func TestGroupDeleteAfterWrite(t *testing.T) {
	s := openTemp(t)
	if err := s.Update(func(tx *Tx) error { return tx.PutJob(&model.Job{ID: "j", Name: "ok"}) }); err != nil {
		t.Fatal(err)
	}
	errs := commitTogether(s,
		func(tx *Tx) error {
			j, err := tx.Job("j")
			if err != nil {
				return err
			}
			j.Name = "changed"
			return tx.PutJob(j)
		},
		func(tx *Tx) error { return tx.DeleteJob("j") },
		func(tx *Tx) error {
			if _, err := tx.Job("j"); !errors.Is(err, ErrNotFound) {
				t.Errorf("after the delete, read %v, want not found", err)
			}
			return nil
		})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if err := s.View(func(tx *Tx) error {
		if _, err := tx.Job("j"); !errors.Is(err, ErrNotFound) {
			t.Errorf("stored: %v, want not found", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Stats count the commits, the writers they carried and the time they took.
func TestStatsCountCommitsAndWriters(t *testing.T) {
	s := openTemp(t)
	before := s.Stats()
	errs := commitTogether(s,
		func(tx *Tx) error { return tx.PutWorker(&model.Worker{ID: "a"}) },
		func(tx *Tx) error { return tx.PutWorker(&model.Worker{ID: "b"}) })
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.PutWorker(&model.Worker{ID: "c"}) }); err != nil {
		t.Fatal(err)
	}
	after := s.Stats()
	if c, w := after.Commits-before.Commits, after.Writers-before.Writers; c != 2 || w != 3 {
		t.Errorf("%d commits of %d writers, want 2 of 3", c, w)
	}
	if after.Committing <= before.Committing || after.SlowestCommit <= 0 || after.SlowestCommit > after.Committing {
		t.Errorf("commit times: %+v", after)
	}
}
