package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestFirstRunOffersStartAndJoin(t *testing.T) {
	a := test.NewTempApp(t)
	var started bool
	var joined FarmChoice
	f := NewFirstRun(a, func() { started = true }, func(c FarmChoice) { joined = c })
	if !strings.Contains(f.status.Text, "Looking for farms") {
		t.Fatalf("status %q while searching", f.status.Text)
	}
	f.SetFarms(nil, false)
	if !strings.Contains(f.status.Text, "No farm answered") {
		t.Fatalf("status %q with no farms", f.status.Text)
	}
	if f.again.Visible() {
		t.Error("Look again shows with nothing to search with")
	}
	// A search that could not run says why, and Look again searches anew
	// (found by a fresh-eyes try: "no farm answered" when mDNS had no
	// multicast route, and no way to search again).
	searches := 0
	f.OnSearch(func() { searches++ })
	f.SearchFailed("no multicast route")
	if !strings.Contains(f.status.Text, "Could not look for farms on this network: no multicast route") || !f.again.Visible() {
		t.Fatalf("a failed search: %q, Look again shown %v", f.status.Text, f.again.Visible())
	}
	test.Tap(f.again)
	if searches != 1 || !strings.Contains(f.status.Text, "Looking for farms") || f.again.Visible() {
		t.Fatalf("Look again: %d searches, status %q, button shown %v", searches, f.status.Text, f.again.Visible())
	}
	f.SetFarms([]FarmChoice{{Name: "studio", URL: "http://192.0.2.1:7780", ManagerID: "m1"}}, false)
	join := f.farms.Objects[0].(*fyne.Container).Objects[1].(*widget.Button)
	if join.Text != "Join studio" {
		t.Fatalf("button %q", join.Text)
	}
	test.Tap(join)
	if joined.ManagerID != "m1" || !join.Disabled() || !f.start.Disabled() {
		t.Fatalf("after join: %+v, join disabled %v, start disabled %v", joined, join.Disabled(), f.start.Disabled())
	}
	f.Failed("the farm said no")
	if f.start.Disabled() || f.status.Text != "the farm said no" {
		t.Fatal("a failure does not offer the choices again")
	}
	test.Tap(f.start)
	if !started || !f.start.Disabled() {
		t.Fatal("start not called or not disabled while starting")
	}
}
