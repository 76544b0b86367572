package app

import (
	"context"
	"strings"
	"testing"
)

// Issue 13: 'farmhand config set upload-timeout 48h' changes how long an
// upload job waits for its files; 'farmhand config' shows it (24h0m0s by
// default), and a wait under a minute is refused naming the setting as the command line does.
func TestConfigSetUploadTimeout(t *testing.T) {
	f := newAPIFarm(t)
	e, out := backupEnv()
	if err := runConfig(e, f.flags(t)); err != nil || !strings.Contains(out.String(), "24h0m0s") {
		t.Fatalf("config: %v\n%s", err, out)
	}
	e, out = backupEnv()
	if err := runConfig(e, append([]string{"set", "upload-timeout", "48h"}, f.flags(t)...)); err != nil ||
		!strings.Contains(out.String(), "upload-timeout: 24h0m0s → 48h0m0s") {
		t.Fatalf("config set upload-timeout 48h: %v\n%s", err, out)
	}
	if s := f.m.Settings(); s.UploadWait().Hours() != 48 {
		t.Errorf("the manager waits %s", s.UploadWait())
	}
	e, _ = backupEnv()
	err := runConfig(e, append([]string{"set", "upload-timeout", "30s"}, f.flags(t)...))
	if err == nil || !strings.Contains(err.Error(), "upload-timeout: must be 0 (the default, 24h0m0s) or between 1m0s") {
		t.Errorf("config set upload-timeout 30s: %v", err)
	}
	if c, err := f.cl.Config(context.Background()); err != nil || c.UploadTimeout != "48h0m0s" {
		t.Errorf("the API says %q, %v", c.UploadTimeout, err)
	}
	e, out = backupEnv()
	if err := runConfig(e, append([]string{"set", "upload-timeout", "0"}, f.flags(t)...)); err != nil ||
		!strings.Contains(out.String(), "upload-timeout: 48h0m0s → 24h0m0s") {
		t.Errorf("config set upload-timeout 0 (the default): %v\n%s", err, out)
	}
}
