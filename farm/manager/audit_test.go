package manager

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

var (
	ana = Actor{MemberID: "m-ana", Name: "ana", Role: model.RoleAdmin, Admin: true, Address: "192.0.2.9"}
	bob = Actor{MemberID: "m-bob", Name: "bob", Role: model.RoleArtist, Address: "192.0.2.10"}
)

// auditLog returns the whole audit log, newest first.
func auditLog(t *testing.T, m *Manager) []*model.AuditEntry {
	t.Helper()
	es, _, err := m.Audit(MaxAuditPage, "")
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// newest returns the newest entry, failing unless the log grew by want
// entries since it had n.
func newest(t *testing.T, m *Manager, n *int, want int) *model.AuditEntry {
	t.Helper()
	es := auditLog(t, m)
	if len(es) != *n+want {
		t.Fatalf("the log has %d entries, want %d: %s", len(es), *n+want, describe(es))
	}
	*n = len(es)
	if len(es) == 0 {
		return nil
	}
	return es[0]
}

func describe(es []*model.AuditEntry) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "\n  %s %s %s %q", e.Who(), e.Action, e.TargetName, e.Detail)
	}
	return b.String()
}

func checkEntry(t *testing.T, e *model.AuditEntry, by Actor, action, target, detail string) {
	t.Helper()
	if e.MemberID != by.MemberID || e.MemberName != by.Name || e.Role != by.Role || e.Address != by.Address {
		t.Errorf("%s: actor %q %q %q %q, want %+v", action, e.MemberID, e.MemberName, e.Role, e.Address, by)
	}
	if e.Action != action || e.TargetName != target || e.Detail != detail {
		t.Errorf("entry %s %q %q, want %s %q %q", e.Action, e.TargetName, e.Detail, action, target, detail)
	}
	if e.Time.IsZero() || e.Time.Location() != time.UTC || len(e.ID) != 32 {
		t.Errorf("%s: time %v id %q", action, e.Time, e.ID)
	}
}

// Every recorded kind of change leaves one entry naming the actor, the
// target and what changed; a refused change leaves none.
func TestAuditRecordsJobTaskAndWorkerActions(t *testing.T) {
	m := openManager(t)
	n := 0
	w := register(t, m, "render-01") // approved by the manager itself
	checkEntry(t, newest(t, m, &n, 1), AsAdmin, "member.approve", "render-01", "pending → approved as worker")
	j := submit(t, m, "1-3")
	if len(auditLog(t, m)) != n {
		t.Fatal("a submission is in the audit log; it is the job's own record")
	}

	farmtest.Must(m.JobActions(ana, model.JobSetPriority, []string{j.ID}, 80))(t)
	checkEntry(t, newest(t, m, &n, 1), ana, "job.set-priority", j.Name, "priority 50 → 80")
	if _, err := m.JobActions(bob, model.JobCancel, []string{j.ID}, 0); !errors.Is(err, ErrForbidden) {
		t.Fatalf("an artist canceled someone else's job: %v", err)
	}
	newest(t, m, &n, 0)
	if _, err := m.JobActions(ana, model.JobResume, []string{j.ID}, 0); err == nil {
		t.Fatal("resumed a queued job")
	}
	newest(t, m, &n, 0)

	tasks := farmtest.Must(m.Tasks(j.ID))(t)
	farmtest.Must(m.TaskActions(ana, model.TaskCancel, []string{tasks[0].ID, tasks[2].ID}))(t)
	checkEntry(t, newest(t, m, &n, 1), ana, "task.cancel", j.Name, "2 tasks: "+tasks[0].Name+", "+tasks[2].Name)
	farmtest.Must(m.JobActions(ana, model.JobCancel, []string{j.ID}, 0))(t)
	checkEntry(t, newest(t, m, &n, 1), ana, "job.cancel", j.Name, "status queued → canceled")

	farmtest.Must(m.WorkerActionBy(ana, w.ID, model.WorkerSleep, false))(t)
	checkEntry(t, newest(t, m, &n, 1), ana, "worker.sleep", "render-01", "awake → asleep, after its current task")
	name := "render-01b"
	farmtest.Must(m.UpdateWorkerBy(ana, w.ID, WorkerChange{Name: &name}))(t)
	checkEntry(t, newest(t, m, &n, 1), ana, "worker.update", "render-01", "name render-01 → render-01b")
	if err := m.DeleteWorkerBy(ana, "no-such-worker"); err == nil {
		t.Fatal("deleted an unknown worker")
	}
	newest(t, m, &n, 0)
	if err := m.DeleteWorkerBy(ana, w.ID); err != nil {
		t.Fatal(err)
	}
	checkEntry(t, newest(t, m, &n, 1), ana, "worker.delete", "render-01b", "was awake")
}

func TestAuditRecordsMembersSettingsAndJoinCodes(t *testing.T) {
	m := openManager(t)
	n := 0
	mb, _, err := m.Join(JoinRequest{Name: "anna-laptop", Platform: "linux", Address: "192.0.2.20"})
	if err != nil {
		t.Fatal(err)
	}
	farmtest.Must(m.ApproveBy(ana, mb.ID, model.RoleArtist))(t)
	checkEntry(t, newest(t, m, &n, 1), ana, "member.approve", "anna-laptop", "pending → approved as artist")
	if _, err := m.RejectBy(ana, mb.ID); !errors.Is(err, ErrInvalid) {
		t.Fatalf("rejected an approved member: %v", err)
	}
	newest(t, m, &n, 0)
	farmtest.Must(m.RevokeBy(ana, mb.ID))(t)
	checkEntry(t, newest(t, m, &n, 1), ana, "member.revoke", "anna-laptop", "approved as artist → revoked")

	threshold := 5
	farmtest.Must(m.UpdateSettingsBy(ana, model.SettingsPatch{MaxTaskFailures: &threshold}))(t)
	checkEntry(t, newest(t, m, &n, 1), ana, "settings.update", "", "max_task_failures 3 → 5")
	bad := -1
	if _, err := m.UpdateSettingsBy(ana, model.SettingsPatch{MaxTaskFailures: &bad}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a bad setting: %v", err)
	}
	newest(t, m, &n, 0)
	v := model.Variable{Name: "render", Storage: true, Values: map[string]string{"linux": "/mnt/render"}}
	farmtest.Must(m.PutVariableBy(ana, v))(t)
	checkEntry(t, newest(t, m, &n, 1), ana, "variable.put", "render", "storage; linux=/mnt/render")
	v.Values["windows"] = `R:\`
	farmtest.Must(m.PutVariableBy(ana, v))(t)
	checkEntry(t, newest(t, m, &n, 1), ana, "variable.put", "render",
		`storage; linux=/mnt/render → storage; linux=/mnt/render, windows=R:\`)
	farmtest.Must(m.DeleteVariableBy(ana, "render"))(t)
	checkEntry(t, newest(t, m, &n, 1), ana, "variable.delete", "render", `was storage; linux=/mnt/render, windows=R:\`)
	if _, err := m.DeleteVariableBy(ana, "render"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted a missing variable: %v", err)
	}
	newest(t, m, &n, 0)

	farmtest.Must(m.JoinCode())(t) // the farm's first code is nobody's decision
	newest(t, m, &n, 0)
	farmtest.Must(m.NewJoinCodeBy(ana))(t)
	checkEntry(t, newest(t, m, &n, 1), ana, "joincode.renew", "", "the old code stops working")
	if err := m.RecordAudit(ana, "backup.download", "1234 bytes"); err != nil {
		t.Fatal(err)
	}
	checkEntry(t, newest(t, m, &n, 1), ana, "backup.download", "", "1234 bytes")
}

// The log keeps the newest auditKeep entries; pages of it follow each other
// through their cursor, newest first.
func TestAuditLogIsBoundedAndPaged(t *testing.T) {
	old := auditKeep
	auditKeep = 4
	t.Cleanup(func() { auditKeep = old })
	m := openManager(t)
	j := submit(t, m, "1")
	for prio := range 7 {
		farmtest.Must(m.JobActions(ana, model.JobSetPriority, []string{j.ID}, prio))(t)
	}
	es := auditLog(t, m)
	var got []string
	for _, e := range es {
		got = append(got, e.Detail)
	}
	if want := "[priority 5 → 6 priority 4 → 5 priority 3 → 4 priority 2 → 3]"; fmt.Sprint(got) != want {
		t.Fatalf("kept %v, want %s", got, want)
	}
	page, next, err := m.Audit(3, "")
	if err != nil || len(page) != 3 || next != page[2].ID {
		t.Fatalf("first page %d entries, next %q, %v", len(page), next, err)
	}
	rest, after, err := m.Audit(3, next)
	if err != nil || len(rest) != 1 || rest[0].ID != es[3].ID || after != "" {
		t.Fatalf("second page %v, next %q, %v", describe(rest), after, err)
	}
	if _, _, err := m.Audit(3, "not-a-cursor"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a bad cursor: %v", err)
	}
}
