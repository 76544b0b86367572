package ui_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// hasAuditRow reports whether the Settings view lists an entry whose texts
// contain each of parts.
func hasAuditRow(rows []string, parts ...string) bool {
	return slices.ContainsFunc(rows, func(r string) bool {
		for _, p := range parts {
			if !strings.Contains(r, p) {
				return false
			}
		}
		return true
	})
}

// An admin's Settings view lists the audit log, newest first: what was done
// before it opened, then what its Refresh button and reopening the tab fetch.
func TestSettingsViewShowsTheAuditLog(t *testing.T) {
	cl := startFarm(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := cl.UpdateConfig(ctx, wire.ConfigUpdate{MaxTaskFailures: ptr(7)}); err != nil {
		t.Fatal(err)
	}
	u := openSettings(t, ctx, cl, true)
	u.Until(t, "the audit entry of the settings change", settingsWait, func() bool {
		return hasAuditRow(u.AuditRows(), "| test (admin) from 127.0.0.1 · settings.update · max_task_failures 3 → 7")
	})
	if !u.AuditVisible() || u.AuditNote() != "" {
		t.Errorf("section visible %v, note %q", u.AuditVisible(), u.AuditNote())
	}

	if _, err := cl.JoinCode(ctx, true); err != nil {
		t.Fatal(err)
	}
	u.RefreshAudit()
	u.Until(t, "the renewal, after Refresh", settingsWait, func() bool {
		rows := u.AuditRows()
		return len(rows) == 2 && strings.Contains(rows[0], "· joincode.renew · the old code stops working")
	})

	if _, err := cl.UpdateConfig(ctx, wire.ConfigUpdate{BlocklistThreshold: ptr(5)}); err != nil {
		t.Fatal(err)
	}
	u.SelectTab(0)
	u.SelectTab(3)
	u.Until(t, "the new change, after opening Settings again", settingsWait, func() bool {
		rows := u.AuditRows()
		return len(rows) == 3 && strings.Contains(rows[0], "· settings.update · blocklist_threshold 3 → 5")
	})
}

// Artists see no audit log, and the window does not ask for it.
func TestSettingsViewHidesTheAuditLogFromArtists(t *testing.T) {
	admin := startFarm(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	joined, err := admin.WithToken("").Join(ctx, wire.JoinRequest{Name: "artist", Platform: "linux", Wants: model.RoleArtist})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Approve(ctx, joined.Member.ID, model.RoleArtist); err != nil {
		t.Fatal(err)
	}
	u := openSettings(t, ctx, admin.WithToken(joined.Token), false)
	u.Until(t, "who this window is", settingsWait, u.MeKnown)
	u.RefreshAudit()
	if u.AuditVisible() || len(u.AuditRows()) != 0 {
		t.Errorf("an artist sees the audit log: visible %v, rows %v", u.AuditVisible(), u.AuditRows())
	}
	if n := u.AuditFetches(); n != 0 {
		t.Errorf("the artist's window asked for the log %d times", n)
	}
}
