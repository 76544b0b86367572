package app

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// startWith runs the manager role in this process on dir with extra flags
// and returns it; the caller stops it.
func startWith(t *testing.T, dir string, flags ...string) *runningManager {
	t.Helper()
	e, _, _ := testEnv(t)
	mf, fs := addManagerFlags(e, "manager", "")
	args := append([]string{"--data", dir, "--listen", "127.0.0.1:0", "--no-discovery"}, flags...)
	if _, err := parse(fs.FlagSet, args); err != nil {
		t.Fatal(err)
	}
	rm, err := startManager(context.Background(), e, mf)
	if err != nil {
		t.Fatal(err)
	}
	return rm
}

// The flags' values are a new farm's settings; later, a flag given
// overrides its setting for that run only, and the flags not given take the
// stored values.
func TestManagerFlagsGiveFirstSettingsThenOverrideOneRun(t *testing.T) {
	dir := t.TempDir()
	rm := startWith(t, dir, "--task-timeout", "20m", "--farm-name", "Studio")
	if s := rm.m.Settings(); s.TaskTimeout.D() != 20*time.Minute || s.FarmName != "Studio" {
		t.Fatalf("first start: %s %q", s.TaskTimeout, s.FarmName)
	}
	if err := rm.stop(); err != nil {
		t.Fatal(err)
	}

	rm = startWith(t, dir, "--task-timeout", "3m")
	s := rm.m.Settings()
	if s.TaskTimeout.D() != 3*time.Minute || s.FarmName != "Studio" {
		t.Errorf("with --task-timeout 3m: %s %q", s.TaskTimeout, s.FarmName)
	}
	if o := rm.m.Overridden(); len(o) != 1 || o[0] != "task_timeout" {
		t.Errorf("overridden %v", o)
	}
	if err := rm.stop(); err != nil {
		t.Fatal(err)
	}

	rm = startWith(t, dir)
	defer func() {
		if err := rm.stop(); err != nil {
			t.Error(err)
		}
	}()
	if s := rm.m.Settings(); s.TaskTimeout.D() != 20*time.Minute || s.FarmName != "Studio" {
		t.Errorf("without flags: %s %q, want the stored 20m and Studio", s.TaskTimeout, s.FarmName)
	}
}

// A flag out of bounds is refused before anything starts, naming the flag,
// as a usage error that Main prints; startManager prints nothing itself
// (fresh-eyes try: the message came twice, "farmhand:" and "farmhand manager:").
func TestBadSettingFlagIsAUsageError(t *testing.T) {
	var stderr bytes.Buffer
	e, _, _ := testEnv(t)
	e.stderr = &stderr
	mf, fs := addManagerFlags(e, "manager", "")
	if _, err := parse(fs.FlagSet, []string{"--data", t.TempDir(), "--fail-threshold", "1.5"}); err != nil {
		t.Fatal(err)
	}
	_, err := startManager(context.Background(), e, mf)
	if err == nil {
		t.Fatal("a manager started with --fail-threshold 1.5")
	}
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "--fail-threshold: must be above 0 and at most 1") {
		t.Errorf("error %v", err)
	}
	if stderr.Len() > 0 {
		t.Errorf("startManager printed %q besides returning the error Main prints", stderr.String())
	}
}
