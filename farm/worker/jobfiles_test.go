package worker

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"farmhand/farm/api/wire"
)

func TestSubstituteJobVariablesInEveryParameter(t *testing.T) {
	root := t.TempDir()
	dirs := jobDirs{files: filepath.Join(root, "jobs", "J", "files"), output: filepath.Join(root, "o[1]*", "output")}
	params := map[string]any{
		"blendfile": "{job_files}/shots/sh010/sh010.blend",
		"args": []any{"--render-output", "{job_output}/frames/######", "--python-expr",
			"print('{job_files}/a b')", "--out={job_output}/x/y.png --keep", 3.0},
		"inputGlob": "{job_output}/frames/*.png",
		"nested":    map[string]any{"list": []any{[]any{"{job_files}/deep.txt"}}},
		"two":       "{job_files}/a {job_output}/b",
		"plain":     "no variable here/at all",
		"count":     7.0,
		"flag":      true,
	}
	orig := map[string]any{}
	for k, v := range params {
		orig[k] = v
	}
	got := substituteParams(params, dirs)
	want := map[string]any{
		"blendfile": filepath.Join(dirs.files, "shots", "sh010", "sh010.blend"),
		"args": []any{"--render-output", filepath.Join(dirs.output, "frames", "######"), "--python-expr",
			"print('" + dirs.files + filepath.FromSlash("/a") + " b')",
			"--out=" + filepath.Join(dirs.output, "x", "y.png") + " --keep", 3.0},
		"inputGlob": globEscape(dirs.output) + filepath.FromSlash("/frames/*.png"),
		"nested":    map[string]any{"list": []any{[]any{filepath.Join(dirs.files, "deep.txt")}}},
		"two":       dirs.files + filepath.FromSlash("/a ") + dirs.output + filepath.FromSlash("/b"),
		"plain":     "no variable here/at all",
		"count":     7.0,
		"flag":      true,
	}
	for k := range want {
		if !reflect.DeepEqual(got[k], want[k]) {
			t.Errorf("%s = %#v\n want %#v", k, got[k], want[k])
		}
	}
	if !reflect.DeepEqual(params, orig) {
		t.Error("substitution changed the task's own parameters")
	}
	// The escaped glob still finds the frames in a folder with wildcards in its name.
	frame := filepath.Join(dirs.output, "frames", "0001.png")
	if err := os.MkdirAll(filepath.Dir(frame), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(frame, []byte("png"), 0o644); err != nil {
		t.Fatal(err)
	}
	if m, err := filepath.Glob(got["inputGlob"].(string)); err != nil || len(m) != 1 || m[0] != frame {
		t.Errorf("the substituted glob matches %v (%v), want [%s]", m, err, frame)
	}
}

// manifestOf stores each path's content in s and returns the manifest.
func manifestOf(s *blobStore, files map[string]string) []wire.JobFile {
	var m []wire.JobFile
	for p, data := range files {
		r := s.add(data)
		m = append(m, wire.JobFile{Path: p, SHA256: r.SHA256, Size: r.Size})
	}
	return m
}

func refsOf(m []wire.JobFile) []BlobRef {
	refs, _ := blobRefs(m)
	return refs
}

func TestLayOutKeepsTheJobsStructureByHardLinks(t *testing.T) {
	s := newBlobStore()
	files := map[string]string{
		"shots/sh010/sh010.blend": "blend", "textures/wood.png": "wood",
		"textures/copy of wood.png": "wood", "lib/props.blend": "props",
	}
	m := manifestOf(s, files)
	c := openTestCache(t, t.TempDir(), 0)
	l := acquire(t, c, s, refsOf(m)...)
	defer l.Release()
	root := filepath.Join(t.TempDir(), "files")
	st := &jobState{laid: map[string]fileStamp{}}
	if err := layOut(root, m, l, st); err != nil {
		t.Fatal(err)
	}
	for p, data := range files {
		dst := filepath.Join(root, filepath.FromSlash(p))
		if got := readFile(t, dst); got != data {
			t.Errorf("%s holds %q, want %q", p, got, data)
		}
		a, _ := os.Stat(dst)
		b, _ := os.Stat(l.Path(s.add(data).SHA256))
		if !os.SameFile(a, b) {
			t.Errorf("%s is not a hard link to its cache file", p)
		}
	}
	if c.Fetched() != int64(len("blend")+len("wood")+len("props")) {
		t.Errorf("fetched %d bytes: a file named twice must be fetched once", c.Fetched())
	}

	// A task replaced a file (saved over it): the next layout puts it back.
	wood := filepath.Join(root, "textures", "wood.png")
	if err := os.Remove(wood); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wood, []byte("painted over"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := layOut(root, m, l, st); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, wood); got != "wood" {
		t.Errorf("after a second layout wood.png holds %q", got)
	}
}

func TestLayOutCopiesWhenLinksFail(t *testing.T) {
	s := newBlobStore()
	m := manifestOf(s, map[string]string{"a/b.txt": "bytes"})
	c := openTestCache(t, t.TempDir(), 0)
	l := acquire(t, c, s, refsOf(m)...)
	defer l.Release()
	linkFile = func(string, string) error { return errors.New("invalid cross-device link") }
	t.Cleanup(func() { linkFile = os.Link })
	root := filepath.Join(t.TempDir(), "files")
	st := &jobState{laid: map[string]fileStamp{}}
	if err := layOut(root, m, l, st); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(root, "a", "b.txt")
	a, _ := os.Stat(dst)
	b, _ := os.Stat(l.Path(m[0].SHA256))
	if readFile(t, dst) != "bytes" || os.SameFile(a, b) || a.Mode().Perm()&0o222 != 0 {
		t.Fatalf("want a read-only copy, got %v (same file: %v)", a.Mode(), os.SameFile(a, b))
	}
	if _, ok := st.laid["a/b.txt"]; !ok {
		t.Fatal("the copy was not recorded, so every task would copy it again")
	}
}

func TestLayOutRefusesPathsThatLeaveTheJobsFolder(t *testing.T) {
	s := newBlobStore()
	c := openTestCache(t, t.TempDir(), 0)
	for _, bad := range []string{"../escape.txt", "/etc/passwd", `C:\x`, "a/../../b", `a\b`} {
		r := s.add("x")
		m := []wire.JobFile{{Path: bad, SHA256: r.SHA256, Size: r.Size}}
		l := acquire(t, c, s, refsOf(m)...)
		root := filepath.Join(t.TempDir(), "files")
		err := layOut(root, m, l, &jobState{laid: map[string]fileStamp{}})
		l.Release()
		if err == nil || !strings.Contains(err.Error(), "bad file") {
			t.Errorf("path %q: %v, want a refusal", bad, err)
		}
	}

	// A folder a task turned into a link to elsewhere is not followed.
	outside := t.TempDir()
	root := filepath.Join(t.TempDir(), "files")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "textures")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	m := manifestOf(s, map[string]string{"textures/wood.png": "wood"})
	l := acquire(t, c, s, refsOf(m)...)
	defer l.Release()
	err := layOut(root, m, l, &jobState{laid: map[string]fileStamp{}})
	if err == nil || !strings.Contains(err.Error(), "outside the job's folder") {
		t.Errorf("layout through a linked folder: %v, want a refusal", err)
	}
	if left, _ := os.ReadDir(outside); len(left) != 0 {
		t.Errorf("the layout wrote %d files outside the job's folder", len(left))
	}
}
