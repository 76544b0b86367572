package app

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"farmhand/farm/manager"
	"farmhand/farm/model"
)

func openTestManager(t *testing.T) (*manager.Manager, *env) {
	t.Helper()
	m, err := manager.Open(manager.Config{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() }) // the test has its answers by then
	var out bytes.Buffer
	return m, &env{stdout: &out, stderr: &out, log: slog.New(slog.NewTextHandler(&out, nil))}
}

func admins(t *testing.T, m *manager.Manager) []*model.Member {
	t.Helper()
	ms, err := m.Members("")
	if err != nil {
		t.Fatal(err)
	}
	var out []*model.Member
	for _, mb := range ms {
		if mb.Role == model.RoleAdmin {
			out = append(out, mb)
		}
	}
	return out
}

// A data directory the token cannot be written to leaves no admin member
// behind: the file is tried before the member is made.
func TestAdminTokenUnwritableLeavesNoAdmin(t *testing.T) {
	m, e := openTestManager(t)
	missing := filepath.Join(t.TempDir(), "no such folder")
	if err := ensureAdminToken(e, m, missing); err == nil {
		t.Fatal("saving the admin token into a missing folder succeeded")
	}
	if a := admins(t, m); len(a) != 0 {
		t.Fatalf("admins left behind: %+v", a)
	}
}

// When the token file cannot be put in place after the member exists, that
// member is revoked; the next start makes a working admin and its file.
func TestAdminTokenFailedRenameRevokesTheAdmin(t *testing.T) {
	m, e := openTestManager(t)
	data := t.TempDir()
	renameFile = func(string, string) error { return errors.New("disk trouble") }
	err := ensureAdminToken(e, m, data)
	renameFile = os.Rename
	if err == nil || !strings.Contains(err.Error(), "disk trouble") {
		t.Fatalf("err = %v, want the rename's error", err)
	}
	a := admins(t, m)
	if len(a) != 1 || a[0].Status != model.MemberRevoked {
		t.Fatalf("admins after the failure: %+v, want one, revoked", a)
	}
	if left, _ := os.ReadDir(data); len(left) != 0 {
		t.Fatalf("files left in the data folder: %v", left)
	}

	if err := ensureAdminToken(e, m, data); err != nil {
		t.Fatal(err)
	}
	token, err := os.ReadFile(filepath.Join(data, adminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	mb, err := m.Authenticate(strings.TrimSpace(string(token)))
	if err != nil || mb.Role != model.RoleAdmin {
		t.Fatalf("the saved token authenticates as %+v, %v; want an admin", mb, err)
	}
	if fi, err := os.Stat(filepath.Join(data, adminTokenFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, %v; want mode 0600", fi, err)
	}
}
