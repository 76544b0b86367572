package manager

import (
	"bytes"
	"sync"
)

// recordMemo keeps stored records decoded, keyed by id, with the stored bytes
// they stand for. A reader that finds the bytes in the store equal to the
// memo's takes the memo's record (a deep copy, or the record itself for a
// reader that only reads) instead of decoding the JSON: a job record carries
// its ETA and time-per-frame samples (some 15 KB), and decoding it on every
// task change took 40% of the manager's CPU with 64 workers.
//
// A writer keeps what it wrote as the pending version, for the next write
// transaction (or the next change in a group commit); once the transaction
// commits, the pending version joins the committed ones, of which the memo
// keeps the last few for read transactions that began before the latest
// commits. A write whose transaction rolls back never joins them, and the
// store then holds other bytes than the pending version's, so the memo never
// answers for bytes the store does not hold. Its records are never changed.
// Safe for concurrent use.
type recordMemo[T any, P cloner[T]] struct {
	mu   sync.Mutex
	byID map[string]*memoEntry[T]
}

// cloner is a record type with a deep copy (model.Job, model.Worker).
type cloner[T any] interface {
	*T
	Clone() *T
}

type memoEntry[T any] struct {
	pending   *memoVersion[T]
	committed []*memoVersion[T] // newest first, at most memoVersions
}

type memoVersion[T any] struct {
	raw []byte
	rec *T
}

// memoVersions is how many committed versions of a record the memo keeps.
const memoVersions = 4

func (m *recordMemo[T, P]) find(id string, raw []byte) *T {
	e := m.byID[id]
	if e == nil {
		return nil
	}
	if e.pending != nil && bytes.Equal(e.pending.raw, raw) {
		return e.pending.rec
	}
	for _, v := range e.committed {
		if bytes.Equal(v.raw, raw) {
			return v.rec
		}
	}
	return nil
}

// get returns a copy of the record stored as raw under id, or nil when the
// memo does not hold those bytes.
func (m *recordMemo[T, P]) get(id string, raw []byte) *T {
	m.mu.Lock()
	defer m.mu.Unlock()
	return P(m.find(id, raw)).Clone()
}

// peek returns the memo's own record stored as raw under id, or nil: faster
// than get, for readers that do not change it (nothing may).
func (m *recordMemo[T, P]) peek(id string, raw []byte) *T {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.find(id, raw)
}

// keep makes rec (copied), written as raw (copied) under id, the pending
// version, and returns the function that makes it a committed one: call it
// once the write is on disk (store.Tx.OnCommit).
func (m *recordMemo[T, P]) keep(id string, raw []byte, rec *T) (committed func()) {
	v := &memoVersion[T]{raw: bytes.Clone(raw), rec: P(rec).Clone()}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byID == nil {
		m.byID = map[string]*memoEntry[T]{}
	}
	e := m.byID[id]
	if e == nil {
		e = &memoEntry[T]{}
		m.byID[id] = e
	}
	e.pending = v
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		// A later write of the same record in the same commit supersedes
		// this one: only the last is ever visible to readers.
		if e := m.byID[id]; e != nil && e.pending == v {
			e.committed = append([]*memoVersion[T]{v}, e.committed[:min(len(e.committed), memoVersions-1)]...)
		}
	}
}

// drop forgets id's record.
func (m *recordMemo[T, P]) drop(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.byID, id)
}

// size is how many records the memo holds.
func (m *recordMemo[T, P]) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byID)
}
