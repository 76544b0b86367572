package farmtest

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// recorder is a testing.TB that records how a helper ended the test instead
// of ending the real one.
type recorder struct {
	testing.TB
	ended string // "fatal: …", "skip: …" or "" when the helper returned
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.ended = "fatal: " + fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Skipf(format string, args ...any) {
	r.ended = "skip: " + fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// ending runs f on a recorder in a goroutine of its own, as the testing
// package runs a test, and says how it ended.
func ending(t *testing.T, f func(testing.TB)) string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); f(r) }()
	<-done
	return r.ended
}

func TestNeedFailsUnderCIAndSkipsElsewhere(t *testing.T) {
	need := func(tb testing.TB) { Need(tb, false, "blender (apt-get install blender)") }
	t.Setenv("CI", "true")
	if got := ending(t, need); got != "fatal: blender (apt-get install blender) is missing, and CI=true: CI must provide it" {
		t.Errorf("under CI: %q", got)
	}
	t.Setenv("CI", "")
	if got := ending(t, need); got != "skip: skipping: blender (apt-get install blender) is missing (under CI=true this fails)" {
		t.Errorf("outside CI: %q", got)
	}
	if got := ending(t, func(tb testing.TB) { Need(tb, true, "x") }); got != "" {
		t.Errorf("with what it needs: %q", got)
	}
}

func TestNeedToolFindsPrograms(t *testing.T) {
	t.Setenv("CI", "true")
	if got := ending(t, func(tb testing.TB) { NeedTool(tb, "farmhand-no-such-program", "nowhere") }); got == "" {
		t.Error("a missing program passed under CI")
	}
	var path string
	if got := ending(t, func(tb testing.TB) { path = NeedTool(tb, "go", "https://go.dev/dl") }); got != "" || path == "" {
		t.Errorf("go, which runs this test: %q, path %q", got, path)
	}
}

func TestEventually(t *testing.T) {
	n := 0
	if got := ending(t, func(tb testing.TB) { Eventually(tb, "three looks", time.Minute, func() bool { n++; return n == 3 }) }); got != "" || n != 3 {
		t.Errorf("ended %q after %d looks, want to return after 3", got, n)
	}
	got := ending(t, func(tb testing.TB) { Eventually(tb, "never", 30*time.Millisecond, func() bool { return false }) })
	if got != "fatal: timed out after 30ms waiting for never" {
		t.Errorf("a condition that never holds: %q", got)
	}
}

func TestMustAndNoErr(t *testing.T) {
	if got := ending(t, func(tb testing.TB) { Must(0, errors.New("disk full"))(tb) }); got != "fatal: setup failed: disk full" {
		t.Errorf("Must with an error: %q", got)
	}
	var v int
	if got := ending(t, func(tb testing.TB) { v = Must(7, nil)(tb) }); got != "" || v != 7 {
		t.Errorf("Must without an error: %q, %d", got, v)
	}
	if got := ending(t, func(tb testing.TB) { NoErr(tb, errors.New("boom")) }); got != "fatal: setup failed: boom" {
		t.Errorf("NoErr: %q", got)
	}
}
