//go:build !headless

package app

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"farmhand/farm/api/client"
	"farmhand/ui"
)

// guiBuilt: the default build is the desktop one.
const guiBuilt = true

// showWindows opens the main window and the tray, and returns when the user
// quits or p.ctx ends (SIGTERM, Ctrl-C).
func showWindows(p windowsParams) error {
	a := fyneapp.NewWithID("io.farmhand.app")
	a.SetIcon(ui.AppIcon())
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()

	var worker ui.WorkerControl // a nil interface, not a typed nil, when there is no worker
	if p.worker != nil {
		worker = p.worker
	}
	noTray := !trayUsable()
	if noTray {
		p.env.log.Info("no system tray: no D-Bus session bus; closing the window quits Farmhand")
	}
	w := ui.New(ctx, ui.Config{App: a, Client: p.client, Worker: worker, Farm: farmName(p.client),
		Open: os.Getenv("FARMHAND_OPEN"), NoTray: noTray})
	w.Start()

	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-p.ctx.Done():
			fyne.Do(a.Quit)
		case <-done:
		}
	}()
	w.Window().ShowAndRun()
	cancel() // the app has quit: the windows must not repaint any more (see ui.New)
	return nil
}

// farmName names the farm in the window title: the manager's host, or this
// computer's name when the manager runs here.
func farmName(c *client.Client) string {
	u, err := url.Parse(c.BaseURL())
	if err != nil || u.Hostname() == "" {
		return c.BaseURL()
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || host == "localhost" {
		if name, err := os.Hostname(); err == nil {
			return name
		}
	}
	return host
}

// trayUsable reports whether a tray icon can work. On Linux and the BSDs the
// tray speaks D-Bus, and Fyne's systray (fyne.io/systray of Fyne 2.7.1)
// crashes when the app quits if it could not reach the session bus: without
// a bus there is no tray, and the window is the way to everything.
func trayUsable() bool {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		// What the D-Bus library tries next: the per-user bus, then dbus-launch.
		if _, err := os.Stat(fmt.Sprintf("/run/user/%d/bus", os.Getuid())); err == nil {
			return true
		}
		_, err := exec.LookPath("dbus-launch")
		return err == nil
	}
	for _, a := range strings.Split(addr, ";") {
		var sock string
		switch {
		case strings.HasPrefix(a, "unix:path="):
			sock = strings.Split(strings.TrimPrefix(a, "unix:path="), ",")[0]
		case strings.HasPrefix(a, "unix:abstract="):
			sock = "@" + strings.Split(strings.TrimPrefix(a, "unix:abstract="), ",")[0]
		default:
			return true // another transport: let the D-Bus library try it
		}
		if c, err := net.DialTimeout("unix", sock, time.Second); err == nil {
			c.Close()
			return true
		}
	}
	return false
}

var _ ui.WorkerControl = (*localWorker)(nil)
