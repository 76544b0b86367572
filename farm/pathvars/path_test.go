package pathvars

import (
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		on         Platform
		in         string
		ok         bool
		str, slash string
		parts      int
	}{
		{Windows, `P:\shots\sh010.blend`, true, `P:\shots\sh010.blend`, "P:/shots/sh010.blend", 2},
		{Windows, `p:/shots//sh010/./a.blend`, true, `p:\shots\sh010\a.blend`, "p:/shots/sh010/a.blend", 3},
		{Windows, `P:\`, true, `P:\`, "P:/", 0},
		{Windows, `P:`, true, `P:\`, "P:/", 0},
		{Windows, `P:\renders\sh010\`, true, `P:\renders\sh010\`, "P:/renders/sh010/", 2},
		{Windows, `P:\a\..\..\b`, true, `P:\b`, "P:/b", 1},
		{Windows, `\\fileserver\renders\sh010`, true, `\\fileserver\renders\sh010`, "//fileserver/renders/sh010", 1},
		{Windows, `//fileserver/renders`, true, `\\fileserver\renders`, "//fileserver/renders", 0},
		{Windows, `\\fileserver/renders\a/b`, true, `\\fileserver\renders\a\b`, "//fileserver/renders/a/b", 2},
		{Windows, `\\fileserver\renders\..\..`, true, `\\fileserver\renders`, "//fileserver/renders", 0},
		{Windows, `\\fileserver`, false, "", "", 0},
		{Windows, `\\fileserver\`, false, "", "", 0},
		{Windows, `\\?\C:\x`, false, "", "", 0},
		{Windows, `\\.\pipe\x`, false, "", "", 0},
		{Windows, `///x/y`, false, "", "", 0},
		{Windows, `P:relative`, false, "", "", 0},
		{Windows, `\rooted\no\drive`, false, "", "", 0},
		{Windows, `/mnt/projects`, false, "", "", 0},
		{Windows, `relative\x`, false, "", "", 0},
		{Windows, ``, false, "", "", 0},
		{Linux, `/mnt/projects/a.blend`, true, "/mnt/projects/a.blend", "/mnt/projects/a.blend", 3},
		{Linux, `/`, true, "/", "/", 0},
		{Linux, `/mnt//projects/./x/../y/`, true, "/mnt/projects/y/", "/mnt/projects/y/", 3},
		{Linux, `/mnt/a\b`, true, `/mnt/a\b`, `/mnt/a\b`, 2},
		{Linux, `//textures/wood.png`, false, "", "", 0}, // Blender: relative to the .blend file
		{Linux, `P:\shots`, false, "", "", 0},
		{Linux, `shots/a`, false, "", "", 0},
		{Darwin, `/Volumes/Projects/x`, true, "/Volumes/Projects/x", "/Volumes/Projects/x", 3},
		{Darwin, `//x`, false, "", "", 0},
		{All, `/x`, false, "", "", 0},
	}
	for _, c := range cases {
		p, ok := Parse(c.in, c.on)
		if ok != c.ok {
			t.Errorf("Parse(%q, %s) ok = %v, want %v", c.in, c.on, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		if got := p.String(); got != c.str {
			t.Errorf("Parse(%q, %s).String() = %q, want %q", c.in, c.on, got, c.str)
		}
		if got := p.Slash(); got != c.slash {
			t.Errorf("Parse(%q, %s).Slash() = %q, want %q", c.in, c.on, got, c.slash)
		}
		if len(p.Parts) != c.parts || p.IsRoot() != (c.parts == 0) {
			t.Errorf("Parse(%q, %s).Parts = %q, want %d", c.in, c.on, p.Parts, c.parts)
		}
		if again, ok := Parse(p.String(), c.on); !ok || again.String() != p.String() {
			t.Errorf("Parse(%q, %s) is not stable: %q then %q", c.in, c.on, p.String(), again.String())
		}
	}
}

func TestHasPrefix(t *testing.T) {
	cases := []struct {
		on           Platform
		path, prefix string
		want         bool
	}{
		{Linux, "/mnt/projects/x", "/mnt/projects", true},
		{Linux, "/mnt/projects", "/mnt/projects/", true},
		{Linux, "/mnt/projects/x", "/mnt/proj", false}, // whole components only
		{Linux, "/mnt/proj/x", "/mnt/projects", false},
		{Linux, "/mnt/Projects/x", "/mnt/projects", false}, // Linux file names keep case
		{Linux, "/anything", "/", true},
		{Darwin, "/volumes/PROJECTS/x", "/Volumes/Projects", true},
		{Darwin, "/Volumes/Projectsfoo", "/Volumes/Projects", false},
		{Windows, `p:\SHOTS\x`, `P:\shots`, true},
		{Windows, `P:/shots/x`, `P:\shots\`, true},
		{Windows, `Q:\shots\x`, `P:\shots`, false},
		{Windows, `P:\shotsX\x`, `P:\shots`, false},
		{Windows, `P:\anything`, `P:\`, true},
		{Windows, `//FileServer/Renders/x`, `\\fileserver\renders`, true},
		{Windows, `\\fileserver\renders2\x`, `\\fileserver\renders`, false},
		{Windows, `\\other\renders\x`, `\\fileserver\renders`, false},
		{Windows, `\\fileserver\renders\x`, `P:\`, false},
		{Windows, `P:\x`, `\\fileserver\renders`, false},
	}
	for _, c := range cases {
		p, ok1 := Parse(c.path, c.on)
		q, ok2 := Parse(c.prefix, c.on)
		if !ok1 || !ok2 {
			t.Fatalf("%s: cannot parse %q or %q", c.on, c.path, c.prefix)
		}
		if got := p.HasPrefix(q); got != c.want {
			t.Errorf("%s: %q has prefix %q = %v, want %v", c.on, c.path, c.prefix, got, c.want)
		}
	}
	lin, _ := Parse("/x/y", Linux)
	dar, _ := Parse("/x", Darwin)
	if lin.HasPrefix(dar) {
		t.Error("a darwin path prefixes a linux one")
	}
}

func TestJoin(t *testing.T) {
	cases := []struct {
		on         Platform
		base       string
		elems      []string
		want       string
		wantTrails bool
	}{
		{Windows, `\\fileserver\renders`, []string{"sh010", "{timestamp}", "######"}, `\\fileserver\renders\sh010\{timestamp}\######`, false},
		{Windows, `P:\`, []string{`shots/sh010`, `..\sh020\`}, `P:\shots\sh020\`, true},
		{Windows, `P:\a`, []string{`..\..\..`}, `P:\`, false},
		{Linux, "/mnt", []string{"", "projects", "a\\b"}, `/mnt/projects/a\b`, false},
		{Darwin, "/Volumes", []string{"../../etc"}, "/etc", false},
	}
	for _, c := range cases {
		base, ok := Parse(c.base, c.on)
		if !ok {
			t.Fatalf("cannot parse %q", c.base)
		}
		got := base.Join(c.elems...)
		if got.String() != c.want || got.Trailing != c.wantTrails {
			t.Errorf("%s: Join(%q, %q) = %q (trailing %v), want %q", c.on, c.base, c.elems, got, got.Trailing, c.want)
		}
		if slices.Equal(base.Parts, got.Parts) && len(c.elems) > 0 && c.want != c.base {
			t.Errorf("Join changed nothing")
		}
	}
}

func TestNormalize(t *testing.T) {
	for _, c := range []struct {
		on       Platform
		in, want string
	}{
		{Windows, `p:/Shots//sh010/./x.blend`, `p:\Shots\sh010\x.blend`},
		{Windows, `//fs/share/a`, `\\fs\share\a`},
		{Windows, `{shots}/x`, `{shots}/x`},
		{Linux, `/a//b/`, `/a/b/`},
		{Linux, `//blender/relative`, `//blender/relative`},
	} {
		if got := Normalize(c.in, c.on); got != c.want {
			t.Errorf("Normalize(%q, %s) = %q, want %q", c.in, c.on, got, c.want)
		}
	}
}

func TestPlatforms(t *testing.T) {
	for in, want := range map[string]Platform{"linux": Linux, " Windows ": Windows, "DARWIN": Darwin, "all": All} {
		if got, err := ParsePlatform(in); err != nil || got != want {
			t.Errorf("ParsePlatform(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParsePlatform("macos"); err == nil {
		t.Error("ParsePlatform accepts macos")
	}
	if p := HostPlatform(); !slices.Contains(Platforms, p) {
		t.Errorf("HostPlatform() = %q", p)
	}
}
