package store

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"farmhand/farm/model"
)

// readAudit lists the entries older than before, newest first.
func readAudit(t *testing.T, s *Store, before string) []*model.AuditEntry {
	t.Helper()
	var out []*model.AuditEntry
	err := s.View(func(tx *Tx) error {
		return tx.AuditEntries(before, func(e *model.AuditEntry) bool { out = append(out, e); return true })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func actions(es []*model.AuditEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

// Entries come back newest first, those of one nanosecond in the order they
// were written; the log keeps the newest keep entries; a cursor reads on
// from an entry, even one dropped since.
func TestAuditLogIsOrderedAndBounded(t *testing.T) {
	s := openTemp(t)
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 7 {
		at := base.Add(time.Duration(i/2) * time.Second) // pairs share a time
		e := &model.AuditEntry{Time: at, Action: fmt.Sprintf("a%d", i)}
		if err := s.Update(func(tx *Tx) error { return tx.AppendAudit(e, 5) }); err != nil {
			t.Fatal(err)
		}
		if len(e.ID) != 32 {
			t.Fatalf("entry %d got id %q", i, e.ID)
		}
		ids = append(ids, e.ID)
	}
	all := readAudit(t, s, "")
	if got, want := fmt.Sprint(actions(all)), "[a6 a5 a4 a3 a2]"; got != want {
		t.Fatalf("entries %s, want %s (newest 5, newest first)", got, want)
	}
	if all[0].ID != ids[6] || !all[0].Time.Equal(base.Add(3*time.Second)) {
		t.Errorf("newest entry %+v", all[0])
	}
	if got := fmt.Sprint(actions(readAudit(t, s, ids[4]))); got != "[a3 a2]" {
		t.Errorf("older than a4: %s", got)
	}
	if got := readAudit(t, s, ids[0]); len(got) != 0 {
		t.Errorf("older than the dropped a0: %v", actions(got))
	}
	if got := fmt.Sprint(actions(readAudit(t, s, "ffffffffffffffffffffffffffffffff"))); got != "[a6 a5 a4 a3 a2]" {
		t.Errorf("older than the end of time: %s", got)
	}
	err := s.View(func(tx *Tx) error {
		if n := tx.auditCount(); n != 5 {
			t.Errorf("count %d, want 5", n)
		}
		return tx.AuditEntries("nothex", func(*model.AuditEntry) bool { return true })
	})
	if !errors.Is(err, ErrBadCursor) {
		t.Errorf("a bad cursor gave %v", err)
	}
}

// An entry written by a transaction that fails is not kept, nor counted.
func TestAuditEntryFallsWithItsTransaction(t *testing.T) {
	s := openTemp(t)
	boom := errors.New("boom")
	err := s.Update(func(tx *Tx) error {
		if err := tx.AppendAudit(&model.AuditEntry{Time: time.Now(), Action: "job.cancel"}, 10); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got := readAudit(t, s, ""); len(got) != 0 {
		t.Fatalf("entries of a failed transaction: %v", actions(got))
	}
	var n int
	if err := s.View(func(tx *Tx) error { n = tx.auditCount(); return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("count %d after a failed transaction", n)
	}
}
