package files

import (
	"errors"
	"path"
	"strings"
	"testing"
)

func TestCleanPath(t *testing.T) {
	good := []string{
		"shots/sh010/sh010.blend",
		"textures/wood.png",
		"a",
		"é/ü.png",
		".hidden/file",
		"frames/0001.exr",
		"name with spaces/x y.png",
		"con_tents/console.txt", // not a device name
		"com0.txt",
		"..a/b..c",
	}
	for _, p := range good {
		got, err := CleanPath(p)
		if err != nil || got != p {
			t.Errorf("CleanPath(%q) = %q, %v; want it unchanged", p, got, err)
		}
	}
	bad := map[string]string{
		"":                               "empty",
		"../etc/passwd":                  "'..' segment",
		"a/../../b":                      "'..' segment",
		"a/..":                           "'..' segment",
		"/etc/passwd":                    "absolute",
		"a\\b":                           "backslash",
		"..\\..\\windows":                "backslash",
		"C:/Windows":                     "colon",
		"C:":                             "colon",
		"c:foo":                          "colon",
		"//server/share/x":               "absolute",
		"\\\\server\\share\\x":           "backslash",
		"a\x00b":                         "control",
		"a\nb":                           "control",
		"a//b":                           "empty segment",
		"a/":                             "empty segment",
		"./a":                            "'.' segment",
		"a/./b":                          "'.' segment",
		"a/.. ":                          "dot or a space",
		"a/...":                          "dot or a space",
		"a/b.":                           "dot or a space",
		"a/nul":                          "device",
		"a/NUL.txt":                      "device",
		"COM1":                           "device",
		"lpt9.log":                       "device",
		"file.txt:stream":                "colon",
		"\xff\xfe":                       "UTF-8",
		strings.Repeat("a", 256):         "longer than 255",
		strings.Repeat("a/", 2100) + "a": "longer than 4096",
	}
	for p, why := range bad {
		got, err := CleanPath(p)
		if err == nil {
			t.Errorf("CleanPath(%q) = %q; want it refused (%s)", p, got, why)
			continue
		}
		if !errors.Is(err, ErrBadPath) || !strings.Contains(err.Error(), why) {
			t.Errorf("CleanPath(%q) = %v; want ErrBadPath saying %q", p, err, why)
		}
	}
}

// FuzzCleanPath checks that whatever CleanPath accepts stays inside the job's
// folder on every platform: joined under a root it never leaves it, and it
// names no drive, share, parent or device.
func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"a/b", "../x", "/abs", "C:\\x", "\\\\srv\\share", "a\x00", "a//b", "./a",
		"a/.", "x/.. ", "nul", "shots/sh010.blend", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := CleanPath(p)
		if err != nil {
			if !errors.Is(err, ErrBadPath) {
				t.Fatalf("CleanPath(%q) error %v is not ErrBadPath", p, err)
			}
			return
		}
		if got != p {
			t.Fatalf("CleanPath(%q) rewrote it to %q", p, got)
		}
		if path.Clean(p) != p || path.IsAbs(p) {
			t.Fatalf("CleanPath accepted %q, which path.Clean makes %q", p, path.Clean(p))
		}
		if j := path.Join("/root/job", p); !strings.HasPrefix(j, "/root/job/") {
			t.Fatalf("CleanPath accepted %q, which leaves the folder: %q", p, j)
		}
		if strings.ContainsAny(p, "\\:\x00") {
			t.Fatalf("CleanPath accepted %q with a backslash, colon or NUL", p)
		}
		for _, seg := range strings.Split(p, "/") {
			if strings.TrimRight(seg, ". ") == "" || isDeviceName(seg) {
				t.Fatalf("CleanPath accepted %q with segment %q", p, seg)
			}
		}
	})
}

func TestValidHash(t *testing.T) {
	ok := strings.Repeat("ab", 32)
	if !ValidHash(ok) {
		t.Errorf("ValidHash(%q) = false", ok)
	}
	for _, h := range []string{"", strings.ToUpper(ok), ok[:63], ok + "0", strings.Repeat("g", 64), "../" + ok[3:]} {
		if ValidHash(h) {
			t.Errorf("ValidHash(%q) = true", h)
		}
	}
}
