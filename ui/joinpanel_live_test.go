package ui_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"farmhand/farm/api"
	"farmhand/farm/api/client"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

// startJoinFarm runs a real manager with its API on 127.0.0.1 and returns it
// with an admin's client. The manager itself is for tests whose Join must
// tell requests from several addresses apart (over HTTP every test request
// comes from 127.0.0.1).
func startJoinFarm(t *testing.T) (*manager.Manager, *client.Client) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := manager.Open(manager.Config{DataDir: t.TempDir(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go m.Run(ctx)
	srv := httptest.NewServer(api.New(m, "test", quiet))
	t.Cleanup(func() { cancel(); srv.Close(); m.Close() })
	_, admin, err := m.CreateAdmin("test")
	if err != nil {
		t.Fatal(err)
	}
	return m, client.New(srv.URL).WithToken(admin)
}

// TestJoinPanelGroupsARealFarmsRequestsAndRejectsAnAddress: requests from
// three computers show as three groups, and "Reject all" on one turns down
// that computer's requests on the manager, and only those.
func TestJoinPanelGroupsARealFarmsRequestsAndRejectsAnAddress(t *testing.T) {
	m, cl := startJoinFarm(t)
	ctx := t.Context()
	u := openWindows(t, cl)
	const wait = liveWait
	u.Until(t, "admin rights", wait, u.Admin)

	for _, r := range []manager.JoinRequest{
		{Name: "flood-1", Address: "192.0.2.66"},
		{Name: "render-07", Address: "192.0.2.7", Platform: "linux"},
		{Name: "flood-2", Address: "192.0.2.66"},
		{Name: "lighting-ws-3", Address: "192.0.2.43", Wants: model.RoleArtist},
		{Name: "flood-3", Address: "192.0.2.66"},
	} {
		if _, _, err := m.Join(r); err != nil {
			t.Fatal(err)
		}
	}
	u.Until(t, "the 5 join requests shown", wait, func() bool { return u.PendingJoins() == 5 })
	want := "[[192.0.2.66 flood-1 flood-2 flood-3] [192.0.2.7 render-07] [192.0.2.43 lighting-ws-3]]"
	if got := fmt.Sprint(u.JoinGroups()); got != want {
		t.Fatalf("groups %s\nwant %s", got, want)
	}

	u.RejectAllFrom(t, "192.0.2.66")
	u.Until(t, "the flood rejected", wait, func() bool { return u.PendingJoins() == 2 })
	want = "[[192.0.2.7 render-07] [192.0.2.43 lighting-ws-3]]"
	if got := fmt.Sprint(u.JoinGroups()); got != want {
		t.Fatalf("groups after Reject all %s\nwant %s", got, want)
	}
	rejected, err := cl.Members(ctx, model.MemberRejected)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mb := range rejected {
		names = append(names, mb.Name+"@"+mb.Address)
	}
	if got := fmt.Sprint(names); got != "[flood-1@192.0.2.66 flood-2@192.0.2.66 flood-3@192.0.2.66]" {
		t.Fatalf("rejected on the manager: %s", got)
	}
}
