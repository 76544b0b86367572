package manager

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"

	"farmhand/farm/store"
)

// taskListVersions counts, per job, the committed changes to its tasks since
// this manager opened, so that a task list can carry a version (an HTTP ETag)
// without reading a task. The zero value is ready to use. A job's count goes
// when the job is deleted: a job costs the map one entry, never one per task.
type taskListVersions struct {
	mu sync.Mutex
	// instance tells this manager's counts from those of an earlier one on
	// the same data (counts restart at zero when the manager reopens).
	instance string
	count    map[string]uint64
}

// bump records a committed change to the tasks or the job jobID; gone drops
// the job's count (the job was deleted).
func (v *taskListVersions) bump(jobID string, gone bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if gone {
		delete(v.count, jobID)
		return
	}
	if v.count == nil {
		v.count = map[string]uint64{}
	}
	v.count[jobID]++
}

func (v *taskListVersions) of(jobID string) string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.instance == "" {
		v.instance = newID()[:8]
	}
	return v.instance + "-" + strconv.FormatUint(v.count[jobID], 10)
}

// TaskListVersion returns the version of job jobID's task list: a string
// that changes whenever a change to one of its tasks (or the job) commits,
// and when the manager restarts. It is read without touching the store, so
// take it before reading the list: the list is then at least as new as the
// version, never older. For ETags of the task list (farm/api).
func (m *Manager) TaskListVersion(jobID string) string { return m.lists.of(jobID) }

// TasksCompactJSON returns a job's task list in the compact form the API
// sends for fields=compact: {"tasks":[...]} with, per task, only what a task
// table shows: index, name, status, worker_id, activity, steps_total,
// steps_completed and updated (worker_id and activity when set). The id is
// the job's id, ".", and the index (model.TaskID); allowed_actions follow
// from the status (model.AllowedTaskActions). A 100,000-task job's list is
// some 12 MB rather than 33 MB. Like TasksJSON it copies the stored bytes of
// the fields it keeps, decoding nothing. Errors: store.ErrNotFound for an
// unknown job, and a wrapped error for a malformed stored record.
func (m *Manager) TasksCompactJSON(jobID string) ([]byte, error) {
	var buf bytes.Buffer
	err := m.store.View(func(tx *store.Tx) error {
		j, err := tx.Job(jobID)
		if err != nil {
			return err
		}
		buf.Grow(j.TaskCount * compactTaskSize)
		buf.WriteString(`{"tasks":[`)
		first := true
		var bad error
		tx.RawTasks(jobID, func(raw []byte) bool {
			if !first {
				buf.WriteByte(',')
			}
			first = false
			if bad = appendCompactTask(&buf, raw); bad != nil {
				bad = fmt.Errorf("listing tasks of job %s: %w", jobID, bad)
				return false
			}
			return true
		})
		buf.WriteString("]}\n")
		return bad
	})
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// compactTaskSize is about what a task takes in the compact list, in bytes:
// growing the buffer once saves copying a long list several times.
const compactTaskSize = 128

// compactKey says whether a stored task field goes into the compact list.
func compactKey(key []byte) bool {
	switch string(key) {
	case "index", "name", "status", "worker_id", "activity", "steps_total", "steps_completed", "updated":
		return true
	}
	return false
}

// appendCompactTask writes the compact fields of a stored task record, a
// flat JSON object as encoding/json wrote it (no spaces; keys without
// escapes), copying each kept "key":value pair as stored.
func appendCompactTask(buf *bytes.Buffer, raw []byte) error {
	if len(raw) < 2 || raw[0] != '{' || raw[len(raw)-1] != '}' {
		return fmt.Errorf("stored task record is malformed: %.80s", raw)
	}
	buf.WriteByte('{')
	first := true
	for i := 1; i < len(raw)-1; {
		if raw[i] != '"' {
			return fmt.Errorf("stored task record is malformed at byte %d: %.80s", i, raw)
		}
		keyEnd := bytes.IndexByte(raw[i+1:], '"')
		if keyEnd < 0 || i+keyEnd+2 >= len(raw) || raw[i+keyEnd+2] != ':' {
			return fmt.Errorf("stored task record is malformed at byte %d: %.80s", i, raw)
		}
		key := raw[i+1 : i+1+keyEnd]
		end, err := skipValue(raw, i+keyEnd+3)
		if err != nil {
			return fmt.Errorf("stored task record: field %s: %w: %.80s", key, err, raw)
		}
		if compactKey(key) {
			if !first {
				buf.WriteByte(',')
			}
			first = false
			buf.Write(raw[i:end])
		}
		i = end
		if i < len(raw)-1 && raw[i] == ',' {
			i++
		}
	}
	buf.WriteByte('}')
	return nil
}

// skipValue returns the end of the JSON value that starts at raw[i]. It
// checks only what it needs to find the end: strings end, brackets pair up.
func skipValue(raw []byte, i int) (int, error) {
	var open []byte // the closing brackets awaited, innermost last
	for ; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '"':
			for i++; i < len(raw) && raw[i] != '"'; i++ {
				if raw[i] == '\\' {
					i++
				}
			}
			if i >= len(raw) {
				return 0, fmt.Errorf("unterminated string")
			}
			if len(open) == 0 {
				return i + 1, nil
			}
		case '[':
			open = append(open, ']')
		case '{':
			open = append(open, '}')
		case ']', '}':
			if len(open) == 0 {
				return i, nil // the end of the record: a number or literal ended here
			}
			if open[len(open)-1] != c {
				return 0, fmt.Errorf("%c where %c was due", c, open[len(open)-1])
			}
			open = open[:len(open)-1]
			if len(open) == 0 {
				return i + 1, nil
			}
		case ',':
			if len(open) == 0 {
				return i, nil
			}
		}
	}
	return 0, fmt.Errorf("unterminated value")
}
