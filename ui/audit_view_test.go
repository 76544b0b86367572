package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"farmhand/farm/model"
)

// The audit log section as an admin sees it: one row per entry, newest
// first, who and from where on the left, what on the right.
func TestAuditSectionView(t *testing.T) {
	u := newTestUI(t, nil)
	u.setMe(admin)
	at := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	u.settings.audit.show([]*model.AuditEntry{
		{Time: at, MemberID: "m1", MemberName: "mira", Role: model.RoleAdmin, Address: "192.0.2.9",
			Action: "job.set-priority", TargetID: "job-01", TargetName: "shot 010 lighting", Detail: "priority 50 → 80"},
		{Time: at.Add(-time.Minute), MemberID: "m1", MemberName: "mira", Role: model.RoleAdmin, Address: "192.0.2.9",
			Action: "member.approve", TargetID: "m2", TargetName: "render-07", Detail: "pending → approved as worker"},
		{Time: at.Add(-time.Hour), Action: "worker.sleep", TargetID: "w1", TargetName: "render-03", Detail: "awake → asleep, at once"},
	})
	if got := len(u.settings.audit.rows.Objects); got != 3 || u.settings.audit.note.Visible() {
		t.Fatalf("%d rows, note shown %v", got, u.settings.audit.note.Visible())
	}
	w := test.NewTempWindow(t, u.settings.audit.box)
	w.Resize(fyne.NewSize(900, 260))
	test.AssertRendersToMarkup(t, "audit_view.xml", w.Canvas())

	u.settings.audit.show(nil)
	if !u.settings.audit.note.Visible() || u.settings.audit.note.Text != "Nothing recorded yet." {
		t.Errorf("an empty log says %q", u.settings.audit.note.Text)
	}
}
