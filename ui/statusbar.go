package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// statusBar is the window's bottom line: whether the farm answers, and this
// computer's worker with its switch — the window's own way to what the tray
// does.
type statusBar struct {
	u          *UI
	farmIcon   *widget.Icon
	farm       *widget.Label
	workerIcon *widget.Icon
	worker     *widget.Label
	toggle     *widget.Check
	updating   bool // set while the check box is set from the worker, not the user
}

func newStatusBar(u *UI) *statusBar {
	s := &statusBar{u: u, farmIcon: widget.NewIcon(coloredIcon(theme.IconNameHistory, colorIdle)),
		farm: widget.NewLabel("Connecting to the farm at " + u.client.BaseURL() + "…")}
	s.farm.Truncation = fyne.TextTruncateEllipsis
	s.workerIcon = widget.NewIcon(nil)
	s.worker = widget.NewLabel("")
	s.toggle = widget.NewCheck("Worker on", func(bool) {
		if !s.updating {
			u.toggleWorker()
		}
	})
	return s
}

func (s *statusBar) object() fyne.CanvasObject {
	right := container.NewHBox()
	if s.u.worker != nil {
		right.Add(s.workerIcon)
		right.Add(s.worker)
		right.Add(s.toggle)
	}
	return container.NewBorder(nil, nil, s.farmIcon, right, s.farm)
}

func (s *statusBar) online() {
	s.farmIcon.SetResource(coloredIcon(theme.IconNameConfirm, colorGood))
	s.farm.SetText("Connected to the farm at " + s.u.client.BaseURL())
}

// notPermitted says the manager answers but this member may not see the
// farm (a warning, not an error: nothing is broken).
func (s *statusBar) notPermitted(text string) {
	s.farmIcon.SetResource(coloredIcon(theme.IconNameWarning, colorHeld))
	s.farm.SetText(text)
}

func (s *statusBar) offline(why string) {
	s.farmIcon.SetResource(coloredIcon(theme.IconNameError, colorBad))
	s.farm.SetText(capitalize(why) + " — trying again")
}

// showWorker shows the worker's state; the check box follows it without
// calling back.
func (s *statusBar) showWorker(w WorkerControl, stopping bool) {
	if w == nil {
		return
	}
	state, text := workerStatus(w, stopping)
	s.workerIcon.SetResource(trayIcon(state))
	s.worker.SetText(text)
	s.updating = true
	s.toggle.SetChecked(w.Enabled() && !stopping)
	s.updating = false
	if stopping {
		s.toggle.Disable()
	} else {
		s.toggle.Enable()
	}
}
