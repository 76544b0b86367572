package farmtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Two screens started at once get displays of their own, which answer, and
// the pointer moves on them.
func TestXvfbPicksFreeDisplays(t *testing.T) {
	NeedTool(t, "Xvfb", "apt-get install xvfb")
	NeedTool(t, "xdotool", "apt-get install xdotool")
	a, b := Xvfb(t, "320x200x24"), Xvfb(t, "320x200x24")
	if a == b || !strings.HasPrefix(a, ":") || !strings.HasPrefix(b, ":") {
		t.Fatalf("displays %q and %q", a, b)
	}
	stop := MoveMouse(t, a)
	stop()
	cmd := exec.Command("xdotool", "getmouselocation")
	cmd.Env = append(os.Environ(), "DISPLAY="+b)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "x:") {
		t.Errorf("display %s does not answer: %v: %s", b, err, out)
	}
}
