package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestZipHasTheFolderUnderItsNameWithoutPythonCaches(t *testing.T) {
	src := filepath.Join(t.TempDir(), "farmhand")
	write(t, filepath.Join(src, "__init__.py"), "bl_info = {}\n")
	write(t, filepath.Join(src, "sub", "util.py"), "x = 1\n")
	write(t, filepath.Join(src, "__pycache__", "__init__.cpython-311.pyc"), "cache")
	write(t, filepath.Join(src, "stray.pyc"), "cache")
	extra := filepath.Join(t.TempDir(), "README.txt")
	write(t, extra, "read me\n")

	out := filepath.Join(t.TempDir(), "addon.zip")
	if err := writeZip(out, []string{src, extra}); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(fixedTime) {
			t.Errorf("%s stamped %v, want %v", f.Name, f.Modified, fixedTime)
		}
	}
	zr.Close()
	want := []string{"farmhand/__init__.py", "farmhand/sub/util.py", "README.txt"}
	if !slices.Equal(names, want) {
		t.Errorf("entries %v, want %v", names, want)
	}

	// The same inputs give the same bytes.
	again := filepath.Join(t.TempDir(), "addon.zip")
	if err := writeZip(again, []string{src, extra}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Error("zipping the same folder twice gave different bytes")
	}
}

func TestZipRefusesWhatItCannotStoreAndLeavesNoFile(t *testing.T) {
	src := filepath.Join(t.TempDir(), "farmhand")
	write(t, filepath.Join(src, "a.py"), "")
	if err := os.Symlink("/etc/passwd", filepath.Join(src, "link.py")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "addon.zip")
	if err := writeZip(out, []string{src}); err == nil {
		t.Error("a symlink was zipped")
	}
	if err := writeZip(out, []string{filepath.Join(src, "missing")}); err == nil {
		t.Error("a missing folder was zipped")
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 0 {
		t.Errorf("failed runs left %v", entries)
	}
}
