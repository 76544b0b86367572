package addon

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The zip holds every .py file of the add-on's folder and the manifest, each
// byte for byte, under farmhand/, and nothing else.
func TestZipHoldsTheAddonFolder(t *testing.T) {
	data, err := Zip()
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	want, err := filepath.Glob(filepath.Join(Folder, "*.py"))
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, filepath.Join(Folder, "blender_manifest.toml"))
	var got []string
	for _, f := range zr.File {
		got = append(got, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		inZip, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		onDisk, err := os.ReadFile(filepath.FromSlash(f.Name))
		if err != nil {
			t.Fatalf("%s is in the zip but not in the folder: %v", f.Name, err)
		}
		if !bytes.Equal(inZip, onDisk) {
			t.Errorf("%s differs from the file in the folder", f.Name)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the zip holds %v, want %v", got, want)
	}
	if !slices.Contains(got, "farmhand/__init__.py") {
		t.Errorf("the zip lacks farmhand/__init__.py: %v", got)
	}
	again, _ := Zip()
	if !bytes.Equal(again, data) {
		t.Error("a second call gave other bytes")
	}
}
