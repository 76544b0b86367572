package worker

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func run(t *testing.T, cmd Command, params map[string]any) error {
	t.Helper()
	var rec recorder
	return cmd(context.Background(), rec.env(Tools{}), params)
}

func wantError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want one saying %q", err, want)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
	}
	return string(b)
}

func TestCopyFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.txt")
	writeFile(t, src, "frames")
	dest := filepath.Join(dir, "new", "deeper", "dest.txt")
	if err := run(t, copyFileCommand, map[string]any{"src": src, "dest": dest}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, dest); got != "frames" {
		t.Errorf("copied %q", got)
	}

	writeFile(t, dest, "keep me")
	wantError(t, run(t, copyFileCommand, map[string]any{"src": src, "dest": dest}), "parameter dest: "+dest+" already exists")
	if got := readFile(t, dest); got != "keep me" {
		t.Errorf("an existing dest was overwritten: %q", got)
	}
	other := filepath.Join(dir, "other.txt")
	wantError(t, run(t, copyFileCommand, map[string]any{"src": "src.txt", "dest": other}), "parameter src must be an absolute path")
	wantError(t, run(t, copyFileCommand, map[string]any{"src": src, "dest": "rel/x"}), "parameter dest must be an absolute path")
	wantError(t, run(t, copyFileCommand, map[string]any{"src": filepath.Join(dir, "nope"), "dest": other}), "parameter src: ")
	wantError(t, run(t, copyFileCommand, map[string]any{"src": dir, "dest": other}), "is not a regular file")
	wantError(t, run(t, copyFileCommand, map[string]any{"dest": other}), "parameter src is required")
	wantError(t, run(t, copyFileCommand, map[string]any{"src": src}), "parameter dest is required")
}

func TestMoveDirectory(t *testing.T) {
	dir := t.TempDir()
	src, dest := filepath.Join(dir, "render-tmp"), filepath.Join(dir, "out", "render")
	writeFile(t, filepath.Join(src, "f_001.png"), "new")
	if err := run(t, moveDirectoryCommand, map[string]any{"src": src, "dest": dest}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dest, "f_001.png")); got != "new" {
		t.Errorf("moved file holds %q", got)
	}
	if _, err := os.Stat(src); !os.IsNotExist(err) {
		t.Errorf("src still there: %v", err)
	}

	// An existing dest moves aside, named after its modification time; if that
	// name is taken too, a -NNN suffix follows.
	mtime := time.Date(2024, 1, 2, 3, 4, 5, 0, time.Local)
	if err := os.Chtimes(dest, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	aside := dest + "-2024-01-02_030405"
	writeFile(t, filepath.Join(aside, "older.png"), "older")
	writeFile(t, filepath.Join(src, "f_001.png"), "newer")
	if err := run(t, moveDirectoryCommand, map[string]any{"src": src, "dest": dest}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dest, "f_001.png")); got != "newer" {
		t.Errorf("dest holds %q", got)
	}
	if got := readFile(t, filepath.Join(aside+"-001", "f_001.png")); got != "new" {
		t.Errorf("the earlier dest was not kept at %s-001: %q", aside, got)
	}
	if got := readFile(t, filepath.Join(aside, "older.png")); got != "older" {
		t.Errorf("an earlier backup was touched: %q", got)
	}

	wantError(t, run(t, moveDirectoryCommand, map[string]any{"src": filepath.Join(dir, "nope"), "dest": dest}), "parameter src: ")
	wantError(t, run(t, moveDirectoryCommand, map[string]any{"dest": dest}), "parameter src is required")
	wantError(t, run(t, moveDirectoryCommand, map[string]any{"src": dest}), "parameter dest is required")
}

func TestMakeDirectory(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a", "b", "c")
	for range 2 { // the second time it exists already, which is fine
		if err := run(t, makeDirectoryCommand, map[string]any{"path": p}); err != nil {
			t.Fatal(err)
		}
	}
	if info, err := os.Stat(p); err != nil || !info.IsDir() {
		t.Errorf("not a directory: %v", err)
	}
	wantError(t, run(t, makeDirectoryCommand, map[string]any{}), "parameter path is required")
}

func TestDeletePath(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home", "artist")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home) // os.UserHomeDir on Windows

	tree := filepath.Join(home, "renders", "shot1")
	writeFile(t, filepath.Join(tree, "f_001.png"), "x")
	if err := run(t, deletePathCommand, map[string]any{"path": tree}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tree); !os.IsNotExist(err) {
		t.Errorf("still there: %v", err)
	}
	if err := run(t, deletePathCommand, map[string]any{"path": tree}); err != nil {
		t.Errorf("deleting a missing path: %v", err)
	}

	root := string(filepath.Separator)
	if v := filepath.VolumeName(dir); v != "" {
		root = v + root
	}
	wantError(t, run(t, deletePathCommand, map[string]any{"path": root}), "refusing to delete the root directory")
	wantError(t, run(t, deletePathCommand, map[string]any{"path": ""}), "parameter path must not be empty")
	wantError(t, run(t, deletePathCommand, map[string]any{}), "parameter path is required")
	wantError(t, run(t, deletePathCommand, map[string]any{"path": "renders"}), "parameter path must be an absolute path")
	wantError(t, run(t, deletePathCommand, map[string]any{"path": home}), "holds the home directory")
	wantError(t, run(t, deletePathCommand, map[string]any{"path": home + string(filepath.Separator)}), "holds the home directory")
	wantError(t, run(t, deletePathCommand, map[string]any{"path": filepath.Dir(home)}), "holds the home directory")
	if _, err := os.Stat(home); err != nil {
		t.Errorf("the home directory is gone: %v", err)
	}
}
