package pathvars

import (
	"reflect"
	"testing"
)

func TestRewrite(t *testing.T) {
	cases := []struct {
		from     Platform
		in, want string
	}{
		// Windows: drive letters, either slash, any case; the longest value wins.
		{Windows, `P:\shots\sh010\sh010.blend`, "{shots}/sh010/sh010.blend"},
		{Windows, `p:/SHOTS/sh010.blend`, "{shots}/sh010.blend"},
		{Windows, `P:\assets\tree.blend`, "{projects}/assets/tree.blend"},
		{Windows, `P:\shotsX\a.blend`, "{projects}/shotsX/a.blend"},
		{Windows, `P:\shots`, "{shots}"},
		{Windows, `P:\shots\sh010\`, "{shots}/sh010/"},
		{Windows, `q:\PROJ\x`, "{proj}/x"},
		{Windows, `Q:\projects\x`, `Q:\projects\x`},
		// Windows UNC, either slash.
		{Windows, `\\fileserver\renders\sh010\######`, "{renders}/sh010/######"},
		{Windows, `//FileServer/Renders/sh010/{timestamp}/######`, "{renders}/sh010/{timestamp}/######"},
		{Windows, `\\fileserver\renders`, "{renders}"},
		{Windows, `\\fileserver\renders2\x`, `\\fileserver\renders2\x`},
		{Windows, `\\otherserver\renders\x`, `\\otherserver\renders\x`},
		// Paths matching no variable, or no absolute Windows path.
		{Windows, `C:\temp\x.blend`, `C:\temp\x.blend`},
		{Windows, `/mnt/projects/x`, `/mnt/projects/x`},
		{Windows, `P:relative\x`, `P:relative\x`},
		{Windows, `//textures/wood.png`, `//textures/wood.png`},
		{Windows, `{shots}/x`, `{shots}/x`},
		// Linux: case-sensitive, whole components.
		{Linux, "/mnt/projects/shots/sh010.blend", "{shots}/sh010.blend"},
		{Linux, "/mnt/projects/assets/x", "{projects}/assets/x"},
		{Linux, "/mnt/proj/x", "{proj}/x"},
		{Linux, "/mnt/proj", "{proj}"},
		{Linux, "/mnt/projects2/x", "/mnt/projects2/x"},
		{Linux, "/mnt/Projects/x", "/mnt/Projects/x"},
		{Linux, "/mnt/projects/../proj/a", "{proj}/a"},
		{Linux, "/srv/renders//sh010/./######", "{renders}/sh010/######"},
		{Linux, "//textures/wood.png", "//textures/wood.png"}, // Blender's relative path
		{Linux, "relative/x", "relative/x"},
		{Linux, `P:\shots\x`, `P:\shots\x`},
		{Linux, "/shared/storage/x", "/shared/storage/x"}, // values for all take no part
		// macOS: case-insensitive.
		{Darwin, "/volumes/projects/SHOTS/x", "{shots}/x"},
		{Darwin, "/Volumes/renders/a", "{renders}/a"},
		{Darwin, "/Volumes/Projectsfoo/a", "/Volumes/Projectsfoo/a"},
		{Darwin, "/mnt/proj/x", "/mnt/proj/x"}, // proj has no darwin value
	}
	for _, c := range cases {
		got, ok := studio.Rewrite(c.in, c.from)
		if got != c.want || ok != (c.want != c.in) {
			t.Errorf("Rewrite(%q, %s) = %q, %v; want %q", c.in, c.from, got, ok, c.want)
		}
	}
}

// TestRewriteTies: two variables with the same value give the first name
// alphabetically, whatever the set's order.
func TestRewriteTies(t *testing.T) {
	a := Variable{Name: "alpha", Values: map[Platform]string{Linux: "/x"}}
	b := Variable{Name: "beta", Values: map[Platform]string{Linux: "/x/"}}
	for _, set := range []Set{{a, b}, {b, a}} {
		if got, _ := set.Rewrite("/x/y", Linux); got != "{alpha}/y" {
			t.Errorf("%v: %q", set, got)
		}
	}
}

func TestRewriteSettings(t *testing.T) {
	in := map[string]any{
		"blendfile":          `P:\shots\sh010\sh010.blend`,
		"render_output_root": `\\fileserver\renders`,
		"frames":             "1-10",
		"chunk_size":         2.0,
		"has_previews":       true,
		"nothing":            nil,
		"extra_files":        []any{`P:\assets\a.png`, 3.0, `C:\keep.png`, []any{`p:/shots/x`}},
		"strings":            []string{`P:\shots\y`, "plain"},
		"nested":             map[string]any{"cache": `P:\cache\`, "args": "--out P:\\x"},
	}
	want := map[string]any{
		"blendfile":          "{shots}/sh010/sh010.blend",
		"render_output_root": "{renders}",
		"frames":             "1-10",
		"chunk_size":         2.0,
		"has_previews":       true,
		"nothing":            nil,
		"extra_files":        []any{"{projects}/assets/a.png", 3.0, `C:\keep.png`, []any{"{shots}/x"}},
		"strings":            []string{"{shots}/y", "plain"},
		"nested":             map[string]any{"cache": "{projects}/cache/", "args": "--out P:\\x"},
	}
	before := in["blendfile"]
	got := studio.RewriteSettings(in, Windows)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RewriteSettings:\n got %#v\nwant %#v", got, want)
	}
	if in["blendfile"] != before || in["extra_files"].([]any)[0] != `P:\assets\a.png` {
		t.Error("RewriteSettings changed its argument")
	}
	if studio.RewriteSettings(nil, Windows) != nil {
		t.Error("nil settings do not stay nil")
	}
}

// TestRewriteFrom: a path that matches nothing of the submitter's platform is
// read as its form says (case 08); the submitter's own platform wins.
func TestRewriteFrom(t *testing.T) {
	for _, c := range []struct {
		in   string
		from Platform
		want string
		ok   bool
	}{
		{`P:\shots\sh010.blend`, Linux, "{shots}/sh010.blend", true}, // a Windows path typed on Linux
		{`p:/Shots/x`, "", "{shots}/x", true},                        // no platform said
		{`\\fileserver\renders\sh010`, Darwin, "{renders}/sh010", true},
		{"/mnt/projects/a.blend", Windows, "{projects}/a.blend", true}, // a Linux path from Windows
		{"/Volumes/Projects/a.blend", "", "{projects}/a.blend", true},
		{"/mnt/projects/a.blend", Linux, "{projects}/a.blend", true},
		{`C:\keep.png`, Linux, `C:\keep.png`, false}, // under no variable
		{"//relative.png", "", "//relative.png", false},
		{"plain words", "", "plain words", false},
	} {
		got, ok := studio.RewriteFrom(c.in, c.from)
		if got != c.want || ok != c.ok {
			t.Errorf("RewriteFrom(%q, %q) = %q, %v; want %q, %v", c.in, c.from, got, ok, c.want, c.ok)
		}
	}
}
