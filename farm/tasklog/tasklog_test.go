package tasklog

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"farmhand/farm/model"
)

func open(t *testing.T, dir string) *Logs {
	t.Helper()
	l, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestAppendTailAndRemove(t *testing.T) {
	l := open(t, t.TempDir())
	task := model.TaskID("j", 0)
	if got, err := l.Tail("j", task, 5); err != nil || got != "" {
		t.Fatalf("tail of missing log: %q %v", got, err)
	}
	for i := range 3000 {
		l.Append("j", task, fmt.Sprintf("line %d", i))
		if i%700 == 0 {
			l.Sync() // several chunks, not one
		}
	}
	got, err := l.Tail("j", task, 3)
	if err != nil || got != "line 2997\nline 2998\nline 2999\n" {
		t.Fatalf("tail = %q, %v", got, err)
	}
	got, _ = l.Tail("j", task, 10000)
	if strings.Count(got, "\n") != 3000 || !strings.HasPrefix(got, "line 0\n") {
		t.Fatalf("tail of more lines than the log has: %d lines", strings.Count(got, "\n"))
	}
	r, _ := l.Open("j", task)
	all, _ := io.ReadAll(r)
	r.Close()
	if string(all) != got {
		t.Fatal("full log differs from a tail of all lines")
	}
	if err := l.RemoveJob("j"); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.Tail("j", task, 3); got != "" {
		t.Fatalf("log survived removal: %q", got)
	}
}

// Tasks of one job do not see each other's lines, whatever their indexes.
func TestTasksAreApart(t *testing.T) {
	l := open(t, t.TempDir())
	for round := range 3 {
		for i := range 300 {
			l.Append("j", model.TaskID("j", i), fmt.Sprintf("task %d round %d", i, round))
		}
		l.Sync()
	}
	for _, i := range []int{0, 1, 255, 256, 299} {
		got, err := l.Tail("j", model.TaskID("j", i), 10)
		want := fmt.Sprintf("task %d round 0\ntask %d round 1\ntask %d round 2\n", i, i, i)
		if err != nil || got != want {
			t.Fatalf("task %d: %q %v", i, got, err)
		}
	}
	if got, _ := l.Tail("j", model.TaskID("j", 300), 10); got != "" {
		t.Fatalf("a task past the last has lines: %q", got)
	}
	if _, err := l.Tail("j", "not-a-task-id", 1); err == nil {
		t.Fatal("malformed task id read")
	}
}

func TestCloseWritesWhatIsQueued(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Append("j", "j.0", "last words")
	l.Close()
	l.Append("j", "j.0", "after close") // ignored, not a panic
	got, _ := open(t, dir).Tail("j", "j.0", 5)
	if got != "last words\n" {
		t.Fatalf("%q", got)
	}
}

func TestDamagedFileIsSetAside(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("this is not a bbolt file, but it is long enough to be read as one......"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := open(t, dir)
	l.Append("j", "j.0", "fresh start")
	if got, _ := l.Tail("j", "j.0", 1); got != "fresh start\n" {
		t.Fatalf("%q", got)
	}
	aside, _ := filepath.Glob(filepath.Join(dir, FileName+".damaged-*"))
	if len(aside) != 1 {
		t.Fatalf("damaged file not kept aside: %v", aside)
	}
}

// Appends racing with Close never panic (a send on the closed wake channel
// did), and what was appended before Close is kept.
func TestAppendRacingCloseNeverPanics(t *testing.T) {
	for range 50 {
		dir := t.TempDir()
		l, err := Open(dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 100 {
					l.Append("job", fmt.Sprintf("job.%d", g), fmt.Sprint("line ", i))
				}
			}()
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
	}
}
