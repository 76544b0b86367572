package ui

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"farmhand/farm/model"
)

// The join panel groups requests by address, so that a flood from one
// computer is one heading an admin can reject at once (issue 17).
func TestJoinPanelGroupsRequestsByAddress(t *testing.T) {
	u := newTestUI(t, nil)
	u.setMe(admin)
	p := u.workers.join
	test.NewTempWindow(t, p.object()).Resize(fyne.NewSize(1000, 400))
	req := func(id, name, address string, minutesAgo int) *model.Member {
		return &model.Member{ID: id, Name: name, Platform: "linux", Address: address, Status: model.MemberPending,
			Requested: testNow.Add(-time.Duration(minutesAgo) * time.Minute)}
	}
	reqs := []*model.Member{
		req("m1", "render-07", "192.168.1.50", 9),
		req("m2", "lighting-ws-3", "192.168.1.43", 7),
		req("m3", "render-08", "192.168.1.50", 5),
		req("m4", "script", "", 3),
		req("m5", "render-09", "192.168.1.50", 1),
	}
	p.showPending(reqs, nil)
	want := "[[192.168.1.50 render-07 render-08 render-09] [192.168.1.43 lighting-ws-3] [an unknown address script]]"
	if got := fmt.Sprint(p.joinGroupTexts()); got != want {
		t.Fatalf("groups %s\nwant %s", got, want)
	}
	if p.title.Text != "Join requests (5)" {
		t.Errorf("title %q", p.title.Text)
	}
	for i, wantButton := range []bool{true, false, false} {
		if got := findButton(p.rows.Objects[i], "Reject all") != nil; got != wantButton {
			t.Errorf("group %d has Reject all: %v, want %v", i, got, wantButton)
		}
	}

	// A request repeated from its computer keeps its id but moves to its new
	// time: the oldest group is now 192.168.1.43's.
	again := *reqs[0]
	again.Requested = testNow
	p.showPending([]*model.Member{&again, reqs[1], reqs[2], reqs[3], reqs[4]}, nil)
	want = "[[192.168.1.43 lighting-ws-3] [192.168.1.50 render-08 render-09 render-07] [an unknown address script]]"
	if got := fmt.Sprint(p.joinGroupTexts()); got != want {
		t.Fatalf("after a repeat: groups %s\nwant %s", got, want)
	}
}
