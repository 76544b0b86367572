package app

import (
	"os"
	"runtime"
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

// noteHeadless says, once, why no window opens.
func noteHeadless(e *env, flagged bool) {
	switch {
	case flagged:
		e.log.Info("running headless (--headless)")
	case !guiBuilt:
		e.log.Info("running headless: this farmhand was built without windows")
	case !hasDisplay():
		e.log.Info("running headless: no display found (DISPLAY and WAYLAND_DISPLAY are unset)")
	}
}
