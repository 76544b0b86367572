// Package pathvars maps file paths between the platforms of a mixed farm with
// two-way path variables, in the sense of Flamenco v3: a variable such as
// `projects` has a value per platform (windows `P:\projects`, linux
// `/mnt/projects`, darwin `/Volumes/projects`, or one value for `all`).
//
// At submission the manager calls Set.RewriteSettings: every setting that is
// an absolute path of the submitter's platform and starts with a variable's
// value for that platform becomes `{name}/rest`. At dispatch it calls
// Set.ExpandCommand: every `{name}` in a task's command parameters becomes
// the value for the worker's platform, and the rest of that path gets the
// worker's separators.
//
// Paths are parsed against an explicit Platform, never with the host's
// path/filepath, so that a Linux manager understands Windows drive letters and
// UNC paths (`\\server\share`, `//server/share`), and the tests cover all
// three platforms from any one of them. Comparisons are by whole path
// components (`/mnt/proj` is no prefix of `/mnt/projects`), case-insensitive
// for windows and darwin values (their usual file systems ignore case; Flamenco
// matches case-insensitively since 3.7) and case-sensitive for linux ones.
package pathvars

import (
	"fmt"
	"runtime"
	"strings"
)

// Platform names an operating system as Go's GOOS does, or All for a
// variable's value that holds on every platform.
type Platform string

// The platforms a variable may have values for.
const (
	Linux   Platform = "linux"
	Windows Platform = "windows"
	Darwin  Platform = "darwin"
	// All is not a platform paths are written on: a variable's value for All
	// is used where it has no value of the platform asked for.
	All Platform = "all"
)

// Platforms lists the platforms paths are written on, in a stable order.
var Platforms = []Platform{Linux, Windows, Darwin}

// ParsePlatform reads a platform name as a submitter or a configuration
// gives it: "linux", "windows", "darwin" or "all", in any case, with
// surrounding spaces ignored. Any other name is an error listing the valid ones.
func ParsePlatform(s string) (Platform, error) {
	p := Platform(strings.ToLower(strings.TrimSpace(s)))
	switch p {
	case Linux, Windows, Darwin, All:
		return p, nil
	}
	return "", fmt.Errorf("unknown platform %q: use linux, windows, darwin or all", s)
}

// HostPlatform is the platform of the computer running this code: its GOOS
// when that is linux, windows or darwin, and linux otherwise, because other
// Unix systems write paths (case-sensitively) as Linux does.
func HostPlatform() Platform {
	switch p := Platform(runtime.GOOS); p {
	case Windows, Darwin:
		return p
	}
	return Linux
}

// foldsCase tells whether paths of p compare case-insensitively: Windows
// (NTFS, SMB shares) and macOS (APFS and HFS+ by default) ignore case, Linux
// file systems do not.
func (p Platform) foldsCase() bool { return p == Windows || p == Darwin }

// separator is the separator p's own programs write.
func (p Platform) separator() byte {
	if p == Windows {
		return '\\'
	}
	return '/'
}

// isSeparator tells whether c separates path components on p: both slashes
// on Windows, only '/' elsewhere (a backslash is an ordinary character in a
// Linux or macOS file name).
func (p Platform) isSeparator(c byte) bool {
	return c == '/' || (p == Windows && c == '\\')
}
