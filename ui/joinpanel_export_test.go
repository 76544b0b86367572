package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// This file lets package ui_test read and drive the join panel's groups.

// joinGroupTexts returns, per group of the join panel in the order shown, its
// heading's address followed by the names of its requests: the bold labels,
// in layout order.
func (p *joinPanel) joinGroupTexts() [][]string {
	var out [][]string
	for _, g := range p.rows.Objects {
		var bold []string
		for _, o := range test.LaidOutObjects(g) {
			if l, ok := o.(*widget.Label); ok && l.TextStyle.Bold {
				bold = append(bold, l.Text)
			}
		}
		out = append(out, bold)
	}
	return out
}

// findButton returns the first button labelled text under o, or nil.
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	for _, c := range test.LaidOutObjects(o) {
		if b, ok := c.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	return nil
}

// JoinGroups returns the join panel's groups: each an address, then the
// names of its requests.
func (s *Serial) JoinGroups() [][]string { return s.workers.join.joinGroupTexts() }

// RejectAllFrom taps the "Reject all" button of the group of address and
// confirms in the dialog it opens.
func (s *Serial) RejectAllFrom(t *testing.T, address string) {
	t.Helper()
	p := s.workers.join
	for i, g := range p.joinGroupTexts() {
		if len(g) == 0 || g[0] != address {
			continue
		}
		b := findButton(p.rows.Objects[i], "Reject all")
		if b == nil {
			t.Fatalf("the group of %s has no Reject all button", address)
		}
		test.Tap(b)
		top := s.win.Canvas().Overlays().Top()
		if top == nil {
			t.Fatal("Reject all asks for no confirmation")
		}
		confirm := findButton(top, "Reject all")
		if confirm == nil {
			t.Fatal("the confirmation has no Reject all button")
		}
		test.Tap(confirm)
		return
	}
	t.Fatalf("no group for %s in %v", address, p.joinGroupTexts())
}
