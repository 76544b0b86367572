package tasklog

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestAppendTailAndRemove(t *testing.T) {
	l := New(t.TempDir())
	if got, err := l.Tail("j", "t", 5); err != nil || got != "" {
		t.Fatalf("tail of missing log: %q %v", got, err)
	}
	for i := range 3000 {
		if err := l.Append("j", "t", fmt.Sprintf("line %d", i)); err != nil {
			t.Fatal(err)
		}
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
	l := New(t.TempDir())
	if p := l.path("../../etc", "passwd"); strings.Contains(p, "..") {
		t.Fatalf("path %s escapes", p)
	}
}
