package store

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"farmhand/farm/model"
)

var updateFixture = flag.Bool("update-fixture", false, "rewrite testdata/schema1.db")

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestJobAndTasksRoundTrip(t *testing.T) {
	s := openTemp(t)
	job := &model.Job{ID: "job-1", Name: "shot 10", Status: model.JobQueued, AllowedActions: []model.JobAction{model.JobCancel}}
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutJob(job); err != nil {
			return err
		}
		for i := range 3 {
			task := &model.Task{ID: model.TaskID(job.ID, i), JobID: job.ID, Index: i, Status: model.TaskQueued,
				Commands: []model.Command{{Name: "echo", Parameters: map[string]any{"message": fmt.Sprint(i)}}}}
			enc, err := EncodeNewTask(task)
			if err != nil {
				return err
			}
			if err := tx.PutNewTask(enc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if job.Seq != 1 {
		t.Errorf("first job got seq %d, want 1", job.Seq)
	}
	if len(job.AllowedActions) != 1 {
		t.Errorf("PutJob changed the caller's derived fields")
	}
	err = s.View(func(tx *Tx) error {
		got, err := tx.Job("job-1")
		if err != nil {
			return err
		}
		if got.Name != "shot 10" || got.AllowedActions != nil {
			t.Errorf("got %+v", got)
		}
		var n int
		if err := tx.Tasks("job-1", func(task *model.Task) bool {
			if task.Index != n {
				t.Errorf("task %d came in position %d", task.Index, n)
			}
			n++
			return true
		}); err != nil {
			return err
		}
		if n != 3 {
			t.Errorf("listed %d tasks, want 3", n)
		}
		task, err := tx.TaskByID("job-1.2")
		if err != nil || task.Index != 2 || task.Commands != nil {
			t.Errorf("TaskByID(job-1.2) = %+v, %v (commands are stored apart)", task, err)
		}
		cmds, err := tx.TaskCommands("job-1", 2)
		if err != nil || len(cmds) != 1 || cmds[0].Parameters["message"] != "2" {
			t.Errorf("TaskCommands = %v, %v", cmds, err)
		}
		for _, bad := range []string{"job-1", "job-1.", "job-1.x", "job-1.-1", "job-1.02", ".1", "job-1.7"} {
			if _, err := tx.TaskByID(bad); !errors.Is(err, ErrNotFound) {
				t.Errorf("TaskByID(%q): %v, want ErrNotFound", bad, err)
			}
		}
		if _, err := tx.Job("nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing job: %v, want ErrNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.DeleteJob("job-1") }); err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error {
		if _, err := tx.TaskByID("job-1.1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("task of deleted job still found: %v", err)
		}
		if _, err := tx.TaskCommands("job-1", 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("commands of deleted job still found: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A failing writer must not take the writers that shared its transaction down
// with it, and must leave nothing behind.
func TestFailingWriterRollsBackAlone(t *testing.T) {
	s := openTemp(t)
	boom := errors.New("boom")
	var wg sync.WaitGroup
	var mu sync.Mutex
	hooks := 0
	errs := make([]error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Update(func(tx *Tx) error {
				if err := tx.PutWorker(&model.Worker{ID: fmt.Sprintf("w%02d", i)}); err != nil {
					return err
				}
				tx.OnCommit(func() { mu.Lock(); hooks++; mu.Unlock() })
				if i%10 == 0 {
					return boom
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i%10 == 0) != errors.Is(err, boom) {
			t.Errorf("writer %d: err %v", i, err)
		}
	}
	if hooks != 36 {
		t.Errorf("%d commit hooks ran, want 36", hooks)
	}
	n := 0
	err := s.View(func(tx *Tx) error {
		return tx.Workers(func(w *model.Worker) bool {
			var i int
			if _, err := fmt.Sscanf(w.ID, "w%d", &i); err != nil {
				t.Errorf("worker %q is none the writers stored: %v", w.ID, err)
			} else if i%10 == 0 {
				t.Errorf("failed writer's worker %s was stored", w.ID)
			}
			n++
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 36 {
		t.Errorf("%d workers stored, want 36", n)
	}
}

func TestTokensFindTheirMember(t *testing.T) {
	s := openTemp(t)
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutMember(&model.Member{ID: "m1", Name: "box", Role: model.RoleWorker, Status: model.MemberApproved}); err != nil {
			return err
		}
		if err := tx.SetToken("m1", "old"); err != nil {
			return err
		}
		return tx.SetToken("m1", "secret") // replaces the old one
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error {
		if id := tx.TokenMember(TokenHash("secret")); id != "m1" {
			t.Errorf("token found %q", id)
		}
		if id := tx.TokenMember(TokenHash("old")); id != "" {
			t.Errorf("replaced token still finds %q", id)
		}
		if m, err := tx.Member("m1"); err != nil || m.Name != "box" {
			t.Errorf("member %+v %v", m, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(func(tx *Tx) error { return tx.DropTokens("m1") }); err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error {
		if id := tx.TokenMember(TokenHash("secret")); id != "" {
			t.Errorf("dropped token still finds %q", id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Schema 3 kept worker tokens by worker id; schema 4 makes those workers
// members whose tokens still work.
func TestMigrateWorkerTokensToMembers(t *testing.T) {
	dir := t.TempDir()
	boltUpdate(t, filepath.Join(dir, FileName), func(btx *bolt.Tx) error {
		err := createSchema(btx, 3, bucketJobs, bucketTasks, bucketTaskCommands, bucketWorkers, bucketWorkerTokens)
		if err != nil {
			return err
		}
		err = btx.Bucket(bucketWorkers).Put([]byte("w1"),
			mustJSON(map[string]any{"id": "w1", "name": "render-01", "platform": "linux", "status": "offline"}))
		if err != nil {
			return err
		}
		return btx.Bucket(bucketWorkerTokens).Put([]byte("w1"), TokenHash("w1-secret"))
	})
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(func(tx *Tx) error {
		if id := tx.TokenMember(TokenHash("w1-secret")); id != "w1" {
			t.Errorf("old worker token finds %q", id)
		}
		m, err := tx.Member("w1")
		if err != nil || m.Role != model.RoleWorker || m.Status != model.MemberApproved || m.Name != "render-01" {
			t.Errorf("member %+v %v", m, err)
		}
		if tx.btx.Bucket(bucketWorkerTokens) != nil {
			t.Error("worker_tokens survived")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A database from a newer Farmhand is refused with a message naming both
// schema versions, and left as it was: not migrated, not backed up (issue 15).
func TestOpenRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	newer := SchemaVersion + 1
	boltUpdate(t, path, func(btx *bolt.Tx) error { return createSchema(btx, newer) })
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(dir)
	want := "opening " + path + ": this database was written by a newer Farmhand (schema " + strconv.Itoa(newer) + "); " +
		"this Farmhand reads up to schema " + strconv.Itoa(SchemaVersion) + ": run the newer Farmhand, or restore a backup"
	if err == nil || err.Error() != want {
		t.Fatalf("Open of a schema-%d database: %v\nwant: %s", newer, err, want)
	}
	var refused *NewerSchemaError
	if !errors.As(err, &refused) || refused.Found != newer || refused.Known != SchemaVersion {
		t.Errorf("error %#v is no *NewerSchemaError{%d, %d}", err, newer, SchemaVersion)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(before) {
		t.Error("the refused database was changed")
	}
	if b, _ := Backups(dir); len(b) != 0 {
		t.Errorf("backups of a refused database: %v", b)
	}
}

func TestSecondOpenFailsClearly(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(dir); err == nil {
		t.Fatal("two stores opened one file")
	}
}

// TestMigrateFromSchema1 opens a database written by schema 1 (committed in
// testdata) and checks that the job counters were computed from its tasks.
func TestMigrateFromSchema1(t *testing.T) {
	fixture := filepath.Join("testdata", "schema1.db")
	if *updateFixture {
		writeSchema1Fixture(t, fixture)
	}
	raw, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if b, err := Backups(dir); err != nil || len(b) != 1 || !strings.Contains(b[0], FileName+".backup-schema1-") {
		t.Errorf("backups before migrating schema 1: %v, %v; want one", b, err)
	}
	err = s.View(func(tx *Tx) error {
		if v := string(tx.btx.Bucket(bucketMeta).Get(keySchemaVersion)); v != strconv.Itoa(SchemaVersion) {
			t.Errorf("schema version %q after migration, want %d", v, SchemaVersion)
		}
		// Schema 5: the settings a farm had (flags' defaults) are stored.
		if set, err := tx.Settings(); err != nil || set.TaskTimeout.D() != model.DefaultTaskTimeout || set.Version != model.SettingsVersion {
			t.Errorf("settings after migration: %+v, %v", set, err)
		}
		j, err := tx.Job("job-old")
		if err != nil {
			return err
		}
		want := map[model.TaskStatus]int{model.TaskCompleted: 2, model.TaskQueued: 1}
		if j.TaskCount != 3 || fmt.Sprint(j.TaskCounts) != fmt.Sprint(want) {
			t.Errorf("counts %d %v, want 3 %v", j.TaskCount, j.TaskCounts, want)
		}
		if j.StepsTotal != 4 || j.StepsCompleted != 2 {
			t.Errorf("steps %d/%d, want 2/4", j.StepsCompleted, j.StepsTotal)
		}
		// Schema 3: ids carry job and index, commands live apart.
		task, err := tx.TaskByID("job-old.2")
		if err != nil || task.Name != "echo-2" || task.Commands != nil {
			t.Errorf("task after migration: %+v, %v", task, err)
		}
		cmds, err := tx.TaskCommands("job-old", 2)
		if err != nil || len(cmds) != 2 || cmds[1].Name != "sleep" {
			t.Errorf("commands after migration: %v, %v", cmds, err)
		}
		if tx.btx.Bucket(bucketTaskIDs) != nil {
			t.Error("task_ids bucket survived the migration")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// writeSchema1Fixture writes what a schema-1 Farmhand stored: jobs without
// counters. Run with -update-fixture only when the fixture has to change.
func writeSchema1Fixture(t *testing.T, path string) {
	os.Remove(path)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	created := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	err = db.Update(func(tx *bolt.Tx) error {
		if err := createSchema(tx, 1, bucketJobs, bucketTasks, bucketTaskIDs, bucketWorkers); err != nil {
			return err
		}
		tasks, ids := tx.Bucket(bucketTasks), tx.Bucket(bucketTaskIDs)
		oldJob := map[string]any{"id": "job-old", "name": "old job", "type": "echo-sleep-test", "priority": 50,
			"status": "active", "created": created, "updated": created, "seq": 1}
		if err := tx.Bucket(bucketJobs).Put([]byte("job-old"), mustJSON(oldJob)); err != nil {
			return err
		}
		statuses := []string{"completed", "completed", "queued"}
		for i, st := range statuses {
			steps := 1
			cmds := []map[string]any{{"name": "echo", "parameters": map[string]any{"message": "hi"}}}
			if i == 2 {
				cmds = append(cmds, map[string]any{"name": "sleep", "parameters": map[string]any{"duration_in_seconds": 1}})
				steps = 2
			}
			done := 0
			if st == "completed" {
				done = steps
			}
			task := map[string]any{"id": fmt.Sprintf("old-%d", i), "job_id": "job-old", "index": i, "name": fmt.Sprintf("echo-%d", i),
				"type": "misc", "priority": 50, "status": st, "commands": cmds, "steps_completed": done,
				"created": created, "updated": created}
			k := taskKey("job-old", i)
			if err := tasks.Put(k, mustJSON(task)); err != nil {
				return err
			}
			if err := ids.Put([]byte(task["id"].(string)), k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// createSchema creates the meta bucket holding schema version schema, and the
// empty buckets named, as a Farmhand of that schema would have; errors are
// bbolt's, naming the bucket.
func createSchema(btx *bolt.Tx, schema int, buckets ...[]byte) error {
	meta, err := btx.CreateBucket(bucketMeta)
	if err != nil {
		return fmt.Errorf("creating bucket %s: %w", bucketMeta, err)
	}
	if err := meta.Put(keySchemaVersion, []byte(strconv.Itoa(schema))); err != nil {
		return fmt.Errorf("writing schema version: %w", err)
	}
	for _, b := range buckets {
		if _, err := btx.CreateBucket(b); err != nil {
			return fmt.Errorf("creating bucket %s: %w", b, err)
		}
	}
	return nil
}

// boltUpdate runs fn in one write transaction on the bbolt file at path
// (created when missing) and closes it, failing the test at once on an error.
func boltUpdate(t *testing.T, path string, fn func(*bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(fn)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
}

// writeFile writes data to path, failing the test at once if it cannot.
func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
