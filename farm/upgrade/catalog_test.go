package upgrade

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"farmhand/farm/files"
)

// buildHello builds testdata/hello for goos/goarch with the flags a release
// has, as dir/name.
func buildHello(t *testing.T, dir, name, goos, goarch, version string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-ldflags", "-s -w -X "+VersionSymbol+"="+version, "-o", out, "./testdata/hello")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", name, err, b)
	}
	return out
}

func TestCatalogListsItsOwnAndTheFoldersBinaries(t *testing.T) {
	self := filepath.Join(t.TempDir(), "farmhand")
	if err := os.WriteFile(self, []byte("the manager's own program"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir, later := t.TempDir(), t.TempDir()
	win := buildHello(t, dir, "farmhand-windows-amd64.exe", "windows", "amd64", "0.2.0")
	buildHello(t, dir, "farmhand-linux-arm64", "windows", "amd64", "0.2.0") // misnamed: skipped
	buildHello(t, later, "farmhand-windows-amd64.exe", "windows", "amd64", "0.1.0")
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &Catalog{Self: Binary{OS: "linux", Arch: "amd64", Version: "0.1.0", Path: self}, Dirs: []string{dir, later}}
	bins, skipped, err := c.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(bins) != 2 || bins[0].Platform() != "linux-amd64" || bins[1].Platform() != "windows-amd64" {
		t.Fatalf("binaries %+v, want linux-amd64 and windows-amd64", bins)
	}
	wantSum, wantSize, _ := files.HashFile(win)
	if w := bins[1]; w.Version != "0.2.0" || w.SHA256 != wantSum || w.Size != wantSize || w.Path != win {
		t.Errorf("windows binary %+v, want version 0.2.0 from the first folder, SHA-256 %s, %d bytes", w, wantSum, wantSize)
	}
	selfSum, _, _ := files.HashFile(self)
	if s := bins[0]; s.Version != "0.1.0" || s.SHA256 != selfSum || s.Size != int64(len("the manager's own program")) {
		t.Errorf("own binary %+v", s)
	}
	if len(skipped) != 1 || !strings.Contains(skipped[0].Error(), "is built for windows-amd64, not linux-arm64") {
		t.Errorf("skipped %v, want the misnamed file named", skipped)
	}
}

func TestCatalogFolderBinaryWinsOverItsOwnForItsPlatform(t *testing.T) {
	dir := t.TempDir()
	newer := buildHello(t, dir, FileName(runtime.GOOS, runtime.GOARCH), runtime.GOOS, runtime.GOARCH, "0.3.0")
	c := &Catalog{Self: Binary{OS: runtime.GOOS, Arch: runtime.GOARCH, Version: "0.1.0", Path: "/nonexistent"}, Dirs: []string{dir}}
	b, err := c.Find(runtime.GOOS, runtime.GOARCH)
	if err != nil || b.Version != "0.3.0" || b.Path != newer {
		t.Fatalf("found %+v %v, want the folder's 0.3.0", b, err)
	}
	// Rebuilt in place: the cached hash is not used for the new file.
	old := b.SHA256
	buildHello(t, dir, FileName(runtime.GOOS, runtime.GOARCH), runtime.GOOS, runtime.GOARCH, "0.3.1-longer")
	if b, _ = c.Find(runtime.GOOS, runtime.GOARCH); b.SHA256 == old || b.Version != "0.3.1-longer" {
		t.Errorf("after a rebuild %+v, want a new hash and version", b)
	}
	_, err = c.Find("plan9", "386")
	if !errors.Is(err, ErrNoBinary) || !strings.Contains(err.Error(), filepath.Join(dir, "farmhand-plan9-386")) {
		t.Errorf("error %v, want ErrNoBinary naming where a binary would go", err)
	}
}

func TestLdflagsVersion(t *testing.T) {
	for flags, want := range map[string]string{
		"-s -w -X farmhand/app.Version=0.1.0":            "0.1.0",
		`-X "farmhand/app.Version=1.2" -X other.V=9`:     "1.2",
		"-X=farmhand/app.Version=2.0":                    "2.0",
		"-X farmhand/app.VersionSuffix=x":                "",
		"":                                               "",
		"-X farmhand/app.Name=x -X farmhand/app.Version": "",
	} {
		if got := ldflagsVersion(flags); got != want {
			t.Errorf("ldflagsVersion(%q) = %q, want %q", flags, got, want)
		}
	}
}

func TestParseFileName(t *testing.T) {
	for name, want := range map[string]string{
		"farmhand-linux-amd64": "linux-amd64", "farmhand-windows-amd64.exe": "windows-amd64",
		"farmhand-darwin-arm64": "darwin-arm64", "farmhand-windows-amd64": "", "farmhand-linux-amd64.exe": "",
		"farmhand-linux": "", "farmhand": "", "blender-linux-amd64": "",
	} {
		goos, goarch, ok := parseFileName(name)
		if got := goos + "-" + goarch; (ok && got != want) || (!ok && want != "") {
			t.Errorf("parseFileName(%q) = %q %v, want %q", name, got, ok, want)
		}
	}
}
