package model

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestUploadTimeoutDefaultBoundsAndPatch: upload_timeout 0 means 24h, other
// values lie between a minute and a year, and a patch changes it alone.
func TestUploadTimeoutDefaultBoundsAndPatch(t *testing.T) {
	s := DefaultSettings()
	if s.UploadWait() != 24*time.Hour {
		t.Fatalf("default wait %s, want 24h", s.UploadWait())
	}
	for _, bad := range []time.Duration{time.Second, 59 * time.Second, 366 * 24 * time.Hour, -time.Hour} {
		s.UploadTimeout = Duration(bad)
		if err := s.Validate(); err == nil || !strings.HasPrefix(err.Error(), "upload_timeout: must be 0 (the default, 24h0m0s) or between 1m0s and") {
			t.Errorf("%s: got %v", bad, err)
		}
	}
	d := Duration(48 * time.Hour)
	p := SettingsPatch{UploadTimeout: &d}
	p.Apply(&s)
	if err := s.Validate(); err != nil || s.UploadWait() != 48*time.Hour {
		t.Fatalf("48h: %v, wait %s", err, s.UploadWait())
	}
	if f := p.Fields(); len(f) != 1 || f[0] != "upload_timeout" {
		t.Errorf("fields %v", f)
	}
	if left := p.Without(SettingsPatch{UploadTimeout: &d}); len(left.Fields()) != 0 {
		t.Errorf("an admin's change keeps the override: %v", left.Fields())
	}
	b, _ := json.Marshal(s)
	var back Settings
	if err := json.Unmarshal(b, &back); err != nil || back.UploadTimeout != d {
		t.Errorf("round trip %s: %v, %s", b, err, back.UploadTimeout)
	}
}
