package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/model"
)

// roleChoices are the roles an admin may grant, least first.
var roleChoices = []string{string(model.RoleWorker), string(model.RoleArtist), string(model.RoleAdmin)}

// joinPanel is the bottom of the workers view, for admins only: the farm's
// join code, and the computers asking to join, grouped by address, with
// Approve and Reject. The panel reloads on the manager's "members" events.
type joinPanel struct {
	u     *UI
	box   *fyne.Container
	title *widget.Label
	code  *widget.Label
	copy  *widget.Button
	renew *widget.Button
	rows  *fyne.Container
	note  *widget.Label

	// relayout lays the view out again after the panel grew or shrank: the
	// border around it does not notice by itself.
	relayout func()

	codeText string
	shown    []string // ids of the requests shown, to rebuild rows only when they change
	busy     map[string]bool
}

func newJoinPanel(u *UI) *joinPanel {
	p := &joinPanel{u: u, busy: map[string]bool{}, relayout: func() {}}
	p.title = widget.NewLabelWithStyle("Join requests", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.code = widget.NewLabelWithStyle("…", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	p.copy = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		if p.codeText != "" {
			u.app.Clipboard().SetContent(p.codeText)
		}
	})
	p.renew = widget.NewButtonWithIcon("New code", theme.ViewRefreshIcon(), p.askRenew)
	p.rows = container.NewVBox()
	p.note = widget.NewLabel("No computer is asking to join.")
	p.note.Importance = widget.LowImportance
	code := container.NewHBox(widget.NewLabel("Join code:"), p.code, p.copy, p.renew)
	p.box = container.NewVBox(widget.NewSeparator(),
		container.NewBorder(nil, nil, p.title, code), p.rows, p.note)
	p.box.Hide() // until this member turns out to be an admin
	return p
}

func (p *joinPanel) object() fyne.CanvasObject { return p.box }

// setAdmin shows the panel to admins and loads the join code.
func (p *joinPanel) setAdmin(admin bool) {
	if !admin {
		p.box.Hide()
		return
	}
	p.box.Show()
	p.relayout()
	p.loadCode(false)
	p.loadPending() // now, not at the next poll
}

func (p *joinPanel) loadPending() {
	u := p.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		pending, err := u.client.Members(ctx, model.MemberPending)
		u.do(func() { p.showPending(pending, err) })
	}()
}

// showCode shows the farm's join code.
func (p *joinPanel) showCode(code string) {
	p.codeText = code
	p.code.SetText(code)
	p.copy.Enable()
}

func (p *joinPanel) loadCode(renew bool) {
	u := p.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		code, err := u.client.JoinCode(ctx, renew)
		u.do(func() {
			if err != nil {
				if renew {
					u.showError("Could not make a new join code", fmt.Errorf("%s", explain(err, u.client.BaseURL())))
				}
				return // the code stays "…"; the next poll does not retry, the view's reload does
			}
			p.showCode(code)
			u.settings.showCode(code)
		})
	}()
}

func (p *joinPanel) askRenew() {
	dialog.ShowConfirm("New join code",
		"Computers that have not joined yet will need the new code;\nthose already in the farm stay in.",
		func(ok bool) {
			if ok {
				p.loadCode(true)
			}
		}, p.u.win)
}

// showPending shows the join requests, grouped by the address they came from
// (one heading per address, its requests under it, the earliest group first),
// so that a flood from one computer stands out and can be turned down at
// once; err says the list could not be fetched. Rows are rebuilt only when
// the requests change, so that a role being chosen is not reset under the
// pointer.
func (p *joinPanel) showPending(ms []*model.Member, err error) {
	if err != nil {
		p.note.SetText("Could not list the join requests: " + explain(err, p.u.client.BaseURL()))
		p.note.Show()
		return
	}
	slices.SortFunc(ms, func(a, b *model.Member) int { return a.Requested.Compare(b.Requested) })
	var shown []string
	for _, m := range ms {
		// A repeated request keeps its id but not its time: show it anew.
		shown = append(shown, m.ID+"@"+m.Requested.String())
	}
	p.title.SetText(fmt.Sprintf("Join requests (%d)", len(ms)))
	if len(ms) == 0 {
		p.title.SetText("Join requests")
		p.note.SetText("No computer is asking to join.")
	}
	showIf(p.note, len(ms) == 0)
	if slices.Equal(shown, p.shown) {
		return
	}
	p.shown = shown
	p.rows.RemoveAll()
	for _, g := range groupByAddress(ms) {
		p.rows.Add(p.group(g))
	}
	p.relayout()
}

// joinGroup is the join requests from one address, oldest first.
type joinGroup struct {
	address string
	members []*model.Member
}

// where names the group's address for people.
func (g joinGroup) where() string {
	if g.address == "" {
		return "an unknown address"
	}
	return g.address
}

// groupByAddress groups requests sorted by time, keeping that order: the
// group of the oldest request comes first.
func groupByAddress(ms []*model.Member) []joinGroup {
	var groups []joinGroup
	at := map[string]int{}
	for _, m := range ms {
		i, ok := at[m.Address]
		if !ok {
			i = len(groups)
			at[m.Address] = i
			groups = append(groups, joinGroup{address: m.Address})
		}
		groups[i].members = append(groups[i].members, m)
	}
	return groups
}

// group is an address's heading with its requests under it, indented; with
// more than one request, the heading can reject them all.
func (p *joinPanel) group(g joinGroup) fyne.CanvasObject {
	address := widget.NewLabelWithStyle(g.where(), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	count := widget.NewLabel(plural(len(g.members), "request"))
	count.Importance = widget.LowImportance
	head := container.NewHBox(widget.NewIcon(theme.ComputerIcon()), address, count)
	var rejectAll fyne.CanvasObject
	if len(g.members) > 1 {
		rejectAll = widget.NewButtonWithIcon("Reject all", theme.CancelIcon(), func() { p.askRejectAll(g) })
	}
	box := container.NewVBox(container.NewBorder(nil, nil, head, rejectAll))
	indent := 2 * theme.IconInlineSize()
	for _, m := range g.members {
		box.Add(container.New(layout.NewCustomPaddedLayout(0, 0, indent, 0), p.row(m)))
	}
	return box
}

// row is one join request: who asks, on what, for what, and the answer; its
// address is its group's heading.
func (p *joinPanel) row(m *model.Member) fyne.CanvasObject {
	name := widget.NewLabelWithStyle(m.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	var about []string
	if m.Platform != "" {
		about = append(about, m.Platform)
	}
	wants := m.Wants
	if !wants.Valid() {
		wants = model.RoleWorker
	}
	about = append(about, "asks to be "+string(wants), "since "+ago(m.Requested))
	details := widget.NewLabel(strings.Join(about, " · "))
	details.Truncation = fyne.TextTruncateEllipsis
	role := widget.NewSelect(roleChoices, nil)
	role.SetSelected(string(wants))
	approve := widget.NewButtonWithIcon("Approve", theme.ConfirmIcon(), nil)
	approve.Importance = widget.HighImportance
	reject := widget.NewButtonWithIcon("Reject", theme.CancelIcon(), nil)
	approve.OnTapped = func() { p.answer(m, model.Role(role.Selected), true) }
	reject.OnTapped = func() { p.answer(m, "", false) }
	right := container.NewHBox(widget.NewLabel("as"), role, approve, reject)
	return container.NewBorder(nil, nil, name, right, details)
}

// askRejectAll confirms, then rejects every request from g's address.
func (p *joinPanel) askRejectAll(g joinGroup) {
	d := dialog.NewConfirm("Reject all from "+g.where(),
		fmt.Sprintf("Reject the %s from %s?\nThey may ask again later.", plural(len(g.members), "join request"), g.where()),
		func(ok bool) {
			if ok {
				p.rejectAll(g)
			}
		}, p.u.win)
	d.SetConfirmText("Reject all")
	d.SetConfirmImportance(widget.DangerImportance)
	d.Show()
}

// rejectAll rejects g's requests one by one (those not being answered
// already), then refreshes the panel and says which could not be rejected.
func (p *joinPanel) rejectAll(g joinGroup) {
	var todo []*model.Member
	for _, m := range g.members {
		if !p.busy[m.ID] {
			p.busy[m.ID] = true
			todo = append(todo, m)
		}
	}
	u := p.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		var errs []error
		for _, m := range todo {
			if _, err := u.client.Reject(ctx, m.ID); err != nil {
				errs = append(errs, fmt.Errorf("%s: %s", m.Name, explain(err, u.client.BaseURL())))
			}
		}
		pending, perr := u.client.Members(ctx, model.MemberPending)
		u.do(func() {
			for _, m := range todo {
				delete(p.busy, m.ID)
			}
			if len(errs) > 0 {
				u.showError(fmt.Sprintf("Could not reject %s from %s", plural(len(errs), "join request"), g.where()), errors.Join(errs...))
			}
			p.showPending(pending, perr)
		})
	}()
}

// answer approves or rejects a request, then refreshes the panel.
func (p *joinPanel) answer(m *model.Member, role model.Role, approve bool) {
	if p.busy[m.ID] {
		return
	}
	p.busy[m.ID] = true
	u := p.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		var err error
		if approve {
			_, err = u.client.Approve(ctx, m.ID, role)
		} else {
			_, err = u.client.Reject(ctx, m.ID)
		}
		var pending []*model.Member
		var perr error
		if err == nil {
			pending, perr = u.client.Members(ctx, model.MemberPending)
		}
		u.do(func() {
			delete(p.busy, m.ID)
			if err != nil {
				verb := "reject"
				if approve {
					verb = "approve"
				}
				u.showError(fmt.Sprintf("Could not %s %q", verb, m.Name), fmt.Errorf("%s", explain(err, u.client.BaseURL())))
				return
			}
			p.showPending(pending, perr)
		})
	}()
}
