package ui

import (
	"testing"
	"time"

	"farmhand/farm/model"
)

func TestOutOfDateWorkersAreMarkedAndOfferedTheUpgrade(t *testing.T) {
	for _, c := range []struct {
		version, manager string
		want             bool
	}{
		{"0.1.0", "0.2.0", true}, {"0.3.0", "0.2.0", true}, {"0.2.0", "0.2.0", false},
		{"0.1.0", "", false}, // the manager's version not known yet
		{"", "0.2.0", false}, // a worker too old to say
	} {
		if got := outOfDate(c.version, c.manager); got != c.want {
			t.Errorf("outOfDate(%q, %q) = %v, want %v", c.version, c.manager, got, c.want)
		}
	}

	u := newTestUI(t, nil)
	u.setMe(admin)
	u.workers.mver.version, u.workers.mver.asked = "0.2.0", time.Now() // as the manager answered
	old, current, away := worker("w1", "render-01", model.WorkerAwake, ""), worker("w2", "render-02", model.WorkerAwake, ""),
		worker("w3", "render-03", model.WorkerOffline, "")
	old.Version, current.Version, away.Version = "0.1.0", "0.2.0", "0.1.0"
	u.workers.setAll([]*model.Worker{old, current, away})
	if got := u.workers.nameText(old); got != "render-01 · out of date" {
		t.Errorf("name of the out-of-date worker %q", got)
	}
	if got := u.workers.nameText(current); got != "render-02" {
		t.Errorf("name of the up-to-date worker %q", got)
	}
	for _, c := range []struct {
		ids  []string
		text string // "" when hidden
	}{
		{[]string{"w1"}, "Upgrade"}, {[]string{"w2"}, ""}, {[]string{"w3"}, ""}, // offline: it cannot be asked
		{[]string{"w1", "w2", "w3"}, "Upgrade (1)"},
	} {
		u.workers.table.apply(u.workers.list.selectIDs(c.ids...))
		u.workers.selectionMayHaveChanged()
		b := u.workers.actions.upgrade
		if got := map[bool]string{true: b.Text, false: ""}[b.Visible()]; got != c.text {
			t.Errorf("selecting %v: upgrade button %q, want %q", c.ids, got, c.text)
		}
	}
}
