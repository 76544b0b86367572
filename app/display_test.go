package app

import (
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"farmhand/internal/farmtest"
)

// A display is one that answers: a DISPLAY or WAYLAND_DISPLAY that names
// nothing there made the windows' library panic, taking the process's
// manager and worker with it (found by a fresh-eyes try); now such a
// computer runs headless and says why.
func TestDisplayMustAnswer(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("X11 and Wayland sockets are checked on Linux and the BSDs")
	}
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	port := tcp.Addr().(*net.TCPAddr).Port
	for display, want := range map[string]bool{
		fmt.Sprintf("127.0.0.1:%d", port-6000):   true, // X over TCP: port 6000+N
		fmt.Sprintf("127.0.0.1:%d.0", port-6000): true,
		":65000": false, "unix:65000": false, "nonsense": false, ":x": false,
	} {
		if got := xAnswers(display); got != want {
			t.Errorf("DISPLAY=%s answers: %v, want %v", display, got, want)
		}
	}

	dir := t.TempDir()
	sock, err := net.Listen("unix", filepath.Join(dir, "wayland-1"))
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	if !waylandAnswers("wayland-1", dir) || !waylandAnswers(filepath.Join(dir, "wayland-1"), "") {
		t.Error("a listening Wayland socket does not answer")
	}
	if waylandAnswers("wayland-9", dir) || waylandAnswers("wayland-1", "") {
		t.Error("a missing Wayland socket answers")
	}

	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("DISPLAY", ":65000")
	if ok, why := hasDisplay(); ok || why != "DISPLAY=:65000 does not answer" {
		t.Errorf("a display with no server: %v, %q", ok, why)
	}
	t.Setenv("DISPLAY", "")
	if ok, why := hasDisplay(); ok || !strings.Contains(why, "unset") {
		t.Errorf("no display: %v, %q", ok, why)
	}
}

// A real X server's display answers on its local socket.
func TestXvfbDisplayAnswers(t *testing.T) {
	farmtest.NeedTool(t, "Xvfb", "apt-get install xvfb")
	display := farmtest.Xvfb(t, "320x200x24")
	if !xAnswers(display) {
		t.Errorf("Xvfb's %s does not answer", display)
	}
	t.Setenv("DISPLAY", display)
	if ok, why := hasDisplay(); !ok {
		t.Errorf("with Xvfb: %s", why)
	}
}
