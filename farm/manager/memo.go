package manager

import (
	"bytes"
	"reflect"
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
type recordMemo[T any] struct {
	mu   sync.Mutex
	byID map[string]*memoEntry[T]
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

func (m *recordMemo[T]) find(id string, raw []byte) *T {
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
func (m *recordMemo[T]) get(id string, raw []byte) *T {
	m.mu.Lock()
	defer m.mu.Unlock()
	return deepCopy(m.find(id, raw))
}

// peek returns the memo's own record stored as raw under id, or nil: faster
// than get, for readers that do not change it (nothing may).
func (m *recordMemo[T]) peek(id string, raw []byte) *T {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.find(id, raw)
}

// keep makes rec (copied), written as raw (copied) under id, the pending
// version, and returns the function that makes it a committed one: call it
// once the write is on disk (store.Tx.OnCommit).
func (m *recordMemo[T]) keep(id string, raw []byte, rec *T) (committed func()) {
	v := &memoVersion[T]{raw: bytes.Clone(raw), rec: deepCopy(rec)}
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
func (m *recordMemo[T]) drop(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.byID, id)
}

// size is how many records the memo holds.
func (m *recordMemo[T]) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byID)
}

// deepCopy copies v and everything it reaches through exported fields,
// pointers, slices, maps and interfaces. Unexported fields are copied as they
// are: those of the model's types are time.Time's, whose location pointer is
// shared by design.
func deepCopy[T any](v *T) *T {
	if v == nil {
		return nil
	}
	return copyValue(reflect.ValueOf(v)).Interface().(*T)
}

func copyValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Type().Elem())
		c.Elem().Set(copyValue(v.Elem()))
		return c
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		for i := range v.NumField() {
			if f := c.Field(i); f.CanSet() {
				f.Set(copyValue(v.Field(i)))
			}
		}
		return c
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		if plainKind(v.Type().Elem().Kind()) {
			reflect.Copy(c, v)
			return c
		}
		for i := range v.Len() {
			c.Index(i).Set(copyValue(v.Index(i)))
		}
		return c
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			c.SetMapIndex(it.Key(), copyValue(it.Value()))
		}
		return c
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Type()).Elem()
		c.Set(copyValue(v.Elem()))
		return c
	case reflect.Array:
		c := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			c.Index(i).Set(copyValue(v.Index(i)))
		}
		return c
	}
	return v // numbers, strings, booleans: values
}

func plainKind(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.String:
		return true
	}
	return false
}
