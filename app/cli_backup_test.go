package app

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"farmhand/farm/api/wire"
	"farmhand/farm/manager"
	"farmhand/farm/model"
	"farmhand/farm/store"
)

func backupEnv() (*env, *bytes.Buffer) {
	var out bytes.Buffer
	return &env{stdout: &out, stderr: &out, log: slog.New(slog.NewTextHandler(&out, nil))}, &out
}

// farmWithJob opens a farm database in a new data directory holding job id.
func farmWithJob(t *testing.T, id string) (string, *store.Store) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(func(tx *store.Tx) error { return tx.PutJob(&model.Job{ID: id, Name: id}) }); err != nil {
		t.Fatal(err)
	}
	return dir, st
}

func jobIn(t *testing.T, dbFile, id string) bool {
	t.Helper()
	dir := t.TempDir()
	raw, err := os.ReadFile(dbFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, store.FileName), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return st.View(func(tx *store.Tx) error { _, err := tx.Job(id); return err }) == nil
}

// The client side of GET /api/v1/backup, against a handler that serves it as
// the manager's route is to (Store.Backup, admin token, octet-stream).
func TestBackupFromARunningManager(t *testing.T) {
	_, st := farmWithJob(t, "live-job")
	defer st.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path != backupRoute || r.Method != http.MethodGet:
			http.NotFound(w, r)
		case r.Header.Get("Authorization") != "Bearer admin-secret":
			w.WriteHeader(http.StatusForbidden)
			if err := json.NewEncoder(w).Encode(wire.Error{Message: "this needs the admin role"}); err != nil {
				t.Errorf("answering the non-admin: %v", err)
			}
		default:
			w.Header().Set("Content-Type", "application/octet-stream")
			if _, err := st.Backup(w); err != nil {
				t.Errorf("sending the backup: %v", err)
			}
		}
	}))
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "farm backup.db")

	e, out := backupEnv()
	err := runBackup(e, []string{dest, "--manager", srv.URL, "--token", "admin-secret", "--data", t.TempDir()})
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "from the manager at "+srv.URL) || !strings.Contains(out.String(), "farmhand restore '"+dest+"'") {
		t.Errorf("backup printed:\n%s", out)
	}
	if !jobIn(t, dest, "live-job") {
		t.Error("the backup lacks the farm's job")
	}

	e, _ = backupEnv()
	err = runBackup(e, []string{dest + "2", "--manager", srv.URL, "--token", "artist", "--data", t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "this needs the admin role") {
		t.Errorf("backup as a non-admin: %v", err)
	}
	if _, err := os.Stat(dest + "2"); !os.IsNotExist(err) {
		t.Errorf("a refused backup left a file: %v", err)
	}
	old := httptest.NewServer(http.NotFoundHandler())
	defer old.Close()
	err = runBackup(e, []string{dest, "--manager", srv.URL, "--token", "admin-secret", "--data", t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "exists; choose another name, or replace it with --force") {
		t.Errorf("a backup onto an earlier one: %v", err)
	}
	err = runBackup(e, []string{dest, "--force", "--manager", old.URL, "--token", "admin-secret", "--data", t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "it is an older Farmhand") {
		t.Errorf("backup from a manager without the route: %v", err)
	}
	if !jobIn(t, dest, "live-job") {
		t.Error("a failed backup damaged the earlier backup file")
	}
}

// With the manager stopped, backup reads the data directory and restore puts
// the copy back, keeping what it replaces; with the database in use, restore
// refuses.
func TestBackupAndRestoreOffline(t *testing.T) {
	data, st := farmWithJob(t, "first")
	dest := filepath.Join(t.TempDir(), "farm.db")
	e, out := backupEnv()
	if err := runRestore(e, []string{dest, "--data", data}); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("restore of a missing file: %v", err)
	}
	st.Close()
	if err := runBackup(e, []string{dest, "--data", data}); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "no manager running") {
		t.Errorf("backup printed:\n%s", out)
	}
	st, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(func(tx *store.Tx) error { return tx.PutJob(&model.Job{ID: "second", Name: "second"}) }); err != nil {
		t.Fatal(err)
	}
	if err := runRestore(e, []string{dest, "--data", data}); err == nil || !strings.Contains(err.Error(), "stop the manager first") {
		t.Errorf("restore under a running manager: %v", err)
	}
	st.Close()
	out.Reset()
	if err := runRestore(e, []string{dest, "--data", data}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "The database it replaced is kept as "+filepath.Join(data, store.FileName+".before-restore-")) {
		t.Errorf("restore printed:\n%s", out)
	}
	if db := filepath.Join(data, store.FileName); !jobIn(t, db, "first") || jobIn(t, db, "second") {
		t.Error("the restored database is not the backup")
	}
	checkRestoreAudited(t, e, data, dest)
}

// checkRestoreAudited: the manager's next start records the restore in the
// restored farm's audit log, once.
func checkRestoreAudited(t *testing.T, e *env, data, src string) {
	t.Helper()
	for start := range 2 {
		m, err := manager.Open(manager.Config{DataDir: data, Logger: e.log})
		if err != nil {
			t.Fatal(err)
		}
		recordRestore(e, m, data)
		entries, _, err := m.Audit(100, "")
		m.Close()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, a := range entries {
			if a.Action == "database.restore" && strings.Contains(a.Detail, "restored "+src) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("start %d: %d audit entries of the restore, want 1: %+v", start+1, n, entries)
		}
	}
}

// TestBackupNeverTakesALiveDatabase: the fresh-eyes finding — backup --force
// onto the running manager's database lost what the manager wrote after.
// Such destinations, folders and missing folders are refused up front.
func TestBackupNeverTakesALiveDatabase(t *testing.T) {
	data, st := farmWithJob(t, "live")
	db := filepath.Join(data, store.FileName)
	dir := t.TempDir()
	for dest, want := range map[string]string{
		db:                                    "the database of a running manager",
		dir:                                   "is a folder",
		filepath.Join(dir, "nowhere", "x.db"): "does not exist",
	} {
		e, _ := backupEnv()
		err := runBackup(e, []string{dest, "--force", "--data", t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("backup to %s: %v; want %q", dest, err, want)
		}
	}
	e, _ := backupEnv()
	if err := runBackup(e, []string{db, "--force", "--data", data}); err == nil || !strings.Contains(err.Error(), "the farm's database itself") {
		t.Errorf("backup onto the farm's own database: %v", err)
	}
	st.Close()
	if !jobIn(t, db, "live") {
		t.Error("the farm's database lost its job")
	}
}
