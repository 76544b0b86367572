package ui

import (
	"context"
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/model"
)

// The workers view marks the workers whose Farmhand version is not the
// manager's, beside their names: the ones the "Upgrade" button is for (see
// farm/worker/upgrade.go for what a worker then does).

// managerVersion is the manager's Farmhand version as the view last asked
// it (GET /api/v1/version), asked again at most every versionAskEvery: a
// manager upgraded meanwhile is noticed.
type managerVersion struct {
	mu      sync.Mutex
	version string
	asked   time.Time
}

const versionAskEvery = time.Minute

// managerVersion returns the manager's version as known now ("" before the
// first answer), and asks again when the answer is old, repainting the table
// when a new one comes.
func (v *workersView) managerVersion() string {
	mv := &v.mver
	mv.mu.Lock()
	defer mv.mu.Unlock()
	if time.Since(mv.asked) >= versionAskEvery && v.u.client != nil {
		mv.asked = time.Now()
		u := v.u
		go func() {
			ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
			defer cancel()
			ver, err := u.client.Version(ctx)
			if err != nil {
				return // asked again at the next repaint after versionAskEvery
			}
			mv.mu.Lock()
			changed := mv.version != ver.Version
			mv.version = ver.Version
			mv.mu.Unlock()
			if changed {
				u.do(func() { v.table.apply(change{all: true}) })
			}
		}()
	}
	return mv.version
}

// outOfDate reports whether a worker of version runs another Farmhand than
// the manager's; unknown versions (an old worker's empty one, or the
// manager's not yet known) are not marked.
func outOfDate(version, manager string) bool {
	return version != "" && manager != "" && version != manager
}

// nameText is the Name column: the worker's name, and "out of date" when
// its version is not the manager's (a column of its own would crowd the view).
func (v *workersView) nameText(w *model.Worker) string {
	if outOfDate(w.Version, v.managerVersion()) {
		return w.Name + " · out of date"
	}
	return w.Name
}

// nameTip says which version the worker and the manager run.
func (v *workersView) nameTip(w *model.Worker) string {
	m := v.managerVersion()
	switch {
	case w.Version == "":
		return w.Name
	case outOfDate(w.Version, m):
		return fmt.Sprintf("%s runs Farmhand %s, the manager %s: select it and press Upgrade", w.Name, w.Version, m)
	}
	return w.Name + " runs Farmhand " + w.Version
}

// upgradeButton asks the selected out-of-date workers to upgrade to the
// manager's version, after their current task unless "Now" is ticked. It
// shows only when a selected worker is out of date and allows the action.
func newUpgradeButton(a *workerActions) *widget.Button {
	b := widget.NewButtonWithIcon("Upgrade", theme.Icon(theme.IconNameDownload), func() {
		ws := a.u.outOfDateOf(a.selected)
		now := a.now.Checked
		a.each(ws, "upgrade", func(ctx context.Context, w *model.Worker) (*model.Worker, error) {
			return a.u.client.WorkerAction(ctx, w.ID, model.WorkerUpgrade, now)
		})
	})
	b.Hide()
	return b
}

// showUpgrade shows the upgrade button for the selection, with a count when
// several workers are selected.
func (a *workerActions) showUpgrade(selected []*model.Worker) {
	n := len(a.u.outOfDateOf(selected))
	if n == 0 || !a.u.isAdmin() {
		a.upgrade.Hide()
		return
	}
	label := "Upgrade"
	if len(selected) > 1 {
		label = fmt.Sprintf("Upgrade (%d)", n)
	}
	a.upgrade.SetText(label)
	a.upgrade.Show()
	a.now.Show()
}

// outOfDateOf returns the workers of ws that are out of date and allow the
// upgrade action (signed on).
func (u *UI) outOfDateOf(ws []*model.Worker) []*model.Worker {
	if u.workers == nil { // the view is being built
		return nil
	}
	m := u.workers.managerVersion()
	var out []*model.Worker
	for _, w := range allowing(ws, workerAllows, model.WorkerUpgrade) {
		if outOfDate(w.Version, m) {
			out = append(out, w)
		}
	}
	return out
}
