// Command zipdir writes a zip archive of files and folders for `make package`:
// the Blender add-on zip (the addon/farmhand folder, which Blender's
// "Install…" wants as one top-level folder) and the Windows zip.
//
// Usage: go run ./packaging/zipdir -o OUT.zip PATH...
//
// Each PATH goes into the archive under its base name: a folder with
// everything below it, except Python caches (__pycache__, *.pyc) that a local
// test run may have left behind. Entries are sorted and carry a fixed time,
// so the same inputs give the same bytes. Exit status 1 on any error.
package main

import (
	"archive/zip"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// fixedTime stamps every entry, so that rebuilding an unchanged add-on gives
// an identical zip (reproducible packages).
var fixedTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	out := flag.String("o", "", "the zip file to write")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: zipdir -o OUT.zip PATH...")
		os.Exit(2)
	}
	if err := writeZip(*out, flag.Args()); err != nil {
		fmt.Fprintf(os.Stderr, "zipdir: %v\n", err)
		os.Exit(1)
	}
}

// writeZip writes the archive to a temporary file first and renames it into
// place, so a failed run leaves no half-written zip that looks finished.
func writeZip(out string, paths []string) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".zipdir-*")
	if err != nil {
		return fmt.Errorf("creating %s: %w", out, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	zw := zip.NewWriter(tmp)
	for _, p := range paths {
		if err := addTree(zw, p); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("finishing %s: %w", out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("setting the mode of %s: %w", out, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("moving %s into place: %w", out, err)
	}
	return nil
}

// addTree adds root under its base name; WalkDir visits entries in lexical
// order, which keeps the archive's order stable.
func addTree(zw *zip.Writer, root string) error {
	root = filepath.Clean(root)
	parent := filepath.Dir(root)
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
		if d.Name() == "__pycache__" && d.IsDir() {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(d.Name(), ".pyc") {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: only regular files and folders can be zipped", path)
		}
		rel, err := filepath.Rel(parent, path)
		if err != nil {
			return fmt.Errorf("naming %s in the zip: %w", path, err)
		}
		return addFile(zw, path, filepath.ToSlash(rel))
	})
}

func addFile(zw *zip.Writer, path, name string) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	h, err := zip.FileInfoHeader(info)
	if err != nil {
		return fmt.Errorf("describing %s: %w", path, err)
	}
	h.Name, h.Method, h.Modified = name, zip.Deflate, fixedTime
	w, err := zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("adding %s: %w", name, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	_, err = io.Copy(w, f)
	return errors.Join(err, f.Close())
}
