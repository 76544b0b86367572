package ui

import (
	"cmp"
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/model"
)

// auditShown is how many of the newest audit entries the Settings view
// lists; 'farmhand audit --limit N' reads further back.
const auditShown = 50

// auditSection is the Settings view's audit log, for admins: the newest
// entries, fetched when the view loads, when the Settings tab is opened and
// by its Refresh button. It does not poll: the log is read when someone
// looks at it.
type auditSection struct {
	u       *UI
	box     *fyne.Container // the whole section; hidden but for admins
	note    *widget.Label   // loading, empty, or what went wrong
	rows    *fyne.Container
	refresh *widget.Button
	shown   []*model.AuditEntry
	gen     int
	hooked  bool // the tabs' OnSelected also refreshes the log
	// onChange runs after the list changed (the view lays itself out again).
	onChange func()
}

func newAuditSection(u *UI, onChange func()) *auditSection {
	a := &auditSection{u: u, onChange: onChange}
	a.note = widget.NewLabel("Loading…")
	a.note.Wrapping = fyne.TextWrapWord
	a.rows = container.NewVBox()
	a.refresh = widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), a.load)
	a.refresh.Importance = widget.LowImportance
	about := widget.NewLabel(fmt.Sprintf("Who did what, newest first (the last %d; farmhand audit shows more): "+
		"job, task and worker actions, members let in or out, settings, join codes, backups.", auditShown))
	about.Wrapping = fyne.TextWrapWord
	a.box = container.NewVBox(widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, a.refresh, heading("Audit log")), about, a.note, a.rows)
	a.box.Hide()
	return a
}

// setAdmin shows the section to admins and loads it; from then on, opening
// the tab whose content is page refreshes it too.
func (a *auditSection) setAdmin(admin bool, tabs *container.AppTabs, page fyne.CanvasObject) {
	if !admin {
		a.box.Hide()
		return
	}
	a.box.Show()
	if tabs != nil && !a.hooked {
		a.hooked = true
		prev := tabs.OnSelected
		tabs.OnSelected = func(ti *container.TabItem) {
			if prev != nil {
				prev(ti)
			}
			if ti.Content == page {
				a.load()
			}
		}
	}
	a.load()
}

// load fetches the newest entries; a failure says why and keeps what is
// shown. Members who are not admins fetch nothing (the route would refuse).
func (a *auditSection) load() {
	u := a.u
	if !u.isAdmin() {
		return
	}
	a.gen++
	gen := a.gen
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		page, err := u.client.Audit(ctx, auditShown, "")
		u.do(func() {
			if gen != a.gen {
				return
			}
			if err != nil {
				a.note.SetText("Could not read the audit log: " + explain(err, u.client.BaseURL()))
				a.note.Show()
				a.changed()
				return
			}
			a.show(page.Entries)
		})
	}()
}

// show lists entries, newest first.
func (a *auditSection) show(entries []*model.AuditEntry) {
	a.shown = entries
	a.rows.RemoveAll()
	if len(entries) == 0 {
		a.note.SetText("Nothing recorded yet.")
		a.note.Show()
	} else {
		a.note.Hide()
	}
	for _, e := range entries {
		a.rows.Add(auditRow(e))
	}
	a.changed()
}

func (a *auditSection) changed() {
	if a.onChange != nil {
		a.onChange()
	}
}

// auditRow is one entry: its time in a column of its own, then who did what.
func auditRow(e *model.AuditEntry) fyne.CanvasObject {
	when := widget.NewLabelWithStyle(auditWhen(e), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	what := widget.NewLabel(auditWhat(e))
	what.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(nil, nil, when, nil, what)
}

// auditWhen is an entry's time, to the second: "2025-03-01 13:30:05".
func auditWhen(e *model.AuditEntry) string { return e.Time.Local().Format("2006-01-02 15:04:05") }

// auditWhat is who did what to what, from where:
// "ana (admin) from 192.0.2.9 · job.set-priority shot 010 · priority 50 → 80".
func auditWhat(e *model.AuditEntry) string {
	s := e.Who()
	if e.Address != "" {
		s += " from " + e.Address
	}
	s += " · " + e.Action
	if t := cmp.Or(e.TargetName, e.TargetID); t != "" {
		s += " " + t
	}
	if e.Detail != "" {
		s += " · " + e.Detail
	}
	return s
}
