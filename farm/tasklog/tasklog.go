// Package tasklog keeps the farm's task logs in their own bbolt file,
// logs.db in the data directory: one bucket per job, and per task a run of
// text chunks keyed by the task's index and a sequence number.
//
// Logs are bulk, not state, so they stay out of the farm's database and never
// compete with the scheduler for its write transaction. Appends are queued and
// written by one goroutine, a batch per transaction, so that a worker's report
// never waits for the disk. An earlier layout kept one text file per task;
// creating those files took about half the manager's CPU under load. Open
// imports the files such a build left (legacy.go).
// Readers call Sync first, so they see every line appended before them.
package tasklog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"farmhand/farm/model"
)

// FileName is the log database inside the data directory.
const FileName = "logs.db"

// Logs is the task-log store.
type Logs struct {
	db  *bolt.DB
	log *slog.Logger

	mu      sync.Mutex
	queue   []entry
	queued  uint64 // entries ever queued
	written uint64 // entries ever written (or given up on after an error)
	done    *sync.Cond
	wake    chan struct{}
	closed  bool
	exit    chan struct{}
}

type entry struct {
	jobID string
	index int
	text  string
}

// Open opens (creating if needed) the task logs in dataDir.
func Open(dataDir string, log *slog.Logger) (*Logs, error) {
	if log == nil {
		log = slog.Default()
	}
	path := filepath.Join(dataDir, FileName)
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating data directory %s: %w", dataDir, err)
	}
	// No fsync per batch: logs are not the farm's state, and syncing them cost a
	// fifth of the manager's CPU under load. A process crash loses nothing (the
	// kernel has the pages); a power cut may lose recent lines or, rarely,
	// damage the file, which is then set aside and started afresh.
	opts := &bolt.Options{Timeout: 2 * time.Second, NoSync: true}
	db, err := bolt.Open(path, 0o600, opts)
	if err != nil && !errors.Is(err, berrors.ErrTimeout) {
		aside := fmt.Sprintf("%s.damaged-%s", path, time.Now().UTC().Format("20060102-150405"))
		log.Warn("task log database unreadable; setting it aside and starting a new one", "file", path, "aside", aside, "err", err)
		if rerr := os.Rename(path, aside); rerr == nil {
			db, err = bolt.Open(path, 0o600, opts)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("opening task logs %s: %w", path, err)
	}
	// A failed import keeps the text files where they are, for the next start
	// to try again: the farm runs meanwhile, without those old logs.
	if err := importLegacy(db, dataDir, log); err != nil {
		log.Warn("old task logs not imported yet", "err", err)
	}
	l := &Logs{db: db, log: log, wake: make(chan struct{}, 1), exit: make(chan struct{})}
	l.done = sync.NewCond(&l.mu)
	go l.writer()
	return l, nil
}

// Append queues text for a task's log, ending it with a newline if it lacks one.
func (l *Logs) Append(jobID, taskID, text string) {
	if text == "" {
		return
	}
	_, index, ok := model.ParseTaskID(taskID)
	if !ok {
		l.log.Warn("task log for a malformed task id dropped", "task", taskID)
		return
	}
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.queue = append(l.queue, entry{jobID, index, text})
	l.queued++
	// Wake the writer while holding mu: Close closes wake only after it set
	// closed under mu, so this send never meets a closed channel.
	select {
	case l.wake <- struct{}{}:
	default:
	}
	l.mu.Unlock()
}

// Sync waits until everything appended so far is written.
func (l *Logs) Sync() {
	l.mu.Lock()
	target := l.queued
	for l.written < target {
		l.done.Wait()
	}
	l.mu.Unlock()
}

// Close writes what is queued and closes the log database.
func (l *Logs) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.wake) // under mu: see Append
	l.mu.Unlock()
	<-l.exit
	return l.db.Close()
}

func (l *Logs) writer() {
	defer close(l.exit)
	for range l.wake {
		l.writeQueued()
	}
	l.writeQueued()
}

func (l *Logs) writeQueued() {
	for {
		l.mu.Lock()
		batch := l.queue
		l.queue = nil
		l.mu.Unlock()
		if len(batch) == 0 {
			return
		}
		if err := l.db.Update(func(tx *bolt.Tx) error { return appendBatch(tx, batch) }); err != nil {
			l.log.Warn("writing task logs", "lines", len(batch), "err", err)
		}
		l.mu.Lock()
		l.written += uint64(len(batch))
		l.done.Broadcast()
		l.mu.Unlock()
	}
}

// appendBatch stores each task's text of the batch as one new chunk.
func appendBatch(tx *bolt.Tx, batch []entry) error {
	type task struct {
		jobID string
		index int
	}
	var order []task
	texts := map[task]*strings.Builder{}
	for _, e := range batch {
		k := task{e.jobID, e.index}
		b, ok := texts[k]
		if !ok {
			b = &strings.Builder{}
			texts[k] = b
			order = append(order, k)
		}
		b.WriteString(e.text)
	}
	for _, k := range order {
		b, err := tx.CreateBucketIfNotExists([]byte(k.jobID))
		if err != nil {
			return fmt.Errorf("log bucket of job %s: %w", k.jobID, err)
		}
		seq := uint32(0)
		if last, _ := lastChunk(b.Cursor(), k.index); last != nil {
			seq = binary.BigEndian.Uint32(last[4:]) + 1
		}
		if err := b.Put(chunkKey(k.index, seq), []byte(texts[k].String())); err != nil {
			return fmt.Errorf("appending to log of task %d of job %s: %w", k.index, k.jobID, err)
		}
	}
	return nil
}

func chunkKey(index int, seq uint32) []byte {
	k := binary.BigEndian.AppendUint32(nil, uint32(index))
	return binary.BigEndian.AppendUint32(k, seq)
}

// lastChunk positions c on the task's last chunk and returns it, or nil.
func lastChunk(c *bolt.Cursor, index int) ([]byte, []byte) {
	prefix := binary.BigEndian.AppendUint32(nil, uint32(index))
	// The first key past the task's chunks; the one before it is the last.
	var k, v []byte
	if next, _ := c.Seek(chunkKey(index+1, 0)); next == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil, nil
	}
	return k, v
}

// Open returns a task's whole log; empty when it has none yet.
func (l *Logs) Open(jobID, taskID string) (io.ReadCloser, error) {
	var buf bytes.Buffer
	err := l.view(jobID, taskID, func(b *bolt.Bucket, index int) {
		prefix := binary.BigEndian.AppendUint32(nil, uint32(index))
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			buf.Write(v)
		}
	})
	if err != nil {
		return nil, err
	}
	return io.NopCloser(&buf), nil
}

// Tail returns the last n lines of a task's log, reading chunks from the end.
func (l *Logs) Tail(jobID, taskID string, n int) (string, error) {
	var chunks [][]byte
	err := l.view(jobID, taskID, func(b *bolt.Bucket, index int) {
		c := b.Cursor()
		lines := 0
		prefix := binary.BigEndian.AppendUint32(nil, uint32(index))
		for k, v := lastChunk(c, index); k != nil && bytes.HasPrefix(k, prefix) && lines <= n; k, v = c.Prev() {
			chunks = append(chunks, bytes.Clone(v))
			lines += bytes.Count(v, []byte{'\n'})
		}
	})
	if err != nil {
		return "", err
	}
	var all []byte
	for i := len(chunks) - 1; i >= 0; i-- {
		all = append(all, chunks[i]...)
	}
	text := strings.TrimSuffix(string(all), "\n")
	if text == "" {
		return "", nil
	}
	lines := strings.Split(text, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n") + "\n", nil
}

// view runs fn on the job's bucket after a Sync; not at all when the job or
// task has no log yet.
func (l *Logs) view(jobID, taskID string, fn func(b *bolt.Bucket, index int)) error {
	_, index, ok := model.ParseTaskID(taskID)
	if !ok {
		return fmt.Errorf("reading log: malformed task id %q", taskID)
	}
	l.Sync()
	return l.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(jobID)); b != nil {
			fn(b, index)
		}
		return nil
	})
}

// RemoveJob deletes every log of a job, lines still queued included.
func (l *Logs) RemoveJob(jobID string) error {
	l.Sync()
	err := l.db.Update(func(tx *bolt.Tx) error {
		err := tx.DeleteBucket([]byte(jobID))
		if errors.Is(err, berrors.ErrBucketNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("removing logs of job %s: %w", jobID, err)
	}
	return nil
}
