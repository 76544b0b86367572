// Package tasklog keeps task logs as plain text files, one per task, under
// <data>/logs/<job id>/<task id>.log. Logs are bulk, not state: they live beside
// the database rather than in it, so appending never competes with the
// scheduler for the write transaction.
package tasklog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Logs is the task-log directory.
type Logs struct {
	dir string
}

// New returns the logs kept under dir.
func New(dir string) *Logs { return &Logs{dir: dir} }

func (l *Logs) path(jobID, taskID string) string {
	return filepath.Join(l.dir, safe(jobID), safe(taskID)+".log")
}

// safe keeps ids from walking out of the log directory.
func safe(id string) string {
	return strings.NewReplacer("/", "_", "\\", "_", "..", "_").Replace(id)
}

// Append adds text to a task's log, ending it with a newline if it lacks one.
func (l *Logs) Append(jobID, taskID, text string) error {
	if text == "" {
		return nil
	}
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	p := l.path(jobID, taskID)
	f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if errors.Is(err, os.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
			f, err = os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		}
	}
	if err != nil {
		return fmt.Errorf("opening log of task %s: %w", taskID, err)
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("appending to log of task %s: %w", taskID, err)
	}
	return nil
}

// Appendf adds one timestamped line written by the manager itself.
func (l *Logs) Appendf(jobID, taskID string, now time.Time, format string, args ...any) error {
	return l.Append(jobID, taskID, now.UTC().Format(time.RFC3339)+" manager: "+fmt.Sprintf(format, args...))
}

// Open returns a task's whole log; an empty reader when it has none yet.
func (l *Logs) Open(jobID, taskID string) (io.ReadCloser, error) {
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

// RemoveJob deletes every log of a job.
func (l *Logs) RemoveJob(jobID string) error {
	if err := os.RemoveAll(filepath.Join(l.dir, safe(jobID))); err != nil {
		return fmt.Errorf("removing logs of job %s: %w", jobID, err)
	}
	return nil
}
