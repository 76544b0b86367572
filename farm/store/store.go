package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the name of the database file inside the data directory.
const FileName = "farmhand.db"

// ErrNotFound is returned (wrapped) when a job, task or worker does not exist.
var ErrNotFound = errors.New("not found")

// ErrClosed is returned (wrapped) by Update and View once Close has begun: a
// goroutine that outlived the farm's shutdown gets an error, not a panic.
var ErrClosed = errors.New("the database is closed")

var (
	bucketMeta         = []byte("meta")
	bucketJobs         = []byte("jobs")
	bucketTasks        = []byte("tasks")
	bucketTaskCommands = []byte("task_commands")
	bucketTaskIDs      = []byte("task_ids") // schema 1 and 2 only
	bucketWorkers      = []byte("workers")
	bucketWorkerTokens = []byte("worker_tokens") // schema 3 and before
	bucketMembers      = []byte("members")
	bucketTokens       = []byte("tokens")
	bucketSettings     = []byte("settings")
	bucketAudit        = []byte("audit")
	keySchemaVersion   = []byte("schema_version")
)

// maxGroup caps how many writers share one transaction, so that one slow
// writer's batch stays bounded.
const maxGroup = 256

// Store is the farm's database.
type Store struct {
	db     *bolt.DB
	writes chan *writeReq
	wg     sync.WaitGroup

	// mu guards the send on writes: Update holds it shared while it checks
	// closed and queues, Close exclusively while it sets closed and closes
	// writes, so that no send ever meets a closed channel. View reads closed
	// without mu, so that a reader never waits behind a Close.
	mu        sync.RWMutex
	closed    atomic.Bool
	closeOnce sync.Once

	stats statCounters
}

type writeReq struct {
	fn   func(*Tx) error
	done chan error
}

// Open opens (creating if needed) the database in dataDir and migrates it to the
// current schema version, writing a backup beside it first (see migrate and
// BackupsKept). Errors: another process holding the file ("another Farmhand
// process is using this data directory"), a *NewerSchemaError for a database
// from a newer Farmhand, a failed backup or migration; the file is unchanged
// after any of them.
func Open(dataDir string) (*Store, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating data directory %s: %w", dataDir, err)
	}
	path := filepath.Join(dataDir, FileName)
	// The timeout turns "another farmhand already uses this data directory" into
	// an error instead of a silent hang on the file lock.
	// The initial mmap size only reserves address space; it spares the growing
	// file most remaps, which stall every reader and writer (a third of the
	// cost of storing a 10,000-task job).
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, InitialMmapSize: 256 << 20})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("opening %s: another Farmhand process is using this data directory", path)
		}
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if err := migrate(db, time.Now()); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	s := &Store{db: db, writes: make(chan *writeReq, maxGroup)}
	s.wg.Add(1)
	go s.writer()
	return s, nil
}

// Close commits the writes already queued, waits for open read transactions,
// and closes the database. Later calls to Update and View return ErrClosed;
// a second Close returns nil.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed.Store(true)
		close(s.writes)
		s.mu.Unlock()
		s.wg.Wait()
		if cerr := s.db.Close(); cerr != nil {
			err = fmt.Errorf("closing %s: %w", s.db.Path(), cerr)
		}
	})
	return err
}

// View runs fn in a read-only transaction. After Close it returns an error
// wrapping ErrClosed without calling fn; otherwise fn's error, as is.
func (s *Store) View(fn func(*Tx) error) error {
	if s.closed.Load() {
		return fmt.Errorf("reading: %w", ErrClosed)
	}
	err := s.db.View(func(btx *bolt.Tx) error { return fn(&Tx{btx: btx}) })
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		// Close won the race between the check above and bbolt's own.
		return fmt.Errorf("reading: %w", ErrClosed)
	}
	return err
}

// Update runs fn in a read-write transaction and returns once the transaction is
// on disk (or failed). fn may run more than once: when another writer sharing its
// transaction fails, the transaction is rolled back and fn is run again, so fn
// must keep its side effects to the transaction and to Tx.OnCommit. After
// Close it returns an error wrapping ErrClosed without calling fn; a write
// queued before Close is committed.
func (s *Store) Update(fn func(*Tx) error) error {
	req := &writeReq{fn: fn, done: make(chan error, 1)}
	s.mu.RLock()
	if s.closed.Load() {
		s.mu.RUnlock()
		return fmt.Errorf("writing: %w", ErrClosed)
	}
	s.writes <- req
	s.mu.RUnlock()
	return <-req.done
}

// writer is the single goroutine that commits. It takes whatever writers are
// waiting, runs them in one transaction, and commits once.
func (s *Store) writer() {
	defer s.wg.Done()
	for first := range s.writes {
		group := []*writeReq{first}
	drain:
		for len(group) < maxGroup {
			select {
			case r, ok := <-s.writes:
				if !ok {
					break drain
				}
				group = append(group, r)
			default:
				break drain
			}
		}
		s.commitGroup(group)
	}
}

// commitGroup commits group in one transaction. When one writer fails, the
// transaction is rolled back, the failing writer gets its error alone and the
// others are committed again without it.
func (s *Store) commitGroup(group []*writeReq) {
	for len(group) > 0 {
		var hooks []func()
		failed := -1
		var failErr error
		start := time.Now()
		var ran time.Time
		err := s.db.Update(func(btx *bolt.Tx) error {
			hooks = hooks[:0]
			g := newGroup()
			for i, r := range group {
				tx := &Tx{btx: btx, group: g, writer: i}
				if err := r.fn(tx); err != nil {
					failed, failErr = i, err
					return err
				}
				hooks = append(hooks, tx.hooks...)
			}
			last := &Tx{btx: btx}
			if i, err := g.flush(last); err != nil {
				failed, failErr = i, err
				return err
			}
			hooks = append(hooks, last.hooks...)
			ran = time.Now()
			return nil
		})
		if failed >= 0 {
			group[failed].done <- failErr
			group = append(group[:failed:failed], group[failed+1:]...)
			continue
		}
		if err != nil {
			err = fmt.Errorf("committing: %w", err)
			for _, r := range group {
				r.done <- err
			}
			return
		}
		s.stats.add(len(group), ran.Sub(start), time.Since(ran))
		for _, h := range hooks {
			h()
		}
		for _, r := range group {
			r.done <- nil
		}
		return
	}
}
