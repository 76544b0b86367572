package jobtype

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

func TestThirdPartyScriptRunsUnchanged(t *testing.T) {
	src, err := os.ReadFile("testdata/tiled_render.js")
	if err != nil {
		t.Fatal(err)
	}
	r := Open(folder(t, map[string]string{"tiled_render.js": string(src)}), quiet)
	jt, err := r.Get("tiled-render")
	if err != nil {
		t.Fatal(err)
	}
	if jt.Source != SourceCustom || jt.Label != "Tiled Render" || jt.Settings[5].Choices[1] != "OPEN_EXR" || jt.Settings[9].Subtype != "hashed_file_path" {
		t.Errorf("declaration %+v", jt)
	}
	job := &model.Job{Name: "poster", Type: "tiled-render", Priority: 70, Created: created,
		Metadata: map[string]string{"project": "film"},
		Settings: map[string]any{"frames": "10, 12", "blendfile": `D:\projects\poster.blend`, "render_output_root": "/render",
			"extra_args": `--engine CYCLES --python-expr "print('hi there')"`, "use_gpu": true}}
	tasks, err := r.Compile(job)
	if err != nil {
		t.Fatal(err)
	}
	// Per frame: 4 tiles then the merge waiting for them; then publish waiting for the merges.
	if len(tasks) != 11 {
		t.Fatalf("%d tasks", len(tasks))
	}
	var names []string
	for _, task := range tasks {
		names = append(names, fmt.Sprintf("%s:%s%v", task.Name, task.Type, task.DependsOn))
	}
	want := "[tile-10-0_0:blender[] tile-10-1_0:blender[] tile-10-0_1:blender[] tile-10-1_1:blender[] merge-10:blender[0 1 2 3] " +
		"tile-12-0_0:blender[] tile-12-1_0:blender[] tile-12-0_1:blender[] tile-12-1_1:blender[] merge-12:blender[5 6 7 8] publish:file-management[4 9]]"
	if fmt.Sprint(names) != want {
		t.Errorf("tasks\n got %v\nwant %s", names, want)
	}
	dir := "/render/film/poster/" + created.Local().Format("2006-01-02_150405")
	args := fmt.Sprint(tasks[1].Commands[0].Parameters["args"])
	if !strings.Contains(args, "r.border_min_x, r.border_max_x = 0.5, 1") || !strings.Contains(args, "device = 'GPU'") ||
		!strings.Contains(args, "--render-output "+dir+"/tiles/1_0-###### --render-format PNG --engine CYCLES --python-expr print('hi there') --render-frame 10]") {
		t.Errorf("tile args %s", args)
	}
	if tasks[1].Commands[0].TotalSteps != 1 || tasks[1].Commands[0].Parameters["blendfile"] != `D:\projects\poster.blend` {
		t.Errorf("tile command %v", tasks[1].Commands[0])
	}
	publish := tasks[10].Commands
	if publish[0].Parameters["dest"] != "/render/film/poster/latest" || publish[1].Parameters["message"] != "published "+filepath.Base(dir) {
		t.Errorf("publish %v", publish)
	}
	if job.Settings["output_path"] != dir+"/frame_######" || job.Settings["tiles"] != 2 || job.Settings["samples"] != 64 {
		t.Errorf("settings %v", job.Settings)
	}
	job.Settings["frames"] = "1-200"
	if _, err := r.Compile(job); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "use fewer than 100") {
		t.Errorf("too many frames: %v", err)
	}
}

// touch rewrites a script and makes sure its modification time moves on, for
// file systems with coarse timestamps.
func touch(t *testing.T, path, src string) {
	t.Helper()
	old, _ := os.Stat(path)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if old != nil {
		later := old.ModTime().Add(time.Second)
		if err := os.Chtimes(path, later, later); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCustomFolderOverridesAndReloads(t *testing.T) {
	dir := t.TempDir()
	r := Open(dir, quiet)
	builtin, _ := r.Get("echo-sleep-test")

	// Export, then the copy is what runs: same declaration, so the same etag.
	path, err := r.Export("echo-sleep-test")
	if err != nil || path != filepath.Join(dir, "echo_sleep_test.js") {
		t.Fatalf("export: %q, %v", path, err)
	}
	jt, _ := r.Get("echo-sleep-test")
	if jt.Source != SourceCustomised || jt.File != path || jt.Etag != builtin.Etag {
		t.Fatalf("exported: %+v", jt)
	}
	if _, err := r.Export("echo-sleep-test"); !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("second export: %v", err)
	}

	// The studio edits it: new label and task names, a new etag.
	src, _ := os.ReadFile(path)
	edited := strings.ReplaceAll(strings.ReplaceAll(string(src), `"Echo Sleep Test"`, `"Studio Echo"`), "`echo-${chunk}`", "`studio-${chunk}`")
	touch(t, path, edited)
	jt, _ = r.Get("echo-sleep-test")
	if jt.Label != "Studio Echo" || jt.Etag == builtin.Etag {
		t.Fatalf("after edit: label %q etag %q", jt.Label, jt.Etag)
	}
	if err := r.CheckEtag("echo-sleep-test", builtin.Etag); !errors.Is(err, ErrStaleEtag) {
		t.Errorf("old etag: %v", err)
	}
	tasks, err := r.Compile(&model.Job{Type: "echo-sleep-test", Settings: map[string]any{"frames": "1-2"}})
	if err != nil || tasks[0].Name != "studio-1" {
		t.Fatalf("compile after edit: %v %v", tasks, err)
	}

	// A new type appears, then a typo breaks the customised one: the built-in
	// stays hidden and the reason is reported, the others keep working.
	touch(t, filepath.Join(dir, "my_echo.js"), edited)
	touch(t, path, edited+"\n}")
	if _, err := r.Get("my-echo"); err != nil {
		t.Error(err)
	}
	p := r.Problems()
	if len(p) != 1 || p[0].Name != "echo-sleep-test" || p[0].File != path || !strings.Contains(p[0].Error, "SyntaxError") {
		t.Errorf("problems %+v", p)
	}
	if names := typeNames(r.List()); names != "[my-echo simple-blender-render]" {
		t.Errorf("list %s", names)
	}
	if _, err := r.Compile(&model.Job{Type: "echo-sleep-test"}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "SyntaxError") {
		t.Errorf("compiling the broken type: %v", err)
	}

	// Removing the file brings the built-in back.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	jt, _ = r.Get("echo-sleep-test")
	if jt.Source != SourceBuiltin || len(r.Problems()) != 0 || typeNames(r.List()) != "[echo-sleep-test my-echo simple-blender-render]" {
		t.Errorf("after removal: %+v, problems %v", jt, r.Problems())
	}
}

func typeNames(types []*JobType) string {
	var names []string
	for _, jt := range types {
		names = append(names, jt.Name)
	}
	return fmt.Sprint(names)
}

func TestTwoFilesForOneName(t *testing.T) {
	src := testScript(twoTasks + `job.addTask(a);`)
	r := Open(folder(t, map[string]string{"my_type.js": src, "my-type.js": src}), quiet)
	p := r.Problems()
	if len(p) != 1 || !strings.Contains(p[0].Error, "already defines job type \"my-type\"") {
		t.Errorf("problems %+v", p)
	}
	if _, err := r.Get("my-type"); err != nil {
		t.Error(err)
	}
}

func TestExportRefusals(t *testing.T) {
	if _, err := Builtin(quiet).Export("echo-sleep-test"); err == nil || !strings.Contains(err.Error(), "no scripts folder") {
		t.Errorf("no folder: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "scripts") // created on export
	r := Open(dir, quiet)
	if _, err := r.Export("tiled-render"); !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), "simple-blender-render") {
		t.Errorf("unknown: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	touch(t, filepath.Join(dir, "simple-blender-render.js"), testScript(""))
	if _, err := r.Export("simple-blender-render"); !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), "simple-blender-render.js already defines") {
		t.Errorf("other spelling: %v", err)
	}
	path, err := r.Export("echo-sleep-test")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want, _ := builtinScripts.ReadFile("scripts/echo_sleep_test.js")
	if string(got) != string(want) {
		t.Error("exported script differs from the built-in")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("export left files behind: %v", entries)
	}
}

// A scripts folder that exists but cannot be read is a problem, not an empty
// folder. A symlink loop is unreadable for root too (permissions are not: CI
// runs as root), and the error, ELOOP, is neither "not exist" nor "not a
// directory", which the next test covers.
func TestUnreadableFolderIsAProblem(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "scripts")
	err := os.Symlink(dir, dir)
	farmtest.Need(t, err == nil, fmt.Sprintf("symbolic links (%v)", err))
	if _, err := os.ReadDir(dir); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("reading a symlink loop: %v, want an error other than not-exist", err)
	}
	r := Open(dir, quiet)
	p := r.Problems()
	if len(p) != 1 || p[0].File != dir || !strings.Contains(p[0].Error, "symbolic links") || len(r.List()) != 2 {
		t.Errorf("problems %+v, want one naming %s and its error; job types %d, want the 2 built-ins", p, dir, len(r.List()))
	}
}

func TestFileAsFolderIsAProblem(t *testing.T) {
	file := filepath.Join(t.TempDir(), "scripts")
	touch(t, file, "not a folder")
	r := Open(file, quiet)
	if p := r.Problems(); len(p) != 1 || p[0].File != file || len(r.List()) != 2 {
		t.Errorf("problems %v", p)
	}
}

func TestRequireModulesFromTheScriptsFolder(t *testing.T) {
	dir := folder(t, map[string]string{"uses_lib.js": `
		const util = require("./lib/util");
		const again = require("./lib/util.js");
		const p = require("path");
		const JOB_TYPE = { label: util.label, settings: [] };
		function compileJob(job) {
			const t = author.Task(util.taskName(job.name), "misc");
			t.addCommand(author.Command("echo", {message: p.basename("/a/b") + (util === again)}));
			job.addTask(t);
		}`,
		"escapes.js": `require("../outside"); const JOB_TYPE = {}; function compileJob() {}`,
	})
	if err := os.Mkdir(filepath.Join(dir, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	touch(t, filepath.Join(dir, "lib", "util.js"), `
		const author = require("author");
		exports.label = "Uses a library";
		exports.taskName = (name) => "lib-" + name + "-" + (typeof author.Task);`)
	r := Open(dir, quiet)
	tasks, err := r.Compile(&model.Job{Name: "x", Type: "uses-lib"})
	if err != nil {
		t.Fatal(err)
	}
	if tasks[0].Name != "lib-x-function" || tasks[0].Commands[0].Parameters["message"] != "btrue" {
		t.Errorf("tasks %+v", tasks)
	}
	if p := r.Problems(); len(p) != 1 || p[0].Name != "escapes" || !strings.Contains(p[0].Error, "must be in the scripts folder") {
		t.Errorf("problems %+v", p)
	}
}
