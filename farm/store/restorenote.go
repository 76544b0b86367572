package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A restore runs with the manager stopped, so it cannot write the farm's
// audit log itself (the restored database may even be of an older schema,
// migrated only at the next start). It leaves a note beside the database
// instead; the manager's next start records it in the audit log, from the
// restored database on, and removes the note.

// restoreNoteName is the note's file in the data directory: one line of text.
const restoreNoteName = "restored.txt"

// writeRestoreNote notes that src was restored at now (and what was kept).
func writeRestoreNote(dataDir, src string, r Restored, now time.Time) error {
	note := fmt.Sprintf("restored %s (schema %d) on %s", src, r.Schema, now.UTC().Format(time.RFC3339))
	if r.Replaced != "" {
		note += "; the database it replaced is kept as " + r.Replaced
	}
	if err := os.WriteFile(filepath.Join(dataDir, restoreNoteName), []byte(note+"\n"), 0o600); err != nil {
		return fmt.Errorf("noting the restore for the audit log: %w", err)
	}
	return nil
}

// RestoreNote returns the note the last restore into dataDir left for the
// audit log ("" when there is none), and a func that removes it once the
// manager has recorded it.
func RestoreNote(dataDir string) (string, func() error, error) {
	path := filepath.Join(dataDir, restoreNoteName)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", func() error { return nil }, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("reading the note of a restore: %w", err)
	}
	return strings.TrimSpace(string(b)), func() error { return os.Remove(path) }, nil
}
