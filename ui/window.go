package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"

	"farmhand/farm/api/client"
	"farmhand/farm/model"
)

// Config is what the windows need.
type Config struct {
	App    fyne.App
	Client *client.Client // the farm's API, also when the manager runs in this process
	Worker WorkerControl  // this computer's worker; nil when this process runs none
	Farm   string         // the farm's name, for the title
	// Open picks the view shown first: "jobs" (the default), "workers",
	// "rendered", "settings", or "job" (the first active job, with its tasks
	// and a log).
	Open string
	// NoTray says the desktop cannot show a tray icon; closing the window
	// then quits.
	NoTray bool
}

// UI is Farmhand's main window and tray.
type UI struct {
	ctx context.Context
	app fyne.App
	// do runs UI code from other goroutines: fyne.Do, or in tests a runner
	// that serialises with the test's own reads.
	do     func(func())
	client *client.Client
	worker WorkerControl
	open   string
	farm   string

	// me is the member this window's token belongs to, once known: its role
	// decides what is offered, its id which jobs are "mine".
	me       *model.Member
	notified map[string]bool // "job id/status" already announced

	win      fyne.Window
	tabs     *container.AppTabs
	jobs     *jobsView
	panel    *jobPanel
	workers  *workersView
	rendered *renderedView
	settings *settingsView
	status   *statusBar
	tray     *tray // nil without a system tray
	menu     *fyne.MainMenu

	stopping bool // the worker is being switched off
	retrying bool // a reload after a failure is scheduled
	started  bool // the first load arrived
	toldTray bool // the user was told that closing hides to the tray

	pendingJob string // the job ShowJob asked for, until the jobs list has it
}

// New builds the main window and, on desktops, the tray. Nothing is loaded
// until Start. ctx must end when the app has quit (the caller cancels it
// after Run returns): it stops the live updates and any later repaint.
func New(ctx context.Context, cfg Config) *UI {
	u := &UI{ctx: ctx, app: cfg.App, client: cfg.Client, worker: cfg.Worker, open: cfg.Open, farm: cfg.Farm,
		notified: map[string]bool{}}
	u.do = func(f func()) {
		// Once ctx ends the app has quit, and Fyne would run f at once on the
		// calling goroutine, against a tray connection already closed.
		if ctx.Err() == nil {
			fyne.Do(func() {
				if ctx.Err() == nil {
					f()
				}
			})
		}
	}
	u.win = cfg.App.NewWindow("Farmhand — " + cfg.Farm)
	tips := newTipLayer()
	u.jobs = newJobsView(tips, newJobActions(u))
	u.panel = newJobPanel(u, tips)
	u.jobs.onSelect = u.panel.showSelection
	u.settings = newSettingsView(u) // before the workers view, which passes the join code on to it
	u.workers = newWorkersView(u, tips)
	u.rendered = newRenderedView(u)
	u.status = newStatusBar(u)

	split := container.NewHSplit(u.jobs.object(), u.panel.object())
	// At the window's first size the jobs side gets the room its rows of
	// counts, chips and filters take (they no longer set its least width).
	split.Offset = 0.7
	u.tabs = container.NewAppTabs(
		container.NewTabItem("Jobs", split),
		container.NewTabItem("Workers", u.workers.object()),
		container.NewTabItem("Last rendered", u.rendered.object()),
		container.NewTabItem("Settings", u.settings.object()),
	)
	content := container.NewBorder(nil, u.status.object(), nil, nil, u.tabs)
	u.win.SetContent(container.NewStack(content, tips.layer))
	u.win.Resize(fyne.NewSize(1260, 780))
	u.win.SetMaster()

	if host, ok := cfg.App.(desktop.App); ok && !cfg.NoTray {
		u.tray = newTray(host, u.worker, u.showWindow, u.toggleWorker, u.requestQuit)
		host.SetSystemTrayWindow(u.win)
	}
	u.win.SetMainMenu(u.mainMenu())
	u.win.SetCloseIntercept(u.closeWindow)
	if u.worker != nil {
		u.worker.OnChange(func() { u.do(u.workerChanged) })
	}
	u.workerChanged()
	return u
}

// Window returns the main window.
func (u *UI) Window() fyne.Window { return u.win }

// Start loads the farm and follows its events until the context ends.
func (u *UI) Start() { u.follow() }

// mainMenu is the window's own way to everything the tray offers, for
// desktops without a tray (stock GNOME shows none).
func (u *UI) mainMenu() *fyne.MainMenu {
	var items []*fyne.MenuItem
	if u.worker != nil {
		items = append(items, fyne.NewMenuItem("Worker on", u.toggleWorker), fyne.NewMenuItemSeparator())
	}
	quit := fyne.NewMenuItem("Quit Farmhand", u.requestQuit)
	quit.IsQuit = true
	items = append(items, quit)
	view := fyne.NewMenu("View",
		fyne.NewMenuItem("Jobs", func() { u.tabs.SelectIndex(0) }),
		fyne.NewMenuItem("Workers", func() { u.tabs.SelectIndex(1) }),
		fyne.NewMenuItem("Last rendered", func() { u.tabs.SelectIndex(2) }),
		fyne.NewMenuItem("Settings", func() { u.tabs.SelectIndex(3) }),
	)
	u.menu = fyne.NewMainMenu(fyne.NewMenu("Farmhand", items...), view)
	return u.menu
}

// openStartView shows the view Config.Open asked for, once the first load
// arrived.
func (u *UI) openStartView() {
	switch u.open {
	case "workers":
		u.tabs.SelectIndex(1)
	case "rendered":
		u.tabs.SelectIndex(2)
	case "settings":
		u.tabs.SelectIndex(3)
	case "variables":
		u.settings.showVars = true
		u.tabs.SelectIndex(3)
		u.settings.relayout()
	case "job":
		if u.jobs.list.Len() == 0 {
			return
		}
		pick := u.jobs.list.Row(0)
		for _, j := range u.jobs.list.rows {
			if j.Status == model.JobActive {
				pick = j
				break
			}
		}
		u.panel.tasks.autoOpen = true
		u.jobs.selectJob(pick.ID)
	}
}

// isAdmin reports whether this window's member may steer workers and
// members. Until whoami answers it is false, so nothing is offered that the
// manager would refuse.
func (u *UI) isAdmin() bool { return u.me != nil && u.me.Role == model.RoleAdmin }

// setMe takes whoami's answer: admins get the worker actions, the join
// requests and the join code.
func (u *UI) setMe(me *model.Member) {
	if me == nil || u.me != nil {
		return
	}
	u.me = me
	u.workers.actions.update(u.workers.list.selected())
	u.workers.join.setAdmin(u.isAdmin())
	u.settings.meChanged()
}

// workerName returns the name of the worker with id, for the task table.
func (u *UI) workerName(id string) string {
	if id == "" {
		return ""
	}
	if w, ok := u.workers.list.Get(id); ok {
		return w.Name
	}
	return id[:min(8, len(id))]
}

// showWindow brings the window back, from the tray.
func (u *UI) showWindow() {
	u.win.Show()
	u.win.RequestFocus()
}

// closeWindow hides the window when a tray can bring it back, and quits
// otherwise.
func (u *UI) closeWindow() {
	if u.tray == nil {
		u.requestQuit()
		return
	}
	u.win.Hide()
	if !u.toldTray {
		u.toldTray = true
		u.app.SendNotification(fyne.NewNotification("Farmhand is still running",
			"Open it again from its icon in the system tray, or quit it there."))
	}
}

// requestQuit quits, asking first when quitting would stop a render.
func (u *UI) requestQuit() {
	if u.worker == nil || u.worker.State() != "rendering" {
		u.app.Quit()
		return
	}
	u.showWindow()
	dialog.ShowConfirm("Quit Farmhand?",
		"This computer is rendering a task. Quitting stops it,\nand the farm hands it to another worker.",
		func(ok bool) {
			if ok {
				u.app.Quit()
			}
		}, u.win)
}

// toggleWorker switches this computer's worker, asking first when switching
// off would stop a render. Switching off waits for the worker to stop, so
// it runs off the UI goroutine.
func (u *UI) toggleWorker() {
	if u.worker == nil || u.stopping {
		return
	}
	on := !u.worker.Enabled()
	apply := func() {
		u.stopping = !on
		u.workerChanged()
		go func() {
			u.worker.SetEnabled(on)
			u.do(func() {
				u.stopping = false
				u.workerChanged()
			})
		}()
	}
	if on || u.worker.State() != "rendering" {
		apply()
		return
	}
	u.showWindow()
	dialog.ShowConfirm("Stop rendering?",
		"This computer is rendering a task. Switching the worker off stops it,\nand the farm hands it to another worker.",
		func(ok bool) {
			if ok {
				apply()
			}
		}, u.win)
}

// workerChanged shows the worker's state in the tray, the menu and the
// status bar.
func (u *UI) workerChanged() {
	if u.tray != nil {
		u.tray.show(u.worker, u.stopping)
	}
	u.status.showWorker(u.worker, u.stopping)
	if u.worker != nil && u.menu != nil {
		item := u.menu.Items[0].Items[0]
		item.Checked = u.worker.Enabled() && !u.stopping
		item.Disabled = u.stopping
		u.menu.Items[0].Refresh()
	}
}

// showError shows a failed user action in the window.
func (u *UI) showError(what string, err error) {
	dialog.ShowError(fmt.Errorf("%s:\n%w", what, err), u.win)
}

// showErrorThen shows a failed user action, and calls then once the error
// dialog is closed (to bring back the form the action came from).
func (u *UI) showErrorThen(what string, err error, then func()) {
	d := dialog.NewError(fmt.Errorf("%s:\n%w", what, err), u.win)
	d.SetOnClosed(then)
	d.Show()
}
