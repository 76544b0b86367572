// Package upgrade is how a farm's workers take a newer Farmhand from their
// manager: the manager lists the binaries it can hand out (Catalog), and a
// worker downloads the one for its platform next to its own executable,
// checks its SHA-256 (Stage), puts it in place atomically (Commit) and starts
// it (Exec, or the restart exit code where a process cannot replace itself).
// It imports neither the API nor the GUI: the manager's API and the worker
// runner both use it.
package upgrade

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// VersionSymbol is the variable `go build -ldflags "-X VersionSymbol=V"` sets
// to Farmhand's version (the Makefile and packaging/package.sh do): the
// catalog reads a binary's version from those flags, as Go records them in
// the binary's build information.
const VersionSymbol = "farmhand/app.Version"

// ErrNoBinary is the error of a manager that has no binary for the platform asked for.
var ErrNoBinary = errors.New("no binary for this platform")

// ErrHashMismatch is the error of a downloaded binary whose SHA-256 is not
// what the manager's list says; the executable was left as it was.
var ErrHashMismatch = errors.New("the downloaded binary does not match its SHA-256")

// Binary is one executable a manager hands out.
type Binary struct {
	OS, Arch string // Go's GOOS and GOARCH: "linux", "amd64"
	Version  string // Farmhand's version, as -X VersionSymbol set it
	SHA256   string // lower-case hex of the file's SHA-256
	Size     int64  // bytes
	Path     string // where the manager reads it
}

// Platform is "os-arch", as the API's binary paths name it: "linux-amd64".
func (b Binary) Platform() string { return b.OS + "-" + b.Arch }

// FileName is the name a binary for goos/goarch has in a binaries folder:
// farmhand-<os>-<arch>, with .exe for Windows.
func FileName(goos, goarch string) string {
	name := "farmhand-" + goos + "-" + goarch
	if goos == "windows" {
		name += ".exe"
	}
	return name
}

// Executable is the running program's file, symbolic links resolved (the
// file an upgrade replaces, not a link to it). Errors: the OS cannot say.
func Executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding this program's executable: %w", err)
	}
	real, err := filepath.EvalSymlinks(exe)
	if err != nil {
		return "", fmt.Errorf("resolving this program's executable %s: %w", exe, err)
	}
	return real, nil
}

// CanExec reports whether this platform can replace the running process with
// a new program (Exec): every Unix, not Windows, where the upgraded worker
// exits with its restart code for its service manager to start it again.
func CanExec() bool { return runtime.GOOS != "windows" }
