package worker

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"farmhand/farm/model"
)

// fakeBlender writes a program at path that answers --version as a Blender
// of version would.
func fakeBlender(t *testing.T, path, version string) string {
	t.Helper()
	writeFile(t, path, "#!/bin/sh\necho 'Blender "+version+"'\necho '\tbuild date: 2024-01-01'\n")
	if err := os.Chmod(path, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// withBlenders makes installs this worker's Blenders for the test.
func withBlenders(t *testing.T, installs []model.BlenderInstall) {
	blendersMu.Lock()
	was, wasFound := foundBlenders, blendersFound
	foundBlenders, blendersFound = installs, true
	blendersMu.Unlock()
	t.Cleanup(func() {
		blendersMu.Lock()
		foundBlenders, blendersFound = was, wasFound
		blendersMu.Unlock()
	})
}

func TestFindBlendersRunsEachOnce(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in Blenders are shell scripts")
	}
	dir := t.TempDir()
	def := fakeBlender(t, filepath.Join(dir, "bin", "blender"), "4.1.1")
	given := fakeBlender(t, filepath.Join(dir, "given", "blender"), "3.6.5")
	fakeBlender(t, filepath.Join(dir, "opt", "blender-3.4.1-linux-x64", "blender"), "3.4.1")
	fakeBlender(t, filepath.Join(dir, "opt", "blender-4.2.0-linux-x64", "blender"), "4.2.0")
	writeFile(t, filepath.Join(dir, "opt", "blender-broken", "blender"), "not a program")
	link := filepath.Join(dir, "opt", "blender-link")
	if err := os.MkdirAll(link, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(def, filepath.Join(link, "blender")); err != nil { // the default again, by another name
		t.Fatal(err)
	}
	got := findBlenders([]string{def, given, "", given}, []string{filepath.Join(dir, "opt", "blender*", "blender")})
	want := []model.BlenderInstall{{Path: def, Version: "4.1.1"}, {Path: given, Version: "3.6.5"},
		{Path: filepath.Join(dir, "opt", "blender-3.4.1-linux-x64", "blender"), Version: "3.4.1"},
		{Path: filepath.Join(dir, "opt", "blender-4.2.0-linux-x64", "blender"), Version: "4.2.0"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("found %+v,\nwant %+v", got, want)
	}
}

// TestBlendersFindsDebiansBlender checks the real discovery on this machine:
// Debian's blender is on PATH and in /usr/bin, and is listed once.
func TestBlendersFindsDebiansBlender(t *testing.T) {
	tools := realTools()
	needTool(t, "blender", tools.Blender)
	bs := Blenders(tools.Blender)
	if len(bs) == 0 || bs[0].Path != tools.Blender || model.BlenderVersionOf("Blender "+bs[0].Version) == "" {
		t.Fatalf("Blenders = %+v; want the default %s first, with its version", bs, tools.Blender)
	}
	if !strings.HasPrefix(tools.BlenderVersion, "Blender "+bs[0].Version) {
		t.Errorf("version %q, but the program says %q", bs[0].Version, tools.BlenderVersion)
	}
}

func TestChooseBlender(t *testing.T) {
	installs := []model.BlenderInstall{{Path: "/usr/bin/blender", Version: "4.1.1"}, {Path: "/opt/b36/blender", Version: "3.6.5"},
		{Path: "/opt/b34/blender", Version: "3.4.1"}, {Path: "/opt/b42/blender", Version: "4.2.0"}}
	for _, c := range []struct{ want, path, err string }{
		{"3.4", "/opt/b34/blender", ""},
		{"3.6", "/opt/b36/blender", ""},
		{">=4.1", "/usr/bin/blender", ""}, // the default first when it meets the requirement
		{">4.1.1", "/opt/b42/blender", ""},
		{"<3.6", "/opt/b34/blender", ""},
		{"2.93", "", "the job asks for Blender 2.93, and this worker has only 4.1.1 (/usr/bin/blender), 3.6.5 (/opt/b36/blender)"},
		{"newest", "", `parameter blender_version: blender_version "newest"`},
	} {
		path, err := chooseBlender(installs, c.want)
		if path != c.path || (c.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: chose %q, %v; want %q, %q", c.want, path, err, c.path, c.err)
		}
	}
	if _, err := chooseBlender(nil, "3.4"); err == nil || !strings.Contains(err.Error(), "found no Blender") {
		t.Errorf("no Blenders: %v", err)
	}
}

// TestBlenderArgvUsesTheJobsVersion checks that a blender-render command
// carrying blender_version runs the matching Blender of this worker, and one
// without it the default.
func TestBlenderArgvUsesTheJobsVersion(t *testing.T) {
	withBlenders(t, []model.BlenderInstall{{Path: "/usr/bin/blender", Version: "4.1.1"}, {Path: "/opt/b34/blender", Version: "3.4.1"}})
	tools := Tools{Blender: "/usr/bin/blender"}
	params := map[string]any{"exe": "{blender}", "blendfile": "/shots/a.blend", blenderParam: "3.4"}
	exe, _, err := blenderArgv(tools, params)
	if err != nil || exe != "/opt/b34/blender" {
		t.Fatalf("with blender_version 3.4: %q %v; want /opt/b34/blender", exe, err)
	}
	delete(params, blenderParam)
	if exe, _, err = blenderArgv(tools, params); err != nil || exe != "/usr/bin/blender" {
		t.Fatalf("without blender_version: %q %v; want the default", exe, err)
	}
	params[blenderParam] = "5.0"
	if _, _, err = blenderArgv(tools, params); err == nil || !strings.Contains(err.Error(), "asks for Blender 5.0") {
		t.Fatalf("with blender_version 5.0: %v", err)
	}
	// A job naming its own program keeps it.
	params["exe"] = "/studio/blender-custom"
	if exe, _, err = blenderArgv(tools, params); err != nil || exe != "/studio/blender-custom" {
		t.Fatalf("own exe: %q %v", exe, err)
	}
}
