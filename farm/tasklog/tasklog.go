// Package tasklog keeps task logs as plain text files, one per task, under
// <data>/logs/<job id>/<task id>.log. Logs are bulk, not state: they live beside
// the database rather than in it.
//
// Appends are queued and written by one goroutine, which keeps recently used
// files open. Creating and opening files costs far more than writing a line
// (up to a millisecond each on some disks), and a worker's report should not
// wait for it; readers call Sync first, so they see every line appended before.
package tasklog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// openFiles is how many log files stay open between writes: enough for every
// task running on a 30-machine farm, with room to spare.
const openFiles = 64

// Logs is the task-log directory.
type Logs struct {
	dir string
	log *slog.Logger

	mu      sync.Mutex
	queue   []entry
	queued  uint64 // entries ever queued
	written uint64 // entries ever written (or given up on after an error)
	done    *sync.Cond
	wake    chan struct{}
	closed  bool

	wmu   sync.Mutex // held while writing, so that RemoveJob never races a write
	files map[string]*openFile
	tick  uint64
	exit  chan struct{}
}

type entry struct {
	jobID, taskID, text string
}

type openFile struct {
	f    *os.File
	used uint64
}

// New returns the logs kept under dir and starts their writer.
func New(dir string, log *slog.Logger) *Logs {
	if log == nil {
		log = slog.Default()
	}
	l := &Logs{dir: dir, log: log, wake: make(chan struct{}, 1), files: map[string]*openFile{}, exit: make(chan struct{})}
	l.done = sync.NewCond(&l.mu)
	go l.writer()
	return l
}

func (l *Logs) path(jobID, taskID string) string {
	return filepath.Join(l.dir, safe(jobID), safe(taskID)+".log")
}

// safe keeps ids from walking out of the log directory.
func safe(id string) string {
	return strings.NewReplacer("/", "_", "\\", "_", "..", "_").Replace(id)
}

// Append queues text for a task's log, ending it with a newline if it lacks one.
func (l *Logs) Append(jobID, taskID, text string) {
	if text == "" {
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
	l.queue = append(l.queue, entry{jobID, taskID, text})
	l.queued++
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
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

// Close writes what is queued and closes the files.
func (l *Logs) Close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	l.mu.Unlock()
	close(l.wake)
	<-l.exit
}

func (l *Logs) writer() {
	defer close(l.exit)
	for range l.wake {
		l.writeQueued()
	}
	l.writeQueued()
	l.wmu.Lock()
	for p, of := range l.files {
		of.f.Close()
		delete(l.files, p)
	}
	l.wmu.Unlock()
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
		l.wmu.Lock()
		// The lines of one file go out in one write, in the order they came.
		var order []string
		texts := map[string]*strings.Builder{}
		for _, e := range batch {
			p := l.path(e.jobID, e.taskID)
			b, ok := texts[p]
			if !ok {
				b = &strings.Builder{}
				texts[p] = b
				order = append(order, p)
			}
			b.WriteString(e.text)
		}
		for _, p := range order {
			if err := l.write(p, texts[p].String()); err != nil {
				l.log.Warn("writing task log", "file", p, "err", err)
			}
		}
		l.wmu.Unlock()
		l.mu.Lock()
		l.written += uint64(len(batch))
		l.done.Broadcast()
		l.mu.Unlock()
	}
}

func (l *Logs) write(path, text string) error {
	of, ok := l.files[path]
	if !ok {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if errors.Is(err, os.ErrNotExist) {
			if err = os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
				f, err = os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			}
		}
		if err != nil {
			return err
		}
		l.evictOne()
		of = &openFile{f: f}
		l.files[path] = of
	}
	l.tick++
	of.used = l.tick
	_, err := of.f.WriteString(text)
	return err
}

// evictOne closes the least recently used file when the cache is full.
func (l *Logs) evictOne() {
	if len(l.files) < openFiles {
		return
	}
	var oldest string
	var at uint64
	for p, of := range l.files {
		if oldest == "" || of.used < at {
			oldest, at = p, of.used
		}
	}
	l.files[oldest].f.Close()
	delete(l.files, oldest)
}

// Open returns a task's whole log; an empty reader when it has none yet.
func (l *Logs) Open(jobID, taskID string) (io.ReadCloser, error) {
	l.Sync()
	f, err := os.Open(l.path(jobID, taskID))
	if errors.Is(err, os.ErrNotExist) {
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening log of task %s: %w", taskID, err)
	}
	return f, nil
}

// Tail returns the last n lines of a task's log, reading only the end of the file.
func (l *Logs) Tail(jobID, taskID string, n int) (string, error) {
	l.Sync()
	f, err := os.Open(l.path(jobID, taskID))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("opening log of task %s: %w", taskID, err)
	}
	defer f.Close()
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return "", fmt.Errorf("sizing log of task %s: %w", taskID, err)
	}
	// Read backwards in growing blocks until n line breaks are in view.
	var buf []byte
	for block := int64(4096); ; block *= 4 {
		start := max(size-block, 0)
		buf = make([]byte, size-start)
		if _, err := f.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("reading log of task %s: %w", taskID, err)
		}
		if start == 0 || bytes.Count(buf, []byte{'\n'}) > n {
			break
		}
	}
	text := strings.TrimSuffix(string(buf), "\n")
	lines := strings.Split(text, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if text == "" {
		return "", nil
	}
	return strings.Join(lines, "\n") + "\n", nil
}

// RemoveJob deletes every log of a job, lines still queued included.
func (l *Logs) RemoveJob(jobID string) error {
	l.Sync()
	l.wmu.Lock()
	defer l.wmu.Unlock()
	prefix := filepath.Join(l.dir, safe(jobID)) + string(filepath.Separator)
	for p, of := range l.files {
		if strings.HasPrefix(p, prefix) {
			of.f.Close()
			delete(l.files, p)
		}
	}
	if err := os.RemoveAll(filepath.Join(l.dir, safe(jobID))); err != nil {
		return fmt.Errorf("removing logs of job %s: %w", jobID, err)
	}
	return nil
}
