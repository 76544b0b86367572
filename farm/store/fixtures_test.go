package store_test

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"farmhand/farm/model"
	"farmhand/farm/store"
	"farmhand/farm/tasklog"
)

// manifest is what the build that wrote a fixture reported about its farm
// through its own manager (testdata/mkfixture).
type manifest struct {
	Schema int `json:"schema"`
	Jobs   []struct {
		ID, Name, Type, Status string
		Tasks                  []struct {
			Index             int
			Name, Status, Log string
		}
	} `json:"jobs"`
	Workers []struct{ ID, Name, Platform string }     `json:"workers"`
	Members []struct{ ID, Name, Role, Status string } `json:"members"`
}

// TestMigrateFromEveryEarlierSchema opens the data directory each earlier
// schema's build left (testdata/schemaN, see testdata/README.md) with this
// build, and finds every job, task, task log, worker and member its manager
// reported, after a backup of the untouched database was written (issue 15).
func TestMigrateFromEveryEarlierSchema(t *testing.T) {
	for schema := 2; schema < store.SchemaVersion; schema++ {
		t.Run(fmt.Sprintf("schema%d", schema), func(t *testing.T) {
			src := filepath.Join("testdata", fmt.Sprintf("schema%d", schema))
			var want manifest
			raw, err := os.ReadFile(filepath.Join(src, "manifest.json"))
			if err != nil {
				t.Fatalf("no fixture for schema %d (every earlier schema needs one): %v", schema, err)
			}
			if err := json.Unmarshal(raw, &want); err != nil || want.Schema != schema {
				t.Fatalf("manifest of schema %d: schema %d, %v", schema, want.Schema, err)
			}
			dir := t.TempDir()
			copyTree(t, src, dir)
			before := dumpBolt(t, filepath.Join(dir, store.FileName))

			s, err := store.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			checkBackup(t, dir, schema, before)
			logs, err := tasklog.Open(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkFarm(t, s, logs, &want)
			if _, err := os.Stat(filepath.Join(dir, tasklog.LegacyDir)); !os.IsNotExist(err) {
				t.Errorf("the old text logs were not set aside: %v", err)
			}
			logs.Close()
			s.Close()

			if v, err := store.Inspect(filepath.Join(dir, store.FileName)); err != nil || v != store.SchemaVersion {
				t.Errorf("schema after migrating: %d, %v; want %d", v, err, store.SchemaVersion)
			}
			// Opening the migrated farm again migrates nothing and backs up nothing.
			s, err = store.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			if b, _ := store.Backups(dir); len(b) != 1 {
				t.Errorf("backups after reopening: %v, want the one of the migration", b)
			}
		})
	}
}

// checkBackup finds exactly one backup in dir, of schema, holding what the
// database held before it was migrated.
func checkBackup(t *testing.T, dir string, schema int, before map[string]map[string]string) {
	t.Helper()
	backups, err := store.Backups(dir)
	if err != nil || len(backups) != 1 {
		t.Fatalf("backups: %v, %v; want one", backups, err)
	}
	if !strings.Contains(filepath.Base(backups[0]), fmt.Sprintf(".backup-schema%d-", schema)) {
		t.Errorf("backup %s does not name schema %d", backups[0], schema)
	}
	if v, err := store.Inspect(backups[0]); err != nil || v != schema {
		t.Errorf("backup's schema: %d, %v; want %d", v, err, schema)
	}
	if got := dumpBolt(t, backups[0]); !reflect.DeepEqual(got, before) {
		t.Errorf("the backup differs from the database before migrating")
	}
}

func checkFarm(t *testing.T, s *store.Store, logs *tasklog.Logs, want *manifest) {
	t.Helper()
	err := s.View(func(tx *store.Tx) error {
		for _, wj := range want.Jobs {
			j, err := tx.Job(wj.ID)
			if err != nil {
				return fmt.Errorf("job %s (%s): %w", wj.ID, wj.Name, err)
			}
			if j.Name != wj.Name || j.Type != wj.Type || string(j.Status) != wj.Status || j.TaskCount != len(wj.Tasks) {
				t.Errorf("job %s: %q %s %s with %d tasks, want %q %s %s with %d", j.ID, j.Name, j.Type, j.Status, j.TaskCount,
					wj.Name, wj.Type, wj.Status, len(wj.Tasks))
			}
			var tasks []*model.Task
			if err := tx.Tasks(j.ID, func(t *model.Task) bool { tasks = append(tasks, t); return true }); err != nil {
				return err
			}
			checkStepsRecounted(t, j, tasks)
			if len(tasks) != len(wj.Tasks) {
				t.Errorf("job %s has %d tasks, want %d", j.Name, len(tasks), len(wj.Tasks))
				continue
			}
			for i, wt := range wj.Tasks {
				got := tasks[i]
				if got.Index != wt.Index || got.Name != wt.Name || string(got.Status) != wt.Status || got.ID != model.TaskID(j.ID, wt.Index) {
					t.Errorf("task %d of %s: %s %q %s, want %q %s", i, j.Name, got.ID, got.Name, got.Status, wt.Name, wt.Status)
				}
				if cmds, err := tx.TaskCommands(j.ID, got.Index); err != nil || len(cmds) == 0 {
					t.Errorf("commands of task %s: %v, %v", got.ID, cmds, err)
				}
				if text := readLog(t, logs, j.ID, got.ID); text != wt.Log {
					t.Errorf("log of task %s:\n%q\nwant\n%q", got.ID, text, wt.Log)
				}
			}
		}
		var workers, members []string
		err := tx.Workers(func(w *model.Worker) bool {
			workers = append(workers, w.ID+" "+w.Name+" "+w.Platform)
			return true
		})
		if err != nil {
			return fmt.Errorf("listing workers: %w", err)
		}
		err = tx.Members(func(m *model.Member) bool {
			members = append(members, fmt.Sprint(m.ID, m.Name, m.Role, m.Status))
			return true
		})
		if err != nil {
			return fmt.Errorf("listing members: %w", err)
		}
		var wantWorkers, wantMembers []string
		for _, w := range want.Workers {
			wantWorkers = append(wantWorkers, w.ID+" "+w.Name+" "+w.Platform)
		}
		for _, m := range want.Members {
			wantMembers = append(wantMembers, fmt.Sprint(m.ID, m.Name, m.Role, m.Status))
		}
		sameSet(t, "workers", workers, wantWorkers)
		sameSet(t, "members", members, wantMembers)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readLog(t *testing.T, logs *tasklog.Logs, jobID, taskID string) string {
	r, err := logs.Open(jobID, taskID)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	sort.Strings(got)
	sort.Strings(want)
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n%q\nwant\n%q", what, got, want)
	}
}

// dumpBolt reads every top-level bucket of a bbolt file into maps (Farmhand's
// databases nest no buckets).
func dumpBolt(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]map[string]string{}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			m := map[string]string{}
			out[string(name)] = m
			return b.ForEach(func(k, v []byte) error { m[string(k)] = string(v); return nil })
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// copyTree copies the fixture directory src into dst, leaving out its manifest.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if rel == "manifest.json" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkStepsRecounted checks schema 7's rule on a migrated job: its completed
// steps are those of its completed and running tasks only (schema 6's shot
// 030 counted a failed task's step).
func checkStepsRecounted(t *testing.T, j *model.Job, tasks []*model.Task) {
	t.Helper()
	want := 0
	for _, task := range tasks {
		if task.Status.CountsSteps() {
			want += task.StepsCompleted
		}
	}
	if j.StepsCompleted != want {
		t.Errorf("job %s counts %d completed steps, want %d (its completed and running tasks')", j.Name, j.StepsCompleted, want)
	}
}
