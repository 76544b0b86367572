//go:build !headless

package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"
	"github.com/godbus/dbus/v5"

	"farmhand/farm/api/client"
	"farmhand/farm/trust"
	"farmhand/ui"
)

// guiBuilt: the default build is the desktop one.
const guiBuilt = true

// showWindows opens the main window and the tray (after the welcome window,
// on a first run), and returns when the user quits or p.ctx ends (SIGTERM,
// Ctrl-C).
func showWindows(p windowsParams) error {
	a := fyneapp.NewWithID("io.farmhand.app")
	a.SetIcon(ui.AppIcon())
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()

	tray, why := trayUsable()
	noTray := !tray
	if noTray {
		p.env.log.Info("no system tray: " + why + "; closing the window quits Farmhand")
	}
	var shown atomic.Pointer[shownFarm] // the window the desktop door shows jobs in
	if closeDoor, err := openDoor(ctx, defaultDataDir(), func(ctx context.Context, id string) error {
		err := showJob(ctx, shown.Load(), id)
		if err == nil {
			p.env.log.Info("showing a job in the window, as another program asked", "job", id)
		}
		return err
	}); err != nil {
		p.env.log.Warn("the Blender add-on cannot open jobs in this window", "err", err)
	} else {
		defer closeDoor()
	}
	open := func(cl *client.Client, lw *localWorker) fyne.Window {
		var worker ui.WorkerControl // a nil interface, not a typed nil, when there is no worker
		if lw != nil {
			worker = lw
		}
		w := ui.New(ctx, ui.Config{App: a, Client: cl, Worker: worker, Farm: farmName(cl),
			Open: os.Getenv("FARMHAND_OPEN"), NoTray: noTray})
		w.Start()
		shown.Store(&shownFarm{ui: w, client: cl})
		return w.Window()
	}
	var first fyne.Window
	if p.firstRun != nil {
		first = welcome(ctx, a, p.firstRun, open)
		// Fyne starts the tray with the app only when it has a menu by
		// then; the farm's menu comes after the welcome (found by a
		// fresh-eyes try: no tray icon for that whole first session).
		if d, ok := a.(desktop.App); ok && !noTray {
			d.SetSystemTrayIcon(ui.AppIcon())
			d.SetSystemTrayMenu(fyne.NewMenu("Farmhand", fyne.NewMenuItem("Open Farmhand", first.Show)))
		}
	} else {
		first = open(p.client, p.worker)
	}

	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-p.ctx.Done():
			fyne.Do(a.Quit)
		case <-done:
		}
	}()
	first.ShowAndRun()
	cancel() // the app has quit: the windows must not repaint any more (see ui.New)
	return nil
}

// shownFarm is the main window and the farm it shows.
type shownFarm struct {
	ui     *ui.UI
	client *client.Client
}

// showJob brings the window of s forward with job id selected, when that job
// is on s's farm.
func showJob(ctx context.Context, s *shownFarm, id string) error {
	if s == nil {
		return errors.New("this computer has not joined a farm yet: the Farmhand window shows its welcome")
	}
	if _, err := s.client.Job(ctx, id); err != nil {
		return fmt.Errorf("job %s is not on the farm this window shows: %w", id, err)
	}
	fyne.Do(func() { s.ui.ShowJob(id) })
	return nil
}

// welcome shows the first-run window: it looks for farms, and on the person's
// choice starts one here or joins one, then opens that farm's main window in
// its place. Starting and joining take a while (joining waits for an admin),
// so they run off Fyne's goroutine.
func welcome(ctx context.Context, a fyne.App, fr *firstRun, open func(*client.Client, *localWorker) fyne.Window) fyne.Window {
	var w *ui.FirstRun
	finish := func(cl *client.Client, lw *localWorker, err error) {
		fyne.Do(func() {
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				w.Failed(err.Error())
				return
			}
			open(cl, lw).Show()
			w.Window().Close()
		})
	}
	w = ui.NewFirstRun(a,
		func() {
			go func() { finish(fr.start()) }()
		},
		func(c ui.FarmChoice) {
			waiting := func(msg string) { fyne.Do(func() { w.Waiting(msg) }) }
			go func() {
				finish(fr.join(farmChoice{name: c.Name, url: c.URL, managerID: c.ManagerID, fingerprint: trust.Fingerprint(c.Fingerprint)}, waiting))
			}()
		})
	search := func() {
		go func() {
			found, err := fr.farms(ctx)
			var choices []ui.FarmChoice
			for _, f := range found {
				choices = append(choices, ui.FarmChoice{Name: f.name, URL: f.url, ManagerID: f.managerID, Fingerprint: string(f.fingerprint)})
			}
			fyne.Do(func() {
				if err != nil {
					w.SearchFailed(err.Error())
					return
				}
				w.SetFarms(choices, false)
			})
		}()
	}
	w.OnSearch(search)
	search()
	return w.Window()
}

// farmName names the farm in the window title: its name as the manager says,
// else the manager's host, or this computer's name when the manager runs here.
func farmName(c *client.Client) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if v, err := c.Version(ctx); err == nil && v.FarmName != "" {
		return v.FarmName
	}
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

// trayUsable reports whether a tray icon can work, and why not. On Linux
// and the BSDs the tray speaks D-Bus to a tray host (a StatusNotifierWatcher:
// KDE, most desktops; stock GNOME only with an extension). Fyne's systray
// (fyne.io/systray of Fyne 2.7.1) crashes when the app quits if it could not
// reach the session bus; and with a bus but no host, the icon shows nowhere,
// so a closed window would leave Farmhand running out of sight (found by a
// fresh-eyes try). Without either, the window is the way to everything.
func trayUsable() (bool, string) {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true, ""
	}
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		// What the D-Bus library tries next: the per-user bus, then dbus-launch.
		if _, err := os.Stat(fmt.Sprintf("/run/user/%d/bus", os.Getuid())); err != nil {
			if _, err := exec.LookPath("dbus-launch"); err != nil {
				return false, "no D-Bus session bus"
			}
			return true, "" // dbus-launch starts one; its host is unknown
		}
		addr = fmt.Sprintf("unix:path=/run/user/%d/bus", os.Getuid())
	}
	if !busAnswers(addr) {
		return false, "no D-Bus session bus"
	}
	if !trayHostOn(addr) {
		return false, "no tray host on the session bus (no " + trayWatcher + ")"
	}
	return true, ""
}

// trayWatcher is the D-Bus name of the tray host that Fyne's systray
// registers its icon with (the StatusNotifierItem specification).
const trayWatcher = "org.kde.StatusNotifierWatcher"

// busAnswers says whether a D-Bus address's unix socket takes a connection;
// other transports are left to the D-Bus library (true).
func busAnswers(addr string) bool {
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

// trayHostOn says whether the session bus at addr has a tray host. A bus
// that cannot be asked counts as having one: the icon is then tried, as
// before this check.
func trayHostOn(addr string) bool {
	conn, err := dbus.Connect(addr)
	if err != nil {
		return true
	}
	defer conn.Close()
	var has bool
	// A bus that takes the connection but never answers must not hold up
	// the window: the icon is then tried, as without this check.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	call := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, trayWatcher)
	if err := call.Store(&has); err != nil {
		return true
	}
	return has
}

var _ ui.WorkerControl = (*localWorker)(nil)
