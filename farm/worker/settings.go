package worker

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Settings are what a worker keeps of its command line between runs, in
// settings.json in its data dir, so that a worker restarted by a service
// manager or the tray offers what it offered before.
type Settings struct {
	// TaskTypes are the task types offered besides the tools' ones (see
	// Config.ExtraTaskTypes).
	TaskTypes []string `json:"task_types,omitempty"`
	// CyclesDevice is the Cycles device type the worker renders with (see
	// UseCyclesDevice); empty leaves each file's own setting.
	CyclesDevice string `json:"cycles_device,omitempty"`
}

const settingsFile = "settings.json"

// LoadSettings reads the settings kept in dataDir; none kept is no error and
// gives the zero Settings. A damaged file is an error naming it.
func LoadSettings(dataDir string) (Settings, error) {
	var s Settings
	path := filepath.Join(dataDir, settingsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("reading worker settings: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("worker settings %s are damaged: %w", path, err)
	}
	return s, nil
}

// SaveSettings keeps s in dataDir, replacing what was kept; it writes a new
// file and renames it, so a crash leaves the old settings or the new ones.
func SaveSettings(dataDir string, s Settings) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding worker settings: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("saving worker settings: %w", err)
	}
	tmp := filepath.Join(dataDir, settingsFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("saving worker settings: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dataDir, settingsFile)); err != nil {
		return fmt.Errorf("saving worker settings: %w", err)
	}
	return nil
}
