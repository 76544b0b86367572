package upgrade

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func binaryOf(content []byte) Binary {
	sum := sha256.Sum256(content)
	return Binary{OS: "linux", Arch: "amd64", Version: "2", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(content))}
}

// oldExe writes the "running" program into a folder of its own.
func oldExe(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "farmhand")
	if err := os.WriteFile(exe, []byte("old program"), 0o755); err != nil {
		t.Fatal(err)
	}
	return exe
}

// onlyFile fails unless dir holds exactly the file name: no staged leftovers.
func onlyFile(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != name {
		t.Errorf("folder holds %v, want only %s", names, name)
	}
}

func TestReplacePutsTheNewBinaryInPlace(t *testing.T) {
	exe := oldExe(t)
	content := []byte("new program, version 2")
	if err := Replace(exe, bytes.NewReader(content), binaryOf(content)); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(exe)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("exe holds %q (%v), want %q", got, err, content)
	}
	if st, _ := os.Stat(exe); st.Mode().Perm() != 0o755 {
		t.Errorf("mode %v, want 0755", st.Mode().Perm())
	}
	onlyFile(t, filepath.Dir(exe), "farmhand")
}

func TestReplaceWithABadHashLeavesTheOldBinary(t *testing.T) {
	exe := oldExe(t)
	want := binaryOf([]byte("the program the manager lists"))
	tampered := []byte("the program the manager lisTs") // the same size
	err := Replace(exe, bytes.NewReader(tampered), want)
	if !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("error %v, want ErrHashMismatch", err)
	}
	if got, _ := os.ReadFile(exe); string(got) != "old program" {
		t.Errorf("exe holds %q after a refused upgrade, want the old program", got)
	}
	onlyFile(t, filepath.Dir(exe), "farmhand")
}

func TestReplaceWithAShortDownloadLeavesTheOldBinary(t *testing.T) {
	exe := oldExe(t)
	content := []byte("new program, version 2")
	err := Replace(exe, bytes.NewReader(content[:5]), binaryOf(content))
	if err == nil || !strings.Contains(err.Error(), "5 of 22 bytes") {
		t.Fatalf("error %v, want it to say how much arrived", err)
	}
	if got, _ := os.ReadFile(exe); string(got) != "old program" {
		t.Errorf("exe holds %q, want the old program", got)
	}
	onlyFile(t, filepath.Dir(exe), "farmhand")
}

// brokenReader gives n bytes, then fails as a dropped connection does.
type brokenReader struct {
	r io.Reader
	n int
}

func (b *brokenReader) Read(p []byte) (int, error) {
	if b.n == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	p = p[:min(len(p), b.n)]
	n, err := b.r.Read(p)
	b.n -= n
	return n, err
}

func TestStageResumesABrokenDownloadWhereItStopped(t *testing.T) {
	exe := oldExe(t)
	content := []byte("0123456789abcdefghij")
	var offsets []int64
	open := func(_ context.Context, offset int64) (io.ReadCloser, error) {
		offsets = append(offsets, offset)
		return io.NopCloser(&brokenReader{r: bytes.NewReader(content[offset:]), n: 8}), nil
	}
	staged, err := Stage(context.Background(), exe, binaryOf(content), open)
	if err != nil {
		t.Fatal(err)
	}
	if len(offsets) != 3 || offsets[1] != 8 || offsets[2] != 16 {
		t.Errorf("opened at %v, want 0, 8, 16", offsets)
	}
	if err := Commit(staged, exe); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(exe); !bytes.Equal(got, content) {
		t.Errorf("exe holds %q, want %q", got, content)
	}
}

// The Windows way (move the running program aside, then rename the new one
// in) works on any platform, so it is tested here too.
func TestCommitAsideKeepsTheOldBinaryBeside(t *testing.T) {
	exe := oldExe(t)
	content := []byte("new program")
	for round := range 2 { // a second upgrade replaces the first one's leftover
		staged, err := Stage(context.Background(), exe, binaryOf(content), func(context.Context, int64) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(content)), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := commitAside(staged, exe); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	if got, _ := os.ReadFile(exe); !bytes.Equal(got, content) {
		t.Errorf("exe holds %q, want %q", got, content)
	}
	if got, _ := os.ReadFile(exe + ".old"); !bytes.Equal(got, content) {
		t.Errorf("the set-aside binary holds %q, want the first upgrade's", got)
	}
}

func TestCommitAsidePutsTheOldBinaryBackWhenTheNewOneCannotGoInPlace(t *testing.T) {
	exe := oldExe(t)
	err := commitAside(filepath.Join(filepath.Dir(exe), "missing"), exe)
	if err == nil || !strings.Contains(err.Error(), "the old one is back") {
		t.Fatalf("error %v, want it to say the old binary is back", err)
	}
	if got, _ := os.ReadFile(exe); string(got) != "old program" {
		t.Errorf("exe holds %q, want the old program", got)
	}
}
