package app

import (
	"context"
	"os"
	"runtime"

	"farmhand/farm/api/client"
)

// hasDisplay reports whether windows could be shown: on Linux and the BSDs that
// needs an X11 or Wayland display; Windows and macOS always have one.
func hasDisplay() bool {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}

// wantWindows decides between windows and headless, and says why when headless.
func wantWindows(e *env, headless bool) bool {
	switch {
	case headless:
		e.log.Info("running headless (--headless)")
	case !guiBuilt:
		e.log.Info("running headless: this farmhand was built without windows (-tags headless)")
	case !hasDisplay():
		e.log.Info("running headless: no display found (DISPLAY and WAYLAND_DISPLAY are unset)")
	default:
		return true
	}
	return false
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
