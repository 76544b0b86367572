// Package farmtest holds the helpers Farmhand's tests share: the one rule for
// a missing tool (fail under CI=true, skip elsewhere), waiting for a condition
// with a deadline instead of sleeping, checking setup errors, a goroutine-safe
// output buffer, processes stopped at the end of a test, and store fixtures.
//
// It is imported by _test.go files and by test-only packages (such as
// discovery/netnstest), never by the program.
package farmtest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// CI reports whether the tests run in continuous integration (CI=true, as
// .ci/run sets it): there every tool the tests need is installed.
func CI() bool { return os.Getenv("CI") == "true" }

// Need is the one rule for what a test cannot run without (a program, a
// kernel feature, a permission): when ok is false the test fails under
// CI=true, where a missing part is a broken machine rather than a reason to
// test less, and is skipped elsewhere. what says what is missing and how to
// get it, e.g. "blender (apt-get install blender)".
func Need(t testing.TB, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if CI() {
		t.Fatalf("%s is missing, and CI=true: CI must provide it", what)
	}
	t.Skipf("skipping: %s is missing (under CI=true this fails)", what)
}

// NeedTool returns the path of program name on PATH, applying Need when it is
// not there. install says how to get it, e.g. "apt-get install xvfb".
func NeedTool(t testing.TB, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	Need(t, err == nil, fmt.Sprintf("%s (%s)", name, install))
	return path
}

// Eventually looks again after firstPoll, then half as long again each time
// up to maxPoll: a condition that holds soon is seen soon, and one that takes
// minutes (a render) is not asked about, by running a command, fifty times a
// second on a shared CPU.
const (
	firstPoll = 10 * time.Millisecond
	maxPoll   = 250 * time.Millisecond
)

// Eventually waits until cond returns true, looking at once and then every
// 10 ms to 250 ms, and fails the test at once (t.Fatalf) when within passes
// first, saying what it waited for. It replaces sleeps that stand in for a
// condition: a slow machine only makes it wait longer, never makes it pass
// without the condition.
func Eventually(t testing.TB, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	poll := firstPoll
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(poll)
		poll = min(poll*3/2, maxPoll)
	}
}

// NoErr fails the test at once when err is not nil. It is for setup calls whose
// failure would otherwise surface later as a misleading assertion.
func NoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("setup failed: %v", err)
	}
}

// Must returns v once the returned function is given the test, failing it
// at once when err is not nil:
//
//	a := farmtest.Must(m.Schedule(w.ID))(t)
func Must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("setup failed: %v", err)
		}
		return v
	}
}
