//go:build !windows && !darwin

package availability

import (
	"strings"
	"testing"
)

// An SSH session without a display of its own is no person at this
// computer; without a display there is no idle time to read; a display that
// does not answer gives an unknown reading naming it. None is guessed.
func TestDetectWithoutADisplay(t *testing.T) {
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("DISPLAY", "")
	t.Setenv("SSH_CONNECTION", "192.0.2.1 50000 192.0.2.2 22")
	if got := Detect().Idle(); got.Known || !strings.Contains(got.Source, "SSH") {
		t.Errorf("over SSH: %+v", got)
	}
	t.Setenv("SSH_CONNECTION", "")
	if got := Detect().Idle(); got.Known || !strings.Contains(got.Source, "no X display") {
		t.Errorf("without DISPLAY: %+v", got)
	}
	t.Setenv("DISPLAY", ":4321")
	src := Detect()
	if _, ok := src.(*X11); !ok {
		t.Fatalf("with DISPLAY the source is %T", src)
	}
	if got := src.Idle(); got.Known || !strings.Contains(got.Source, ":4321") {
		t.Errorf("a display nobody serves: %+v", got)
	}
}
