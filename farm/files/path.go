// Package files is the manager's store of uploaded files (issue 13: rendering
// without shared storage): blobs named by their SHA-256 under the data
// folder, partial uploads that resume, and the paths clients may name.
package files

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Path limits, in bytes: the whole path and one segment (255 is the common
// limit of file names on Linux, Windows and macOS file systems).
const (
	MaxPathLen    = 4096
	MaxSegmentLen = 255
)

// ErrBadPath is the kind of every path CleanPath refuses.
var ErrBadPath = errors.New("invalid file path")

// CleanPath checks a path a client names inside a job's folder (a manifest
// entry, an output file) and returns it unchanged when it is safe on every
// platform a worker runs: slash-separated and relative, with no empty, "."
// or ".." segment, no backslash, colon (drive letters, UNC, alternate data
// streams), NUL or other control character, no segment that Windows would
// trim to "." or ".." (trailing dots and spaces) and no Windows device name
// (CON, NUL, COM1…). It never rewrites a path into another one: a path that
// is not already clean is refused, so the manager, the worker and the
// submitter all agree on the name. The error wraps ErrBadPath and says why.
func CleanPath(p string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w %q: %s", ErrBadPath, p, why)
	}
	switch {
	case p == "":
		return bad("it is empty")
	case len(p) > MaxPathLen:
		return bad(fmt.Sprintf("it is longer than %d bytes", MaxPathLen))
	case !utf8.ValidString(p):
		return bad("it is not valid UTF-8")
	case strings.HasPrefix(p, "/"):
		return bad("it is absolute; paths are relative to the job's folder")
	case strings.ContainsRune(p, '\\'):
		return bad("it holds a backslash; separate folders with '/'")
	case strings.ContainsRune(p, ':'):
		return bad("it holds a colon (a drive letter or a Windows stream)")
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return bad("it holds a control character")
		}
	}
	for seg := range strings.SplitSeq(p, "/") {
		if why := badSegment(seg); why != "" {
			return bad(why)
		}
	}
	return p, nil
}

// badSegment says what is wrong with one segment of a path, or "".
func badSegment(seg string) string {
	switch {
	case seg == "":
		return "it has an empty segment ('//' or a trailing '/')"
	case seg == "." || seg == "..":
		return "it has a '" + seg + "' segment; paths may not leave or name the job's folder"
	case len(seg) > MaxSegmentLen:
		return fmt.Sprintf("a segment is longer than %d bytes", MaxSegmentLen)
	case strings.TrimRight(seg, ". ") == "" || strings.HasSuffix(seg, " ") || strings.HasSuffix(seg, "."):
		// Windows drops trailing dots and spaces: ".. " would be "..".
		return "a segment ends with a dot or a space, which Windows drops"
	case isDeviceName(seg):
		return "a segment is a Windows device name (" + seg + ")"
	}
	return ""
}

// isDeviceName tells the names Windows opens as devices in any folder, with
// or without an extension ("nul.txt" is the NUL device too).
func isDeviceName(seg string) bool {
	base, _, _ := strings.Cut(seg, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) {
		return base[3] >= '1' && base[3] <= '9'
	}
	return false
}

// ValidHash tells whether h is a SHA-256 as the file routes name one: 64
// lowercase hex digits.
func ValidHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
