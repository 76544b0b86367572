package tasklog

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"farmhand/farm/model"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readLog(t *testing.T, l *Logs, jobID, taskID string) string {
	t.Helper()
	r, err := l.Open(jobID, taskID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	return string(b)
}

// The text files of the first builds become the tasks' logs, once: a start
// after a crash between the import and moving the folder aside imports
// nothing twice. Files that are no task's log stay in the folder set aside.
func TestLegacyTextLogsImportedOnce(t *testing.T) {
	dir := t.TempDir()
	legacy := filepath.Join(dir, LegacyDir)
	task := model.TaskID("job-a", 2)
	writeFile(t, filepath.Join(legacy, "job-a", task+".log"), "line 1\nline 2\n")
	writeFile(t, filepath.Join(legacy, "job-a", "stray.txt"), "not a log")
	writeFile(t, filepath.Join(legacy, "job-a", model.TaskID("job-b", 0)+".log"), "wrong folder")

	l := open(t, dir)
	if got := readLog(t, l, "job-a", task); got != "line 1\nline 2\n" {
		t.Errorf("imported log %q", got)
	}
	if got := readLog(t, l, "job-b", model.TaskID("job-b", 0)); got != "" {
		t.Errorf("a log in another job's folder was imported: %q", got)
	}
	l.Append("job-a", task, "line 3")
	l.Close()
	matches, _ := filepath.Glob(filepath.Join(dir, LegacyDir+".imported-*", "job-a", "stray.txt"))
	if _, err := os.Stat(legacy); !os.IsNotExist(err) || len(matches) != 1 {
		t.Fatalf("folder not set aside whole: %v, %v", err, matches)
	}

	// As if the move had not happened: the marker stops a second import.
	writeFile(t, filepath.Join(legacy, "job-a", task+".log"), "line 1\nline 2\n")
	l = open(t, dir)
	if got := readLog(t, l, "job-a", task); got != "line 1\nline 2\nline 3\n" {
		t.Errorf("log after a second start: %q", got)
	}
	l.Close()
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketImported) == nil {
			t.Error("no import marker")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
