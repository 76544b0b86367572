package app

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"farmhand/farm/api"
	"farmhand/farm/api/client"
	"farmhand/farm/manager"
	"farmhand/farm/model"
)

// apiFarm is a real manager (bbolt in a temporary folder) behind its API on
// 127.0.0.1, with an admin, for the commands' tests; the environment names
// no other farm.
type apiFarm struct {
	m     *manager.Manager
	url   string
	token string         // the admin's
	cl    *client.Client // the admin's
}

func newAPIFarm(t *testing.T) *apiFarm {
	t.Helper()
	for _, k := range []string{"FARMHAND_MANAGER", "FARMHAND_TOKEN", "FARMHAND_FINGERPRINT"} {
		t.Setenv(k, "")
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := manager.Open(manager.Config{DataDir: t.TempDir(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	srv := httptest.NewServer(api.New(m, "test", quiet))
	t.Cleanup(srv.Close)
	_, token, err := m.CreateAdmin("ana")
	if err != nil {
		t.Fatal(err)
	}
	return &apiFarm{m: m, url: srv.URL, token: token, cl: client.New(srv.URL).WithToken(token)}
}

// flags are the command-line flags that reach this farm as its admin.
func (f *apiFarm) flags(t *testing.T) []string {
	return []string{"--manager", f.url, "--token", f.token, "--data", t.TempDir()}
}

// signOnWorker joins a worker member named name to the farm, approves it and
// signs it on (linux, task type misc), as a worker machine would.
func (f *apiFarm) signOnWorker(t *testing.T, name string) *model.Member {
	t.Helper()
	mb, _, err := f.m.Join(manager.JoinRequest{Name: name, Platform: "linux"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.Approve(mb.ID, model.RoleWorker); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.SignOn(mb.ID, manager.WorkerInfo{Name: name, Platform: "linux", Version: "test", TaskTypes: []string{"misc"}}); err != nil {
		t.Fatal(err)
	}
	return mb
}
