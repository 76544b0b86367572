package api_test

import (
	"io"
	"net/http"
	"testing"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// The audit log of issue 17 joins the table of operations_test.go from here,
// so that TestEveryOperationAgainstTheDocument runs it like the others.
func init() {
	operations = append(operations, struct {
		id  string
		run func(*testing.T, *opFarm)
	}{"getAudit", testGetAudit})
}

// auditPage reads a page of the audit log with cl, failing the test on error.
func auditPage(t *testing.T, f *opFarm, cl *client.Client, limit int, before string) *wire.AuditPage {
	t.Helper()
	p, err := cl.Audit(f.ctx, limit, before)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// An action through the API leaves one entry naming the admin, the address
// its request came from and what changed; an action the API refuses leaves
// none; the log is the admins' only, read in pages.
func testGetAudit(t *testing.T, f *opFarm) {
	me, err := f.cl.Whoami(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	artistID, artist := member(t, f.cl, "ann", model.RoleArtist)
	job, _ := f.job()
	prio := 80
	if _, err := f.cl.JobAction(f.ctx, job.ID, model.JobSetPriority, &prio); err != nil {
		t.Fatal(err)
	}
	_, err = artist.JobAction(f.ctx, job.ID, model.JobCancel, nil)
	wantStatus(t, err, http.StatusForbidden)

	page := auditPage(t, f, f.cl, 0, "")
	if len(page.Entries) != 2 || page.Next != "" {
		t.Fatalf("the log holds %d entries (next %q), want the approval and the priority: %+v", len(page.Entries), page.Next, page.Entries)
	}
	e := page.Entries[0]
	if e.Action != "job.set-priority" || e.TargetID != job.ID || e.TargetName != job.Name || e.Detail != "priority 50 → 80" {
		t.Errorf("newest entry %+v", e)
	}
	if e.MemberID != me.ID || e.MemberName != "test admin" || e.Role != model.RoleAdmin || e.Address != "127.0.0.1" {
		t.Errorf("the entry names %q %q %q from %q, want %s test admin admin from 127.0.0.1", e.MemberID, e.MemberName, e.Role, e.Address, me.ID)
	}
	approval := page.Entries[1]
	if approval.Action != "member.approve" || approval.TargetID != artistID || approval.Detail != "pending → approved as artist" {
		t.Errorf("older entry %+v", approval)
	}

	_, err = artist.Audit(f.ctx, 0, "")
	wantStatus(t, err, http.StatusForbidden)

	first := auditPage(t, f, f.cl, 1, "")
	if len(first.Entries) != 1 || first.Entries[0].ID != e.ID || first.Next != e.ID {
		t.Fatalf("first page of one %+v", first)
	}
	second := auditPage(t, f, f.cl, 1, first.Next)
	if len(second.Entries) != 1 || second.Entries[0].ID != approval.ID || second.Next != "" {
		t.Fatalf("second page of one %+v", second)
	}
	for _, bad := range []string{"?limit=0", "?limit=1001", "?limit=many", "?before=xyz"} {
		resp, err := authGet(f.cl, "/api/v1/audit"+bad)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET /api/v1/audit%s answered %d, want 400", bad, resp.StatusCode)
		}
	}
}

// Downloading a backup, a renewed join code, a worker action and a settings
// change each leave their entry, newest first.
func TestAuditRecordsAdminRoutes(t *testing.T) {
	cl, _, _ := startServer(t)
	ctx := t.Context()
	workerID, _ := member(t, cl, "box", model.RoleWorker)
	if _, err := cl.Backup(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.JoinCode(ctx, true); err != nil {
		t.Fatal(err)
	}
	threshold := 4
	if _, err := cl.UpdateConfig(ctx, wire.ConfigUpdate{BlocklistThreshold: &threshold}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Revoke(ctx, workerID); err != nil {
		t.Fatal(err)
	}
	page, err := cl.Audit(ctx, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range page.Entries {
		got = append(got, e.Action+": "+e.Detail)
		if e.Address != "127.0.0.1" || e.MemberName != "test admin" {
			t.Errorf("%s by %q from %q", e.Action, e.MemberName, e.Address)
		}
	}
	want := []string{
		"member.revoke: approved as worker → revoked",
		"settings.update: blocklist_threshold 3 → 4",
		"joincode.renew: the old code stops working",
		"backup.download: the farm's database",
		"member.approve: pending → approved as worker",
	}
	if len(got) != len(want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d is %q, want %q", i, got[i], want[i])
		}
	}
}
