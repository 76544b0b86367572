//go:build e2e

package app_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"farmhand/farm/model"
	"farmhand/farm/store"
)

// farmhandCmd runs the binary with args and returns its combined output and
// exit code, without failing the test on a non-zero exit.
func farmhandCmd(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(farmhandBinary(t), args...)
	cmd.Env = append(os.Environ(), "FARMHAND_MANAGER=")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

func waitJob(t *testing.T, addr, id string, want model.JobStatus) {
	t.Helper()
	waitFor(t, "job "+id+" "+string(want), time.Minute, func() bool {
		j, err := jobJSON(t, addr, id)
		return err == nil && j.Status == want
	})
}

// Issue 15: 'farmhand backup' copies a stopped farm's database, 'farmhand
// restore' refuses while the manager runs and otherwise puts the copy back,
// keeping the database it replaced; the farm then has the jobs of the backup
// and their logs.
func TestE2EBackupAndRestore(t *testing.T) {
	data, addr := t.TempDir(), freePort(t)
	mgr := startManager(t, data, addr)
	startWorker(t, addr, "render-01")
	kept := submitCLI(t, addr, "in the backup", "frames=1-2", "sleep_seconds=0")
	waitJob(t, addr, kept, model.JobCompleted)
	logBefore := cli(t, addr, "task", kept+".0", "log")

	backup := filepath.Join(t.TempDir(), "farm.backup")
	other := filepath.Join(t.TempDir(), "other.backup")
	if err := os.WriteFile(other, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, code := farmhandCmd(t, "restore", other, "--data", data)
	if code != 1 || !strings.Contains(out, "in use by another Farmhand process (stop the manager first)") {
		t.Errorf("restore under a running manager: exit %d\n%s", code, out)
	}
	mgr.stop(syscall.SIGTERM)

	out, code = farmhandCmd(t, "backup", backup, "--data", data)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("schema %d", store.SchemaVersion)) || !strings.Contains(out, "no manager running") {
		t.Fatalf("backup of a stopped farm: exit %d\n%s", code, out)
	}
	out, code = farmhandCmd(t, "restore", other, "--data", data)
	if code != 1 || !strings.Contains(out, "not a Farmhand database") {
		t.Errorf("restore of a text file: exit %d\n%s", code, out)
	}

	mgr = startManager(t, data, addr)
	lost := submitCLI(t, addr, "after the backup", "frames=1", "sleep_seconds=0")
	waitJob(t, addr, lost, model.JobCompleted)
	mgr.stop(syscall.SIGTERM)

	out, code = farmhandCmd(t, "restore", backup, "--data", data)
	if code != 0 || !strings.Contains(out, "The database it replaced is kept as "+filepath.Join(data, store.FileName+".before-restore-")) {
		t.Fatalf("restore: exit %d\n%s", code, out)
	}
	startManager(t, data, addr)
	if _, err := jobJSON(t, addr, lost); err == nil {
		t.Error("the job submitted after the backup is still there")
	}
	waitJob(t, addr, kept, model.JobCompleted)
	if log := cli(t, addr, "task", kept+".0", "log"); log != logBefore {
		t.Errorf("task log after restoring:\n%s\nwant\n%s", log, logBefore)
	}
}

// Issue 15: a manager started on a database of a newer Farmhand refuses it,
// naming both schema versions, and leaves the file as it was.
func TestE2ENewerDatabaseRefused(t *testing.T) {
	data := t.TempDir()
	path := filepath.Join(data, store.FileName)
	newer := store.SchemaVersion + 1
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("meta"))
		if err != nil {
			return err
		}
		return b.Put([]byte("schema_version"), []byte(strconv.Itoa(newer)))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("writing a schema-%d database: %v", newer, err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p := start(t, "manager", "manager", "--headless", "--data", data, "--listen", freePort(t), "--no-discovery")
	if code := exitCodeOf(t, p, 30*time.Second); code == 0 {
		t.Fatal("the manager ran on a newer database")
	}
	want := fmt.Sprintf("this database was written by a newer Farmhand (schema %d); this Farmhand reads up to schema %d: "+
		"run the newer Farmhand, or restore a backup", newer, store.SchemaVersion)
	if !strings.Contains(p.out.String(), want) {
		t.Errorf("manager said:\n%s\nwant: %s", p.out.String(), want)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("the refused database was changed")
	}
}

// Issue 15: the manager upgrades the data directory a schema-4 build left
// (farm/store/testdata/schema4), backing the database up first; the farm's
// jobs, task logs and members are all there.
func TestE2EUpgradeFromSchema4(t *testing.T) {
	src := filepath.Join("..", "farm", "store", "testdata", "schema4")
	var want struct {
		Jobs []struct {
			ID, Name, Status string
			Tasks            []struct {
				Index int
				Log   string
			}
		}
		Members []struct{ ID, Name string }
	}
	raw, err := os.ReadFile(filepath.Join(src, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatalf("reading the manifest: %v", err)
	}
	data, addr := t.TempDir(), freePort(t)
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "manifest.json" {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil {
			err = os.WriteFile(filepath.Join(data, d.Name()), b, 0o600)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	mgr := startManager(t, data, addr)
	backups, _ := filepath.Glob(filepath.Join(data, store.FileName+".backup-schema4-*"))
	if len(backups) != 1 {
		t.Fatalf("backups in the data directory: %v, want one of schema 4", backups)
	}
	for _, j := range want.Jobs {
		got, err := jobJSON(t, addr, j.ID)
		if err != nil || got.Name != j.Name {
			t.Errorf("job %s (%s) after the upgrade: %+v, %v", j.ID, j.Name, got, err)
			continue
		}
		for _, task := range j.Tasks {
			if task.Log == "" {
				continue
			}
			if log := cli(t, addr, "task", model.TaskID(j.ID, task.Index), "log"); !strings.Contains(log, task.Log) {
				t.Errorf("log of task %d of %s:\n%s\nwant it to hold\n%s", task.Index, j.Name, log, task.Log)
			}
		}
	}
	members := cli(t, addr, "members")
	for _, m := range want.Members {
		if !strings.Contains(members, m.ID) {
			t.Errorf("member %s (%s) missing:\n%s", m.ID, m.Name, members)
		}
	}
	mgr.stop(syscall.SIGTERM)
}
