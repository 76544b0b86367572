package app

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

// The table shows each entry's time in the given zone, who, from where, the
// action, its target and detail, and how to read on.
func TestPrintAuditFormatsEntries(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 30, 5, 0, time.UTC)
	page := &wire.AuditPage{Next: "00aa", Entries: []*model.AuditEntry{
		{Time: at, MemberID: "m1", MemberName: "ana", Role: model.RoleAdmin, Address: "192.0.2.9",
			Action: "job.set-priority", TargetID: "j1", TargetName: "shot 010", Detail: "priority 50 → 80"},
		{Time: at.Add(-time.Minute), Action: "member.approve", TargetID: "m2", Detail: "pending → approved as worker"},
	}}
	var out bytes.Buffer
	if err := printAudit(&out, page, time.FixedZone("CET", 3600)); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"TIME                 WHO          ADDRESS    ACTION            TARGET    DETAIL",
		"2025-03-01 13:30:05  ana (admin)  192.0.2.9  job.set-priority  shot 010  priority 50 → 80",
		"2025-03-01 13:29:05  the manager  -          member.approve    m2        pending → approved as worker",
		"Older entries: farmhand audit --before 00aa",
		"",
	}, "\n")
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	out.Reset()
	if err := printAudit(&out, &wire.AuditPage{}, time.UTC); err != nil || out.String() != "The audit log is empty.\n" {
		t.Errorf("an empty log printed %q (%v)", out.String(), err)
	}
}

// 'farmhand audit' reads a real manager's log over HTTP on 127.0.0.1: the
// newest entries as a table, or as JSON with the cursor of the older ones.
func TestAuditCommandReadsTheManager(t *testing.T) {
	f := newAPIFarm(t)
	m := f.m
	for i := range 3 { // max_task_failures 3 → 4 → 5 → 6
		threshold := i + 4
		if _, err := m.UpdateSettingsBy(manager.Actor{MemberID: "m-ana", Name: "ana", Role: model.RoleAdmin,
			Admin: true, Address: "192.0.2.9"}, model.SettingsPatch{MaxTaskFailures: &threshold}); err != nil {
			t.Fatal(err)
		}
	}
	flags := append(f.flags(t), "--limit", "2")

	e, out := backupEnv()
	if err := runAudit(e, flags); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], "ana (admin)  192.0.2.9  settings.update  -       max_task_failures 5 → 6") ||
		!strings.Contains(lines[2], "max_task_failures 4 → 5") || !strings.HasPrefix(lines[3], "Older entries: farmhand audit --before ") {
		t.Fatalf("printed:\n%s", out)
	}

	e, out = backupEnv()
	if err := runAudit(e, append(flags, "--json", "--before", strings.TrimPrefix(lines[3], "Older entries: farmhand audit --before "))); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var page wire.AuditPage
	if err := json.Unmarshal(out.Bytes(), &page); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(page.Entries) != 1 || page.Entries[0].Detail != "max_task_failures 3 → 4" || page.Next != "" {
		t.Fatalf("the older page: %s", out)
	}
}
