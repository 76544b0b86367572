package model

import (
	"strings"
	"testing"
)

// Upload limits above 1 PiB are refused: what the farm shows of a limit is
// what files.ParseSize reads back (cli-polish item 5: 2^63-1 bytes were
// shown as "8388608 TiB", which could not be typed back).
func TestFileLimitsAtMostOnePiB(t *testing.T) {
	s := DefaultSettings()
	s.MaxFileSize = 1 << 50
	s.MaxJobSize = 1 << 50
	if err := s.Validate(); err != nil {
		t.Errorf("1 PiB: %v", err)
	}
	s.MaxJobSize = 1<<63 - 1
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "max_job_size: must be 0 (the default") ||
		!strings.Contains(err.Error(), "to 1125899906842624 (1 PiB)") {
		t.Errorf("2^63-1 bytes per job: %v", err)
	}
	s.MaxJobSize, s.MaxFileSize = 0, 1<<50+1
	if err := s.Validate(); err == nil || !strings.HasPrefix(err.Error(), "max_file_size:") {
		t.Errorf("1 PiB and a byte per file: %v", err)
	}
}
