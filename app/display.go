package app

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"farmhand/farm/api/client"
)

// hasDisplay reports whether windows could be shown: on Linux and the BSDs that
// needs an X11 or Wayland display that answers; Windows and macOS always have
// one. Why it has none is for the log, e.g. "DISPLAY=:55 does not answer".
func hasDisplay() (ok bool, why string) {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true, ""
	}
	x, wl := os.Getenv("DISPLAY"), os.Getenv("WAYLAND_DISPLAY")
	if x == "" && wl == "" {
		return false, "no display found (DISPLAY and WAYLAND_DISPLAY are unset)"
	}
	// A display named but not there made the windows' library panic and
	// take the manager and worker of this process with it (found by a
	// fresh-eyes try).
	var whys []string
	if wl != "" {
		if waylandAnswers(wl, os.Getenv("XDG_RUNTIME_DIR")) {
			return true, ""
		}
		whys = append(whys, "WAYLAND_DISPLAY="+wl+" does not answer")
	}
	if x != "" {
		if xAnswers(x) {
			return true, ""
		}
		whys = append(whys, "DISPLAY="+x+" does not answer")
	}
	return false, strings.Join(whys, "; ")
}

// displayAnswers is hasDisplay's verdict alone.
func displayAnswers() bool {
	ok, _ := hasDisplay()
	return ok
}

// displayDialTimeout bounds the check of a remote X display.
const displayDialTimeout = 2 * time.Second

// xAnswers says whether the X display named as DISPLAY has it (":N",
// "unix:N", "host:N", each maybe with ".S") takes a connection: the socket
// /tmp/.X11-unix/XN on this computer (or its abstract twin), else TCP port
// 6000+N on host.
func xAnswers(display string) bool {
	host, rest, ok := strings.Cut(display, ":")
	if !ok {
		return false
	}
	number, _, _ := strings.Cut(strings.TrimPrefix(rest, ":"), ".") // "::N" is DECnet; read it as N
	n, err := strconv.Atoi(number)
	if err != nil || n < 0 {
		return false
	}
	var conn net.Conn
	if host == "" || host == "unix" {
		sock := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
		if conn, err = net.DialTimeout("unix", sock, displayDialTimeout); err != nil {
			// Some servers (in sandboxes, say) listen on the abstract socket only.
			conn, err = net.DialTimeout("unix", "@"+sock, displayDialTimeout)
		}
	} else {
		conn, err = net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(6000+n)), displayDialTimeout)
	}
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// waylandAnswers says whether the Wayland socket named as WAYLAND_DISPLAY
// has it (a path, or a name in runtimeDir) takes a connection.
func waylandAnswers(name, runtimeDir string) bool {
	path := name
	if !filepath.IsAbs(path) {
		if runtimeDir == "" {
			return false
		}
		path = filepath.Join(runtimeDir, name)
	}
	conn, err := net.DialTimeout("unix", path, displayDialTimeout)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// wantWindows decides between windows and headless, and says why when headless.
func wantWindows(e *env, headless bool) bool {
	if headless {
		e.log.Info("running headless (--headless)")
		return false
	}
	if !guiBuilt {
		e.log.Info("running headless: this farmhand was built without windows (-tags headless)")
		return false
	}
	if ok, why := hasDisplay(); !ok {
		e.log.Info("running headless: " + why)
		return false
	}
	return true
}

// windowsParams is what the windows get: the farm's API and, when this
// computer runs a worker, the switch for it.
type windowsParams struct {
	ctx    context.Context
	env    *env
	client *client.Client
	worker *localWorker // nil when this process runs no worker
	// firstRun, when set, makes the windows start with the welcome window;
	// client and worker then come from the person's choice.
	firstRun *firstRun
}
