//go:build !headless

package app

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"farmhand/internal/farmtest"
)

// A tray icon needs a tray host on the session bus, not only the bus: with
// none (stock GNOME), closing the window hid Farmhand with no way back
// (found by a fresh-eyes try). On a private session bus, trayUsable says no
// until something owns the StatusNotifierWatcher name, then yes.
func TestTrayNeedsATrayHost(t *testing.T) {
	farmtest.NeedTool(t, "dbus-daemon", "apt-get install dbus-daemon")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// The address comes on the pipe, the daemon's fd 3.
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=3")
	cmd.ExtraFiles = []*os.File{w}
	farmtest.Start(t, "dbus-daemon", cmd)
	w.Close()
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(l)
	}()
	var addr string
	select {
	case addr = <-line:
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon printed no address")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	if ok, why := trayUsable(); ok || !strings.Contains(why, "no tray host") {
		t.Errorf("a bus without a tray host: %v, %q", ok, why)
	}

	host, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	if reply, err := host.RequestName(trayWatcher, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning %s: %v, %v", trayWatcher, reply, err)
	}
	if ok, why := trayUsable(); !ok {
		t.Errorf("a bus with a tray host: %q", why)
	}

	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+t.TempDir()+"/no-bus")
	if ok, why := trayUsable(); ok || why != "no D-Bus session bus" {
		t.Errorf("no bus: %v, %q", ok, why)
	}
}
