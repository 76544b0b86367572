package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// backupOf returns the path of a backup of a farm holding jobID.
func backupOf(t *testing.T, jobID string) string {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	putJob(t, s, jobID, 2)
	path := filepath.Join(t.TempDir(), "farm.backup")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Backup(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s.Close()
	return path
}

func hasJob(t *testing.T, dir, id string) bool {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(func(tx *Tx) error { _, err := tx.Job(id); return err })
	return err == nil
}

// Restore puts a backup in place and keeps the database it replaces.
func TestRestoreKeepsTheReplacedDatabase(t *testing.T) {
	backup := backupOf(t, "from-backup")
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	putJob(t, s, "current", 1)
	s.Close()

	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	r, err := Restore(dir, backup, now)
	if err != nil {
		t.Fatal(err)
	}
	wantKept := filepath.Join(dir, FileName+".before-restore-20261201T100000.000Z")
	if r.Schema != SchemaVersion || r.Replaced != wantKept {
		t.Errorf("Restore = %+v, want schema %d, kept %s", r, SchemaVersion, wantKept)
	}
	if !hasJob(t, dir, "from-backup") || hasJob(t, dir, "current") {
		t.Error("the restored database is not the backup")
	}
	kept := t.TempDir()
	raw, err := os.ReadFile(wantKept)
	if err != nil {
		t.Fatalf("the replaced database was not kept: %v", err)
	}
	writeFile(t, filepath.Join(kept, FileName), raw)
	if !hasJob(t, kept, "current") {
		t.Error("the replaced database was not kept whole")
	}
	if _, err := os.Stat(backup); err != nil {
		t.Errorf("the backup file itself is gone: %v", err)
	}
	// Into an empty data directory: nothing to keep.
	empty := t.TempDir()
	if r, err := Restore(empty, backup, now); err != nil || r.Replaced != "" || !hasJob(t, empty, "from-backup") {
		t.Errorf("restore into an empty data directory: %+v, %v", r, err)
	}
}

// Restore refuses while a manager holds the database, and leaves it alone.
func TestRestoreRefusesADatabaseInUse(t *testing.T) {
	backup := backupOf(t, "from-backup")
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	putJob(t, s, "current", 1)
	_, err = Restore(dir, backup, time.Now())
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "stop the manager first") {
		t.Errorf("restore under a running manager: %v, want ErrInUse", err)
	}
	s.Close()
	if !hasJob(t, dir, "current") {
		t.Error("the database in use was changed")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left by the refused restore: %v", entries)
	}
}

// Restore takes only a Farmhand database this build can open.
func TestRestoreChecksTheFile(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	putJob(t, s, "current", 1)
	s.Close()
	other := t.TempDir()

	text := filepath.Join(other, "notes.txt")
	writeFile(t, text, []byte(strings.Repeat("not a database\n", 1000)))
	foreign := filepath.Join(other, "foreign.db")
	boltUpdate(t, foreign, func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("stuff")); return err })
	newer := filepath.Join(other, "newer.db")
	raw, err := os.ReadFile(backupOf(t, "x"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, newer, raw)
	boltUpdate(t, newer, func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte("9")) })

	for _, c := range []struct {
		file string
		want func(error) bool
	}{
		{text, func(err error) bool { return errors.Is(err, ErrNotFarmhand) }},
		{foreign, func(err error) bool { return errors.Is(err, ErrNotFarmhand) }},
		{newer, func(err error) bool {
			var n *NewerSchemaError
			return errors.As(err, &n) && n.Found == 9 && strings.Contains(err.Error(), "written by a newer Farmhand (schema 9)")
		}},
		{filepath.Join(other, "missing.db"), func(err error) bool { return errors.Is(err, os.ErrNotExist) }},
		{filepath.Join(dir, FileName), func(err error) bool { return err != nil && strings.Contains(err.Error(), "it is the database itself") }},
	} {
		_, err := Restore(dir, c.file, time.Now())
		if !c.want(err) {
			t.Errorf("restoring %s: %v", filepath.Base(c.file), err)
		}
		if err != nil && strings.Contains(err.Error(), ".restoring") {
			t.Errorf("the error names the temporary copy: %v", err)
		}
	}
	if !hasJob(t, dir, "current") {
		t.Error("a refused restore changed the database")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left by refused restores: %v", entries)
	}
}

// A copy cut short, as by a download that broke off, is refused, not opened.
func TestRestoreRefusesACopyCutShort(t *testing.T) {
	backup := backupOf(t, "j")
	raw, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(t.TempDir(), "short.db")
	writeFile(t, short, raw[:len(raw)-4096])
	if _, err := Inspect(short); !errors.Is(err, ErrNotFarmhand) || !strings.Contains(err.Error(), "cut short") {
		t.Errorf("Inspect of a copy cut short: %v", err)
	}
	dir := t.TempDir()
	if _, err := Restore(dir, short, time.Now()); !errors.Is(err, ErrNotFarmhand) {
		t.Errorf("Restore of a copy cut short: %v", err)
	}
}
