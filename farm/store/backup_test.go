package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"farmhand/farm/model"
)

// writeSchema4 writes a database of schema 4 with one job in dir.
func writeSchema4(t *testing.T, dir string) {
	t.Helper()
	boltUpdate(t, filepath.Join(dir, FileName), func(btx *bolt.Tx) error {
		err := createSchema(btx, 4, bucketJobs, bucketTasks, bucketTaskCommands, bucketWorkers, bucketMembers, bucketTokens)
		if err != nil {
			return err
		}
		return btx.Bucket(bucketJobs).Put([]byte("j1"), mustJSON(map[string]any{"id": "j1", "name": "shot 1", "status": "queued"}))
	})
}

func schemaAt(t *testing.T, path string) int {
	t.Helper()
	v, err := Inspect(path)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Each migration leaves a backup; the automatic ones beyond BackupsKept go,
// oldest first, and other files beside the database stay.
func TestMigrationBackupsKeepTheLastFew(t *testing.T) {
	dir := t.TempDir()
	writeSchema4(t, dir)
	var old []string
	for i := range 4 {
		p := filepath.Join(dir, fmt.Sprintf("%sschema%d-2026010%dT120000.000Z", backupPrefix, 3, i+1))
		old = append(old, p)
		if err := os.WriteFile(p, []byte("old backup"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	kept := filepath.Join(dir, FileName+".before-restore-20250101T000000.000Z")
	writeFile(t, kept, []byte("a person's copy"))

	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	got, err := Backups(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != BackupsKept || !strings.Contains(got[0], ".backup-schema4-") || got[1] != old[3] || got[2] != old[2] {
		t.Fatalf("backups after migrating: %v\nwant the new schema-4 one, then %s and %s", got, old[3], old[2])
	}
	if schemaAt(t, got[0]) != 4 || schemaAt(t, filepath.Join(dir, FileName)) != SchemaVersion {
		t.Error("the backup is not the schema-4 database, or the database was not migrated")
	}
	for _, p := range []string{old[0], old[1]} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("old backup %s kept: %v", p, err)
		}
	}
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("a copy that is no automatic backup was deleted: %v", err)
	}
}

// A new database needs no backup; one of the current schema neither.
func TestNoBackupWithoutMigration(t *testing.T) {
	dir := t.TempDir()
	for range 2 {
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	if b, err := Backups(dir); err != nil || len(b) != 0 {
		t.Errorf("backups: %v, %v; want none", b, err)
	}
}

// When the backup cannot be written the database is not migrated.
func TestFailedBackupRefusesMigration(t *testing.T) {
	dir := t.TempDir()
	writeSchema4(t, dir)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	path := filepath.Join(dir, FileName)
	// A folder where the backup's temporary file goes makes writing it fail.
	squat := fmt.Sprintf("%s.backup-schema4-%s.partial", path, now.Format(backupTime))
	if err := os.Mkdir(squat, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = migrate(db, now)
	db.Close()
	if err == nil || !strings.Contains(err.Error(), "backing up the database before migrating it (nothing was changed)") {
		t.Fatalf("migrate without a possible backup: %v", err)
	}
	if v := schemaAt(t, path); v != 4 {
		t.Errorf("schema %d after the refused migration, want 4", v)
	}
	if b, _ := Backups(dir); len(b) != 0 {
		t.Errorf("backups: %v", b)
	}
}

// Store.Backup copies a consistent state while writers commit: every job in
// the copy has all its tasks, and the copy opens as a farm.
func TestHotBackupIsConsistent(t *testing.T) {
	s := openTemp(t)
	const tasksPerJob = 20
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			putJob(t, s, fmt.Sprintf("job-%d", i), tasksPerJob)
		}
	}()
	// Wait until some jobs are in, so the copy is taken among writes.
	deadline := time.Now().Add(10 * time.Second)
	for jobCount(t, s) < 5 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	var buf bytes.Buffer
	n, err := s.Backup(&buf)
	close(stop)
	wg.Wait()
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup: %d bytes, %v (buffer %d)", n, err, buf.Len())
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, FileName), buf.Bytes())
	copyStore, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer copyStore.Close()
	jobs := 0
	err = copyStore.View(func(tx *Tx) error {
		var tasksErr error
		err := tx.Jobs(func(j *model.Job) bool {
			jobs++
			count := 0
			if tasksErr = tx.Tasks(j.ID, func(*model.Task) bool { count++; return true }); tasksErr != nil {
				return false
			}
			if count != tasksPerJob {
				t.Errorf("job %s has %d tasks in the copy, want %d", j.ID, count, tasksPerJob)
			}
			return true
		})
		return errors.Join(err, tasksErr)
	})
	if err != nil {
		t.Fatal(err)
	}
	if jobs < 5 {
		t.Errorf("the copy has %d jobs, want at least 5", jobs)
	}
	s.Close()
	if _, err := s.Backup(&buf); !errors.Is(err, ErrClosed) {
		t.Errorf("Backup after Close: %v, want ErrClosed", err)
	}
}

func putJob(t *testing.T, s *Store, id string, tasks int) {
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutJob(&model.Job{ID: id, Name: id, Status: model.JobQueued}); err != nil {
			return err
		}
		for i := range tasks {
			enc, err := EncodeNewTask(&model.Task{ID: model.TaskID(id, i), JobID: id, Index: i, Status: model.TaskQueued})
			if err != nil {
				return err
			}
			if err := tx.PutNewTask(enc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrClosed) {
		t.Error(err)
	}
}

func jobCount(t *testing.T, s *Store) int {
	t.Helper()
	n := 0
	if err := s.View(func(tx *Tx) error { return tx.Jobs(func(*model.Job) bool { n++; return true }) }); err != nil {
		t.Fatal(err)
	}
	return n
}

// BackupFile copies a stopped farm's database and refuses a running one's.
func TestBackupFileOffline(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	putJob(t, s, "j", 3)
	var buf bytes.Buffer
	if _, _, err := BackupFile(dir, &buf); !errors.Is(err, ErrInUse) {
		t.Errorf("BackupFile of an open database: %v, want ErrInUse", err)
	}
	s.Close()
	schema, n, err := BackupFile(dir, &buf)
	if err != nil || schema != SchemaVersion || n != int64(buf.Len()) {
		t.Fatalf("BackupFile: schema %d, %d bytes, %v", schema, n, err)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	writeFile(t, copyPath, buf.Bytes())
	if v := schemaAt(t, copyPath); v != SchemaVersion {
		t.Errorf("copy's schema %d", v)
	}
	if _, _, err := BackupFile(t.TempDir(), &buf); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("BackupFile of no database: %v, want ErrNotExist", err)
	}
}
