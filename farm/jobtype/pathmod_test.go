package jobtype

import (
	"slices"
	"testing"
)

// TestPathModule: the path helpers on paths of all three platforms' syntax,
// keeping UNC (either slash), drive-letter and Blender-relative roots.
func TestPathModule(t *testing.T) {
	type call struct {
		args []string
		want string
	}
	cases := map[string][]call{
		"join": {
			{[]string{`\\fileserver\renders`, "sh010", "{timestamp}", "######"}, "//fileserver/renders/sh010/{timestamp}/######"},
			{[]string{"//fileserver/renders", "sh010"}, "//fileserver/renders/sh010"},
			{[]string{`//fileserver/renders/sh010/2026/`, "######"}, "//fileserver/renders/sh010/2026/######"},
			{[]string{`\\FS\Renders\a\..`, `b\.\c`}, "//FS/Renders/b/c"},
			{[]string{`C:\render`, "shot", "../take2", "#####"}, "C:/render/take2/#####"},
			{[]string{`P:/`, "..", "x"}, "P:/x"},
			{[]string{`P:`, "x"}, "P:/x"},
			{[]string{"/mnt/renders", "sh010", "f.png"}, "/mnt/renders/sh010/f.png"},
			{[]string{"/", "..", "x"}, "/x"},
			{[]string{"///x//y"}, "/x/y"},
			{[]string{"/Volumes/Renders", "sh 010", "f.png"}, "/Volumes/Renders/sh 010/f.png"},
			{[]string{"//", "../textures/wood.png"}, "//../textures/wood.png"}, // Blender: beside the .blend's folder
			{[]string{"{renders}", "sh010", "######"}, "{renders}/sh010/######"},
			{[]string{"a", "", "/b"}, "a/b"},
			{[]string{"a/.."}, "."},
			{[]string{"../a", "../../b"}, "../../b"},
			{[]string{"", ""}, ""},
			{nil, ""},
		},
		"dirname": {
			{[]string{`\\fileserver\renders\sh010\######`}, "//fileserver/renders/sh010"},
			{[]string{"//fileserver/renders/sh010/######"}, "//fileserver/renders/sh010"},
			{[]string{"//fileserver/renders"}, "//fileserver"},
			{[]string{"//sh010.blend"}, "//"},
			{[]string{`C:\render\frame.png`}, "C:/render"},
			{[]string{`C:\x.blend`}, "C:/"},
			{[]string{`C:\`}, "C:/"},
			{[]string{`C:x`}, "C:"},
			{[]string{"/Volumes/Projects/sh010/a.blend"}, "/Volumes/Projects/sh010"},
			{[]string{"/frame.png"}, "/"},
			{[]string{"/"}, "/"},
			{[]string{"a/b/"}, "a/b"},
			{[]string{"{renders}/sh010/######"}, "{renders}/sh010"},
			{[]string{"frame.png"}, "."},
			{[]string{""}, "."},
		},
		"basename": {
			{[]string{`\\fileserver\renders\sh010\frame.png`}, "frame.png"},
			{[]string{"//fileserver/renders"}, "renders"},
			{[]string{`C:\render\shot\`}, "shot"},
			{[]string{"/Volumes/Projects/a.blend"}, "a.blend"},
			{[]string{`C:\`}, "C:/"},
			{[]string{"/"}, "/"},
			{[]string{"//"}, "//"},
			{[]string{""}, "."},
		},
		"stem": {
			{[]string{`\\fs\share\sh010.flamenco.blend`}, "sh010.flamenco"},
			{[]string{`P:\shots\sh010.blend`}, "sh010"},
			{[]string{"/Volumes/a/README"}, "README"},
			{[]string{"/home/a/.hidden"}, ""},
		},
		"extname": {
			{[]string{`\\fs\share\sh010.flamenco.blend`}, ".blend"},
			{[]string{"//fs/share/frame.0001.exr"}, ".exr"},
			{[]string{`P:\shots.v2\README`}, ""},
			{[]string{"/home/a/.hidden"}, ".hidden"},
		},
	}
	one := map[string]func(string) string{"dirname": pathDir, "basename": pathBase, "stem": pathStem, "extname": pathExt}
	for fn, calls := range cases {
		for _, c := range calls {
			var got string
			if fn == "join" {
				got = pathJoin(c.args...)
			} else {
				got = one[fn](c.args[0])
			}
			if got != c.want {
				t.Errorf("path.%s(%q) = %q, want %q", fn, c.args, got, c.want)
			}
		}
	}
}

// TestPathModuleFromJavaScript: scripts reach every helper, UNC roots intact.
func TestPathModuleFromJavaScript(t *testing.T) {
	tasks, err := compileScript(t, testScript(`
		const root = job.settings.root;
		const t = author.Task("out", "misc");
		t.addCommand(author.Command("echo", { paths: [
			path.join(root, "sh010", "######"), path.dirname(root + "\\sh010\\f.png"), path.basename(root),
			path.stem(root + "\\a.flamenco.blend"), path.extname(root + "\\a.flamenco.blend"),
			path.join(path.globEscape(root + "\\sh010 [v2]"), "*.png"),
		] }));
		job.addTask(t);
	`), map[string]any{"name": "a", "root": `\\fileserver\renders`})
	if err != nil {
		t.Fatal(err)
	}
	got := tasks[0].Commands[0].Parameters["paths"]
	want := []string{"//fileserver/renders/sh010/######", "//fileserver/renders/sh010", "renders", "a.flamenco", ".blend",
		"//fileserver/renders/sh010 [[]v2]/*.png"}
	if g, ok := got.([]any); !ok || !slices.EqualFunc(g, want, func(a any, b string) bool { return a == b }) {
		t.Errorf("paths = %#v, want %q", got, want)
	}
}

// cleanPath answers at once for a path that is already clean; its answer is
// the one component by component, for every path of up to four components
// of these kinds, under every kind of root.
func TestCleanPathShortcutAgrees(t *testing.T) {
	parts := []string{"", ".", "..", "...", "a", ".b", "c..", "######"}
	var paths []string
	var grow func(p string, n int)
	grow = func(p string, n int) {
		paths = append(paths, p)
		if n == 4 {
			return
		}
		for _, part := range parts {
			if n == 0 {
				grow(part, n+1)
			} else {
				grow(p+"/"+part, n+1)
			}
		}
	}
	grow("", 0)
	for _, root := range []string{"", "/", "//", "P:", "P:/"} {
		for _, rest := range paths {
			if got, want := cleanPath(root, rest), cleanParts(root, rest); got != want {
				t.Errorf("cleanPath(%q, %q) = %q, component by component %q", root, rest, got, want)
			}
		}
	}
}
