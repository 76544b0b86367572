package pathvars

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	const python = `import bpy; d = {'a': 1}; print(f'{x}', "{C.scene.name}", {y}, "{0}".format(1)); r = '{a-b}'`
	cases := []struct {
		to       Platform
		in, want string
	}{
		{Windows, "{shots}/sh010/sh010.blend", `P:\shots\sh010\sh010.blend`},
		{Windows, "{projects}/assets/x", `P:\assets\x`}, // a root value takes no second separator
		{Windows, "{projects}", `P:\`},
		{Windows, "{renders}/sh010/######", `\\fileserver\renders\sh010\######`},
		{Windows, "{renders}/sh010/", `\\fileserver\renders\sh010\`},
		{Windows, "--render-output={renders}/sh010/######", `--render-output=\\fileserver\renders\sh010\######`},
		{Windows, "{renders}/sh010/{timestamp}/frame_####.png", `\\fileserver\renders\sh010\{timestamp}\frame_####.png`},
		{Windows, "{shots}/Bob's shot/x.blend", `P:\shots\Bob's shot\x.blend`},
		{Windows, "open(filepath='{shots}/a b/x.blend'); print('a/b')", `open(filepath='P:\shots\a b\x.blend'); print('a/b')`},
		{Windows, `"{shots}/x" and/or`, `"P:\shots\x" and/or`},
		{Windows, "{storagePath}/jobs", `\\nas\storage\jobs`},
		{Linux, "--render-output={renders}/sh010/######", "--render-output=/srv/renders/sh010/######"},
		{Linux, "{shots}/sh010", "/mnt/projects/shots/sh010"},
		{Linux, "{renders}", "/srv/renders"},
		{Linux, "storage={storagePath} file={shots}/x.blend", "storage=/shared/storage file=/mnt/projects/shots/x.blend"},
		{Linux, `{shots}\sh010\x.blend`, "/mnt/projects/shots/sh010/x.blend"}, // typed on Windows
		{Darwin, `{shots}\sh010\x.blend`, "/Volumes/Projects/shots/sh010/x.blend"},
		{Darwin, "{storagePath}", "/shared/storage"},
		// Passed through unharmed.
		{Windows, python, python},
		{Windows, "{blender}", "{blender}"},
		{Linux, "{BlenderArgs} --factory-startup", "{BlenderArgs} --factory-startup"},
		{Windows, "-vf drawtext=text='%{n}' -y", "-vf drawtext=text='%{n}' -y"},
		{Windows, "//render/######", "//render/######"},
		{Windows, "{", "{"},
		{Windows, "{}", "{}"},
		{Windows, "a/b\\c {unclosed", "a/b\\c {unclosed"},
		{Linux, "", ""},
	}
	for _, c := range cases {
		got, err := studio.Expand(c.in, c.to)
		if err != nil || got != c.want {
			t.Errorf("Expand(%q, %s) = %q, %v; want %q", c.in, c.to, got, err, c.want)
		}
	}
}

func TestExpandErrors(t *testing.T) {
	cases := []struct {
		to   Platform
		in   string
		kind error
		want []string
	}{
		{Windows, "{nope}/x", ErrUnknownVariable, []string{"{nope}", "windows"}},
		{Linux, "--out={nope}/x", ErrUnknownVariable, []string{"{nope}", "linux"}},
		{Linux, "{Shots}/x", ErrUnknownVariable, []string{"{Shots}", "linux", "did you mean {shots}"}},
		{Darwin, "{proj}/x", ErrNoValue, []string{"{proj}", "darwin", "linux, windows"}},
		{Darwin, "a {proj}", ErrNoValue, []string{"{proj}", "darwin"}},
	}
	for _, c := range cases {
		got, err := studio.Expand(c.in, c.to)
		if !errors.Is(err, c.kind) {
			t.Errorf("Expand(%q, %s) = %q, %v; want %v", c.in, c.to, got, err, c.kind)
			continue
		}
		var e *ExpandError
		if !errors.As(err, &e) || e.Platform != c.to {
			t.Errorf("Expand(%q, %s): %#v", c.in, c.to, err)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Expand(%q, %s): %q does not say %q", c.in, c.to, err, w)
			}
		}
	}
}

func TestExpandCommand(t *testing.T) {
	params := map[string]any{
		"exe":        "{blender}",
		"exeArgs":    "{blenderArgs}",
		"argsBefore": []any{},
		"blendfile":  "{shots}/sh010/sh010.blend",
		"args":       []any{"--python-expr", "import bpy; d = {'a': 1}", "--render-output", "{renders}/sh010/######", "--render-frame", "1..2"},
		"list":       []string{"{projects}/a"},
		"env":        map[string]any{"CACHE": "{projects}/cache", "N": 3.0},
		"fps":        24.0,
		"ok":         true,
	}
	want := map[string]any{
		"exe":        "{blender}",
		"exeArgs":    "{blenderArgs}",
		"argsBefore": []any{},
		"blendfile":  `P:\shots\sh010\sh010.blend`,
		"args":       []any{"--python-expr", "import bpy; d = {'a': 1}", "--render-output", `\\fileserver\renders\sh010\######`, "--render-frame", "1..2"},
		"list":       []string{`P:\a`},
		"env":        map[string]any{"CACHE": `P:\cache`, "N": 3.0},
		"fps":        24.0,
		"ok":         true,
	}
	got, err := studio.ExpandCommand(params, Windows)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ExpandCommand:\n got %#v, %v\nwant %#v", got, err, want)
	}
	if params["blendfile"] != "{shots}/sh010/sh010.blend" {
		t.Error("ExpandCommand changed its argument")
	}
	for _, c := range []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{"args": []any{"-o", "{nope}/x"}}, `parameter "args" item 1: unknown variable {nope}`},
		{map[string]any{"list": []string{"a", "b", "{nope}"}}, `parameter "list" item 2: unknown variable {nope}`},
		{map[string]any{"env": map[string]any{"X": "{proj}"}}, `parameter "env" key "X": variable {proj} has no value for darwin`},
		{map[string]any{"blendfile": "{nope}"}, `parameter "blendfile": unknown variable {nope}`},
	} {
		_, err := studio.ExpandCommand(c.params, Darwin)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("ExpandCommand(%v) = %v, want %q…", c.params, err, c.want)
		}
	}
}

// TestRoundTrips rewrites a path on the submitter's platform and expands it
// on each worker's.
func TestRoundTrips(t *testing.T) {
	cases := []struct {
		from Platform
		in   string
		want map[Platform]string
	}{
		{Windows, `P:\shots\sh010\a.blend`, map[Platform]string{Windows: `P:\shots\sh010\a.blend`,
			Linux: "/mnt/projects/shots/sh010/a.blend", Darwin: "/Volumes/Projects/shots/sh010/a.blend"}},
		{Windows, `p:/Lib/Tree.blend`, map[Platform]string{Windows: `P:\Lib\Tree.blend`,
			Linux: "/mnt/projects/Lib/Tree.blend", Darwin: "/Volumes/Projects/Lib/Tree.blend"}},
		{Windows, `//FILESERVER/renders/sh010/######`, map[Platform]string{Windows: `\\fileserver\renders\sh010\######`,
			Linux: "/srv/renders/sh010/######", Darwin: "/Volumes/renders/sh010/######"}},
		{Linux, "/srv/renders/sh010/", map[Platform]string{Windows: `\\fileserver\renders\sh010\`,
			Linux: "/srv/renders/sh010/", Darwin: "/Volumes/renders/sh010/"}},
		{Linux, "/mnt/proj/a b/x.blend", map[Platform]string{Windows: `Q:\proj\a b\x.blend`, Linux: "/mnt/proj/a b/x.blend"}},
		{Darwin, "/volumes/projects/lib/x", map[Platform]string{Windows: `P:\lib\x`, Linux: "/mnt/projects/lib/x",
			Darwin: "/Volumes/Projects/lib/x"}},
	}
	for _, c := range cases {
		rewritten, ok := studio.Rewrite(c.in, c.from)
		if !ok {
			t.Errorf("Rewrite(%q, %s) matched nothing", c.in, c.from)
			continue
		}
		for to, want := range c.want {
			if got, err := studio.Expand(rewritten, to); err != nil || got != want {
				t.Errorf("%q on %s → %q → on %s: %q, %v; want %q", c.in, c.from, rewritten, to, got, err, want)
			}
		}
	}
	// proj has no darwin value: the task fails at once, naming both.
	rewritten, _ := studio.Rewrite("/mnt/proj/x", Linux)
	if _, err := studio.Expand(rewritten, Darwin); !errors.Is(err, ErrNoValue) {
		t.Errorf("{proj} on darwin: %v", err)
	}
}

// TestCase08 is case 08 of ../shared/cases: S:\projects on Windows is
// $FH/projects on this Linux worker. The Windows path of a submission reaches
// the worker as a Linux path that exists, and {storagePath} is expanded.
func TestCase08(t *testing.T) {
	fh := t.TempDir()
	blend := filepath.Join(fh, "projects", "demo", "sh010.blend")
	if err := os.MkdirAll(filepath.Dir(blend), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blend, []byte("BLENDER"), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := Set{
		{Name: "projects", Values: map[Platform]string{Windows: `S:\projects`, Linux: filepath.ToSlash(filepath.Join(fh, "projects"))}},
		{Name: "storagePath", Values: map[Platform]string{Linux: filepath.ToSlash(fh)}},
	}
	if err := vars.Validate(); err != nil {
		t.Fatal(err)
	}
	settings := vars.RewriteSettings(map[string]any{"shot_file": `s:\Projects\demo\sh010.blend`}, Windows)
	if settings["shot_file"] != "{projects}/demo/sh010.blend" {
		t.Fatalf("submitted setting stored as %q", settings["shot_file"])
	}
	echo, err := vars.ExpandCommand(map[string]any{"message": "storage={storagePath} file=" + settings["shot_file"].(string)}, Linux)
	if err != nil {
		t.Fatal(err)
	}
	if want := "storage=" + filepath.ToSlash(fh) + " file=" + filepath.ToSlash(blend); echo["message"] != want {
		t.Errorf("echo message %q, want %q", echo["message"], want)
	}
	ls, err := vars.ExpandCommand(map[string]any{"exe": "ls", "args": []any{"-l", settings["shot_file"]}}, Linux)
	if err != nil {
		t.Fatal(err)
	}
	arg := ls["args"].([]any)[1].(string)
	if arg != filepath.ToSlash(blend) {
		t.Errorf("ls gets %q, want %q", arg, blend)
	}
	if runtime.GOOS == "linux" {
		if _, err := os.Stat(arg); err != nil {
			t.Errorf("the worker cannot find the file: %v", err)
		}
	}
}
