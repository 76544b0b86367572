package tasklog

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestAppendTailAndRemove(t *testing.T) {
	l := New(t.TempDir(), nil)
	defer l.Close()
	if got, err := l.Tail("j", "t", 5); err != nil || got != "" {
		t.Fatalf("tail of missing log: %q %v", got, err)
	}
	for i := range 3000 {
		l.Append("j", "t", fmt.Sprintf("line %d", i))
	}
	got, err := l.Tail("j", "t", 3)
	if err != nil || got != "line 2997\nline 2998\nline 2999\n" {
		t.Fatalf("tail = %q, %v", got, err)
	}
	got, _ = l.Tail("j", "t", 10000)
	if strings.Count(got, "\n") != 3000 || !strings.HasPrefix(got, "line 0\n") {
		t.Fatalf("tail of more lines than the log has: %d lines", strings.Count(got, "\n"))
	}
	r, _ := l.Open("j", "t")
	all, _ := io.ReadAll(r)
	r.Close()
	if string(all) != got {
		t.Fatal("full log differs from a tail of all lines")
	}
	if err := l.RemoveJob("j"); err != nil {
		t.Fatal(err)
	}
	if got, _ := l.Tail("j", "t", 3); got != "" {
		t.Fatalf("log survived removal: %q", got)
	}
}

func TestIDsCannotEscape(t *testing.T) {
	l := New(t.TempDir(), nil)
	defer l.Close()
	if p := l.path("../../etc", "passwd"); strings.Contains(p, "..") {
		t.Fatalf("path %s escapes", p)
	}
}

// More tasks than open files: lines still land in the right file, in order,
// and a removed job's queued lines do not bring its directory back.
func TestManyFilesAndRemoval(t *testing.T) {
	l := New(t.TempDir(), nil)
	defer l.Close()
	for round := range 3 {
		for task := range 2 * openFiles {
			l.Append("j", fmt.Sprint("t", task), fmt.Sprintf("round %d", round))
		}
	}
	for task := range 2 * openFiles {
		got, err := l.Tail("j", fmt.Sprint("t", task), 10)
		if err != nil || got != "round 0\nround 1\nround 2\n" {
			t.Fatalf("task %d: %q %v", task, got, err)
		}
	}
	l.Append("gone", "t", "queued before removal")
	if err := l.RemoveJob("gone"); err != nil {
		t.Fatal(err)
	}
	l.Sync()
	if got, _ := l.Tail("gone", "t", 1); got != "" {
		t.Fatalf("removed job's log came back: %q", got)
	}
}

func TestCloseWritesWhatIsQueued(t *testing.T) {
	dir := t.TempDir()
	l := New(dir, nil)
	l.Append("j", "t", "last words")
	l.Close()
	l.Append("j", "t", "after close") // ignored, not a panic
	got, _ := New(dir, nil).Tail("j", "t", 5)
	if got != "last words\n" {
		t.Fatalf("%q", got)
	}
}
