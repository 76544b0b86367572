package jobtype

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
)

func TestPathHelpers(t *testing.T) {
	cases := []struct{ fn, in, want string }{
		{"basename", "/render/shot/frame.png", "frame.png"},
		{"basename", `C:\render\shot\`, "shot"},
		{"dirname", "/render/shot/frame.png", "/render/shot"},
		{"dirname", `C:\render\frame.png`, "C:/render"},
		{"dirname", `\\nas\share\file.blend`, "//nas/share"},
		{"dirname", "frame.png", "."},
		{"dirname", "/frame.png", "/"},
		{"stem", "/p/shot.flamenco.blend", "shot.flamenco"},
		{"stem", "README", "README"},
	}
	fns := map[string]func(string) string{"basename": pathBase, "dirname": pathDir, "stem": pathStem}
	for _, c := range cases {
		if got := fns[c.fn](c.in); got != c.want {
			t.Errorf("path.%s(%q) = %q, want %q", c.fn, c.in, got, c.want)
		}
	}
	if got := pathJoin(`C:\render`, "shot", "../take2", "#####"); got != "C:/render/take2/#####" {
		t.Errorf("join: %q", got)
	}
}

// TestHelpersFromJavaScript calls each helper the way scripts do, including
// with JavaScript values (a Date, numbers as strings) that goja must convert.
func TestHelpersFromJavaScript(t *testing.T) {
	tasks, err := compileScript(t, testScript(`
		const out = {
			chunks: frameChunker("1..4, 7, 9-10", 2),
			count: frameCount("1-10, 5"),
			stamp: formatTimestampLocal(job.created),
			date: formatTimestampLocal(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))),
			split: shellSplit("-E CYCLES --python-expr 'a b'"),
			paths: [path.basename("a/b.c"), path.dirname("a/b.c"), path.join("a", "b"), path.stem("a/b.c"),
				path.globEscape("/r/sh010 [v2]/*?")],
			platform: process.platform,
			cwd: process.cwd(),
			job: [job.name, job.jobType, job.priority],
		};
		print("printing", 1, {a: 2}, [3]);
		alert("alerting");
		const t = author.Task("out", "misc");
		t.addCommand(author.Command("echo", out));
		job.addTask(t);
	`), map[string]any{"name": "a"})
	if err != nil {
		t.Fatal(err)
	}
	local := func(tm time.Time) string { return tm.Local().Format("2006-01-02_150405") }
	cwd, _ := os.Getwd()
	got := tasks[0].Commands[0].Parameters
	want := map[string]any{
		"chunks":   []string{"1,2", "3,4", "7,9", "10"},
		"count":    10,
		"stamp":    "", // compileScript's job.created is time.Now(); checked below
		"date":     local(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)),
		"split":    []string{"-E", "CYCLES", "--python-expr", "a b"},
		"paths":    []string{"b.c", "a", "a/b", "b", "/r/sh010 [[]v2]/[*][?]"},
		"platform": runtime.GOOS,
		"cwd":      cwd,
		"job":      []any{"test", "test-type", 50},
	}
	stamp, _ := got["stamp"].(string)
	if _, err := time.ParseInLocation("2006-01-02_150405", stamp, time.Local); err != nil {
		t.Errorf("stamp %q: %v", stamp, err)
	}
	got["stamp"] = ""
	if !sameJSON(got, want) {
		t.Errorf("helpers gave\n %v\nwant %v", got, want)
	}
}

func TestFrameChunkerMatchesFlamenco(t *testing.T) {
	// Flamenco's chunks: "-" notation, runs of three or more as a range, two
	// frames as a list, chunks of at most chunkSize frames.
	cases := []struct {
		spec string
		size int
		want string
	}{
		{"1-10", 4, "[1-4 5-8 9,10]"},
		{"1..3,5", 10, "[1-3,5]"},
		{"3, 5-10, 47", 3, "[3,5,6 7-9 10,47]"},
		{"5,4,3,3", 1, "[3 4 5]"},
		{" 0 - 2 ", 2, "[0,1 2]"},
		{"100-102,104", 99, "[100-102,104]"},
	}
	for _, c := range cases {
		got, err := frameChunker(c.spec, c.size)
		if err != nil || fmt.Sprint(got) != c.want {
			t.Errorf("frameChunker(%q, %d) = %v, %v; want %s", c.spec, c.size, got, err, c.want)
		}
	}
}

// TestGlobEscapeMatchesOnlyItself is case 02's kind: folders named like
// patterns, globbed the way the built-in script builds inputGlob and the
// worker's frames-to-video globs it (filepath.Glob), on real files. Each
// folder has neighbours its unescaped name would match as a pattern.
func TestGlobEscapeMatchesOnlyItself(t *testing.T) {
	names := []string{"sh010 [v2]", "[", "]", "a]b[c", "x[!y]", "[a-z]", "[[]", "plain"}
	if runtime.GOOS != "windows" { // Windows forbids these in file names
		names = append(names, "a*b", "what?", "*", "[*]?")
	}
	root := t.TempDir()
	decoys := []string{"sh010 v", "sh010 2", "x", "a", "b", "xy", "xz", "what", "whats", "axb", "ab", "[*]!", "q", "e"}
	for _, dir := range append(slices.Clone(names), decoys...) {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"000001.png", "000002.png", "000001.jpg"} {
			if err := os.WriteFile(filepath.Join(root, dir, f), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, name := range names {
		dir := filepath.Join(root, name)
		pattern := pathJoin(pathGlobEscape(dir), "*"+pathGlobEscape(".png"))
		got, err := filepath.Glob(pattern)
		want := []string{filepath.Join(dir, "000001.png"), filepath.Join(dir, "000002.png")}
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("folder %q, pattern %q: Glob = %q, %v; want %q", name, pattern, got, err, want)
		}
		if ok, err := filepath.Match(pathGlobEscape(name), name); !ok || err != nil {
			t.Errorf("Match(%q, %q) = %v, %v", pathGlobEscape(name), name, ok, err)
		}
	}
}
