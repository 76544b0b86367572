package ui

import (
	"time"

	"fyne.io/fyne/v2"

	"farmhand/farm/availability"
)

// WorkerControl is this computer's worker as the windows see it: a switch and
// its state. It is satisfied by the app package's local worker.
type WorkerControl interface {
	// Enabled reports whether the worker is switched on.
	Enabled() bool
	// SetEnabled switches it; switching off blocks until the worker stopped.
	SetEnabled(on bool)
	// State is "stopped", "starting", "idle", "rendering" or "unreachable".
	State() string
	// OnChange registers a function called, on any goroutine, after a change.
	OnChange(fn func())
	// Paused reports whether the worker is to take no new work after its
	// current task; SetPaused switches that.
	Paused() bool
	SetPaused(on bool)
	// WorkerID is the worker's id on the farm ("" until it first joined):
	// on the manager's own computer not the window's member's.
	WorkerID() string
}

// trayState is what the tray icon's colour says.
type trayState string

const (
	trayNoWorker  trayState = "farm"        // this computer runs no worker: the plain blue mark
	trayOff       trayState = "off"         // grey
	trayIdle      trayState = "idle"        // green
	trayRendering trayState = "rendering"   // blue
	trayError     trayState = "unreachable" // red: the worker cannot reach the manager
)

// workerStatus is the local worker's state in the words of the menus and the
// status bar, with the tray colour for it.
func workerStatus(w WorkerControl, stopping bool) (trayState, string) {
	if w == nil {
		return trayNoWorker, ""
	}
	if stopping {
		return trayOff, "Worker: stopping…"
	}
	switch w.State() {
	case "idle":
		if w.Paused() {
			return trayIdle, "Worker: pausing…"
		}
		return trayIdle, "Worker: idle, waiting for work"
	case "rendering":
		if w.Paused() {
			return trayRendering, "Worker: rendering, then pausing"
		}
		return trayRendering, "Worker: rendering"
	case "unreachable":
		return trayError, "Worker: cannot reach the manager"
	case "starting":
		return trayOff, "Worker: starting…"
	case "paused":
		return trayOff, "Worker: paused, taking no new work"
	case "asleep":
		return trayOff, "Worker: asleep"
	case "unavailable":
		return trayOff, "Worker: not rendering now (see below)"
	}
	return trayOff, "Worker: off"
}

// trayHost is the part of desktop.App the tray uses, so that tests can watch
// what it shows.
type trayHost interface {
	SetSystemTrayMenu(menu *fyne.Menu)
	SetSystemTrayIcon(icon fyne.Resource)
}

// tray is the system tray icon and its menu: open the window, switch the
// worker, quit.
type tray struct {
	host   trayHost
	menu   *fyne.Menu
	status *fyne.MenuItem // a disabled item that says what the worker does
	toggle *fyne.MenuItem // "Worker on", checked while it is
	pause  *fyne.MenuItem // "Pause after current task", checked while paused
	state  trayState

	// This computer's availability (availability.go): a line saying which
	// rule holds until when, and the override items.
	avail, renderNow, dontRender *fyne.MenuItem
	decision                     *availability.Decision
	setOverride                  func(render bool, until time.Time) // nil until the farm said who we are
}

// newTray builds the tray; worker may be nil, and then the menu has no worker
// items. open, toggle and quit are the window's own actions.
func newTray(host trayHost, worker WorkerControl, open, toggle, quit func()) *tray {
	t := &tray{host: host}
	items := []*fyne.MenuItem{fyne.NewMenuItem("Open Farmhand", open)}
	if worker != nil {
		t.status = fyne.NewMenuItem("", nil)
		t.status.Disabled = true
		t.toggle = fyne.NewMenuItem("Worker on", toggle)
		t.pause = fyne.NewMenuItem("Pause after current task", func() { worker.SetPaused(!worker.Paused()) })
		items = append(items, fyne.NewMenuItemSeparator(), t.status, t.toggle, t.pause)
		t.avail = fyne.NewMenuItem("", nil)
		t.avail.Disabled = true
		setter := func() func(bool, time.Time) { return t.setOverride }
		t.renderNow = fyne.NewMenuItem("Render now until…", nil)
		t.renderNow.ChildMenu = overrideMenu(true, setter)
		t.dontRender = fyne.NewMenuItem("Don't render until…", nil)
		t.dontRender.ChildMenu = overrideMenu(false, setter)
		items = append(items, fyne.NewMenuItemSeparator(), t.avail, t.renderNow, t.dontRender)
	}
	q := fyne.NewMenuItem("Quit Farmhand", quit)
	q.IsQuit = true // Fyne adds a Quit of its own unless the menu has one
	items = append(items, fyne.NewMenuItemSeparator(), q)
	t.menu = fyne.NewMenu("Farmhand", items...)
	return t
}

// show updates the icon and the menu to the worker's state.
func (t *tray) show(worker WorkerControl, stopping bool) {
	state, text := workerStatus(worker, stopping)
	t.state = state
	if t.toggle != nil {
		t.status.Label = text
		t.toggle.Checked = worker.Enabled() && !stopping
		t.toggle.Disabled = stopping
		t.pause.Checked = worker.Paused()
		t.pause.Disabled = !worker.Enabled() || stopping
		t.avail.Label = trayAvailabilityText(t.decision, time.Now())
		t.renderNow.Disabled = t.setOverride == nil
		t.dontRender.Disabled = t.setOverride == nil
	}
	t.host.SetSystemTrayIcon(trayIcon(state))
	t.host.SetSystemTrayMenu(t.menu) // the way to make a tray menu show changed items
}
