package jobtype

import (
	pathpkg "path"
	"strings"
)

// The `path` module of job-type scripts: Flamenco's basename, dirname, join
// and stem, plus extname and globEscape. The manager may run on another
// platform than the one that wrote a path, so every function takes '\' and
// '/' as separators and answers with '/', which Blender, FFmpeg and Python
// accept on every platform.
//
// Unlike Go's path package (and Flamenco's job-type API, which loses them),
// the helpers keep a path's root intact:
//
//	"/"   POSIX               /mnt/renders
//	"P:/" Windows drive       P:\renders, P:/renders
//	"P:"  drive-relative      P:renders (join takes a lone P: for P:/)
//	"//"  UNC, or Blender's   \\fileserver\renders, //fileserver/renders,
//	      "relative to the    //textures/wood.png
//	      .blend file"
//
// A "//" path is cleaned as a relative one, so that Blender's `//../x`
// (the .blend file's parent folder) keeps its "..".

// splitRoot splits a slashed path into its root (see above) and the rest.
func splitRoot(p string) (root, rest string) {
	switch {
	case len(p) >= 2 && isDriveLetter(p[0]) && p[1] == ':':
		if len(p) >= 3 && p[2] == '/' {
			return p[:3], p[3:]
		}
		return p[:2], p[2:]
	case strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///"):
		return "//", p[2:]
	case strings.HasPrefix(p, "/"):
		return "/", strings.TrimLeft(p, "/")
	}
	return "", p
}

func isDriveLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// cleanPath cleans rest as path.Clean does and puts root in front: empty and
// "." components go, ".." removes the one before it; a leading ".." stays
// unless the root is absolute ("/", "P:/"), where it cannot go higher.
func cleanPath(root, rest string) string {
	if rest != "" && isClean(rest) {
		return root + rest // as most paths in scripts are: join's answer, joined again
	}
	return cleanParts(root, rest)
}

// cleanParts is cleanPath component by component.
func cleanParts(root, rest string) string {
	absolute := root == "/" || strings.HasSuffix(root, ":/")
	var parts []string
	for _, part := range strings.Split(rest, "/") {
		switch {
		case part == "" || part == ".":
		case part == ".." && len(parts) > 0 && parts[len(parts)-1] != "..":
			parts = parts[:len(parts)-1]
		case part == ".." && absolute:
		default:
			parts = append(parts, part)
		}
	}
	if cleaned := root + strings.Join(parts, "/"); cleaned != "" {
		return cleaned
	}
	return "."
}

// isClean reports whether cleanPath would leave a relative path as it is:
// no empty, "." or ".." components.
func isClean(rest string) bool {
	start := 0
	for i := 0; i <= len(rest); i++ {
		if i < len(rest) && rest[i] != '/' {
			continue
		}
		switch rest[start:i] {
		case "", ".", "..":
			return false
		}
		start = i + 1
	}
	return true
}

func toSlash(p string) string { return strings.ReplaceAll(p, `\`, "/") }

// pathJoin joins the non-empty elements with '/' and cleans the result,
// keeping the first one's root: join("\\\\fs\\renders", "sh010", "######")
// is "//fs/renders/sh010/######". Later elements are relative to it, even
// when they start with a separator, as in Go's path.Join. A drive alone is its
// root: join("P:", "x") is "P:/x". No element gives "".
func pathJoin(elems ...string) string {
	var root string
	var rest []string
	for _, e := range elems {
		switch {
		case e == "":
		case rest == nil:
			r, tail := splitRoot(toSlash(e))
			root, rest = r, []string{tail}
			if len(root) == 2 && root[1] == ':' {
				root += "/"
			}
		default:
			rest = append(rest, toSlash(e))
		}
	}
	if rest == nil {
		return ""
	}
	return cleanPath(root, strings.Join(rest, "/"))
}

// pathDir is all but p's last element, cleaned, with p's root:
// dirname("//fs/renders/sh010/######") is "//fs/renders/sh010",
// dirname("P:\\x.blend") "P:/", dirname("//x.blend") "//", dirname("x") ".".
// A trailing separator ends an empty last element, as for Go's path.Dir:
// dirname("a/b/") is "a/b".
func pathDir(p string) string {
	root, rest := splitRoot(toSlash(p))
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		return cleanPath(root, rest[:i])
	}
	return cleanPath(root, "")
}

// pathBase is p's last element, trailing separators ignored; a bare root is
// itself ("/", "P:/", "//"), and "" is ".".
func pathBase(p string) string {
	if p == "" {
		return "."
	}
	root, rest := splitRoot(toSlash(p))
	rest = strings.TrimRight(rest, "/")
	if rest == "" {
		return root
	}
	return rest[strings.LastIndexByte(rest, '/')+1:]
}

// pathExt is the extension of p's last element, from its last dot, as Go's
// path.Ext and Flamenco's stem count it: ".blend" for "a.flamenco.blend",
// ".bashrc" for ".bashrc", "" for "README". stem + extname is basename.
func pathExt(p string) string { return pathpkg.Ext(pathBase(p)) }

// pathStem is p's last element without its extension (see pathExt).
func pathStem(p string) string {
	base := pathBase(p)
	return strings.TrimSuffix(base, pathpkg.Ext(base))
}

// globEscaper is pathGlobEscape's replacer; see there.
var globEscaper = strings.NewReplacer("[", "[[]", "*", "[*]", "?", "[?]")

// pathGlobEscape returns p as a pattern that matches only p, for building a
// glob from a folder that may hold pattern characters (a job named
// "sh010 [v2]"): path.join(path.globEscape(dir), "*.png"). The pattern works
// for Go's filepath.Match and Glob on every OS (which the worker's
// frames-to-video uses) and for POSIX glob(3) (FFmpeg's -pattern_type glob):
// '[', '*' and '?' become the one-character classes "[[]", "[*]" and "[?]".
// Classes rather than backslashes, because on Windows '\' is the path
// separator, not an escape. ']' is literal outside a class in both syntaxes
// and is left alone ("[]]" is not even a valid Go pattern). Backslashes stay:
// the path module takes them for separators.
func pathGlobEscape(p string) string { return globEscaper.Replace(p) }
