package pathvars

import (
	"strings"
)

// Path is an absolute path of one platform, split into its root and its
// components. Parse makes one; the zero Path is not a path.
//
// Its root is one of: "/" on Linux and macOS; a drive (Drive "P" for `P:\`)
// or a UNC share (Server "fileserver", Share "renders" for
// `\\fileserver\renders`) on Windows. Parts never holds "", "." or "..".
type Path struct {
	Platform      Platform
	Drive         string // Windows drive letter as written, without the colon
	Server, Share string // Windows UNC root
	Parts         []string
	// Trailing records a separator after the last component, which matters
	// to Blender: `P:\renders\sh010\` names a folder for frames, while
	// `P:\renders\sh010` names files sh0100001.png, … beside it.
	Trailing bool
}

// Parse reads s as an absolute path of platform on, and reports false when
// it is not one:
//   - windows: a drive (`P:\…`, `P:/…`, `P:` alone) or a UNC path
//     (`\\server\share\…`, `//server/share/…`), either slash anywhere. `P:rel`
//     (relative to the drive's current folder), `\rooted` (no drive), and the
//     `\\?\` and `\\.\` device forms are not absolute paths here.
//   - linux, darwin: a path starting with one "/". A path starting with "//"
//     is Blender's "relative to the .blend file" and is not absolute.
//
// Empty and "." components are dropped and ".." removes the component before
// it (never the root), as filepath.Clean does, without looking at the disk.
// For All, or a platform it does not know, Parse reports false.
func Parse(s string, on Platform) (Path, bool) {
	p := Path{Platform: on}
	var rest string
	switch on {
	case Windows:
		var ok bool
		if rest, ok = p.windowsRoot(s); !ok {
			return Path{}, false
		}
	case Linux, Darwin:
		if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") {
			return Path{}, false
		}
		rest = s[1:]
	default:
		return Path{}, false
	}
	p.Parts, p.Trailing = cleanParts(rest, on)
	return p, true
}

// windowsRoot fills p's drive or UNC root from s, and returns what follows it.
func (p *Path) windowsRoot(s string) (string, bool) {
	sep := Windows.isSeparator
	if len(s) >= 2 && isLetter(s[0]) && s[1] == ':' {
		if len(s) > 2 && !sep(s[2]) {
			return "", false
		}
		p.Drive = s[:1]
		return s[2:], true
	}
	if len(s) < 3 || !sep(s[0]) || !sep(s[1]) {
		return "", false
	}
	server, rest := cutSeparator(s[2:], sep)
	share, rest := cutSeparator(rest, sep)
	if server == "" || share == "" || server == "?" || server == "." {
		return "", false
	}
	p.Server, p.Share = server, share
	return rest, true
}

// cutSeparator splits s at its first separator, which it drops.
func cutSeparator(s string, sep func(byte) bool) (before, after string) {
	for i := 0; i < len(s); i++ {
		if sep(s[i]) {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// cleanParts splits the part of an absolute path after its root into clean
// components, and tells whether it ended with a separator after one.
func cleanParts(rest string, on Platform) ([]string, bool) {
	var parts []string
	start := 0
	for i := 0; i <= len(rest); i++ {
		if i < len(rest) && !on.isSeparator(rest[i]) {
			continue
		}
		switch part := rest[start:i]; part {
		case "", ".":
		case "..":
			if len(parts) > 0 {
				parts = parts[:len(parts)-1]
			}
		default:
			parts = append(parts, part)
		}
		start = i + 1
	}
	trailing := len(parts) > 0 && rest != "" && on.isSeparator(rest[len(rest)-1])
	return parts, trailing
}

// String is p in its platform's own notation: `P:\shots\sh010`,
// `\\fileserver\renders\sh010`, `/mnt/projects/sh010`, with a trailing
// separator when p had one.
func (p Path) String() string { return p.format(p.Platform.separator()) }

// Slash is p with forward slashes, as job-type scripts and Blender write
// paths on every platform: `P:/shots/sh010`, `//fileserver/renders/sh010`.
func (p Path) Slash() string { return p.format('/') }

func (p Path) format(sep byte) string {
	var b strings.Builder
	switch {
	case p.Drive != "":
		b.WriteString(p.Drive + ":")
		b.WriteByte(sep)
	case p.Server != "":
		b.WriteByte(sep)
		b.WriteByte(sep)
		b.WriteString(p.Server)
		b.WriteByte(sep)
		b.WriteString(p.Share)
		if len(p.Parts) > 0 {
			b.WriteByte(sep)
		}
	default:
		b.WriteByte(sep)
	}
	for i, part := range p.Parts {
		if i > 0 {
			b.WriteByte(sep)
		}
		b.WriteString(part)
	}
	if p.Trailing && len(p.Parts) > 0 {
		b.WriteByte(sep)
	}
	return b.String()
}

// IsRoot tells whether p is a root itself: `/`, `P:\` or `\\server\share`.
func (p Path) IsRoot() bool { return len(p.Parts) == 0 }

// HasPrefix tells whether prefix is p or one of its folders, by whole
// components: `/mnt/proj` is no prefix of `/mnt/projects/x`. Components
// compare case-insensitively on windows and darwin (p's platform decides),
// exactly on linux. Paths of different platforms never prefix each other.
func (p Path) HasPrefix(prefix Path) bool {
	if p.Platform != prefix.Platform || len(prefix.Parts) > len(p.Parts) {
		return false
	}
	same := p.Platform.sameName
	if !same(p.Drive, prefix.Drive) || !same(p.Server, prefix.Server) || !same(p.Share, prefix.Share) {
		return false
	}
	for i, part := range prefix.Parts {
		if !same(p.Parts[i], part) {
			return false
		}
	}
	return true
}

// sameName compares two path components (or roots) as on's file systems do.
func (on Platform) sameName(a, b string) bool {
	// Drive letters ignore case everywhere they exist.
	if on.foldsCase() || len(a) == 1 && len(b) == 1 && isLetter(a[0]) {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// Join returns p followed by elems, each split at p's platform's separators
// and cleaned as Parse does (".." stops at the root). The result has a
// trailing separator when the last non-empty element ends with one.
func (p Path) Join(elems ...string) Path {
	joined := p
	joined.Parts = append([]string(nil), p.Parts...)
	for _, elem := range elems {
		if elem == "" {
			continue
		}
		for _, part := range splitParts(elem, p.Platform) {
			switch part {
			case "", ".":
			case "..":
				if len(joined.Parts) > 0 {
					joined.Parts = joined.Parts[:len(joined.Parts)-1]
				}
			default:
				joined.Parts = append(joined.Parts, part)
			}
		}
		joined.Trailing = p.Platform.isSeparator(elem[len(elem)-1])
	}
	joined.Trailing = joined.Trailing && len(joined.Parts) > 0
	return joined
}

func splitParts(s string, on Platform) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r < 0x80 && on.isSeparator(byte(r)) })
}

// Normalize returns s cleaned and in its platform's own notation when it is
// an absolute path of on (see Parse), and s unchanged otherwise:
// `p:/Shots//sh010/./x.blend` becomes `p:\Shots\sh010\x.blend` on windows.
func Normalize(s string, on Platform) string {
	if p, ok := Parse(s, on); ok {
		return p.String()
	}
	return s
}
