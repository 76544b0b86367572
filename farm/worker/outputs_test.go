package worker

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestParseFrames(t *testing.T) {
	for spec, want := range map[string][]int{
		"1..4": {1, 2, 3, 4}, "1,3,5": {1, 3, 5}, "1-3, 7": {1, 2, 3, 7}, "1-10x3": {1, 4, 7, 10},
		"1-6:2": {1, 3, 5}, "5": {5}, "3,1,3": {1, 3}, "0..1": {0, 1},
	} {
		if got, err := parseFrames(spec); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %v %v, want %v", spec, got, err, want)
		}
	}
	for _, spec := range []string{"", "+1", "-1", "4-2", "1-5x0", "a", "1,,2", "0-2000000"} {
		if got, err := parseFrames(spec); err == nil {
			t.Errorf("%q: %v, want an error", spec, got)
		}
	}
	if got := frameList([]int{1, 2, 3, 5, 9, 10}); got != "1-3, 5, 9-10" {
		t.Errorf("frameList: %q", got)
	}
}

func TestPlannedRenders(t *testing.T) {
	args := []string{"-b", "-y", "--python-exit-code", "1", "--python-expr", "-f 9", "/s/a.blend",
		"--render-output", "/r/######", "--render-format", "png", "--render-frame", "1..3",
		"-o", "//x_", "-x", "0", "-f", "7",
		"-s", "2", "-e", "6", "-j", "2", "-F", "FFMPEG", "-a",
		"-F", "TIFF", "-o", "", "-s", "1", "-a", "--", "-f", "5"}
	want := []renderRun{
		{frames: []int{1, 2, 3}, output: "/r/######", format: "PNG"},
		{frames: []int{7}, output: "//x_", format: "PNG", noExt: true},
		{frames: []int{2, 4, 6}, output: "//x_", format: "FFMPEG", noExt: true},
		{frames: []int{1, 3, 5}, output: "", format: "TIFF", noExt: true},
	}
	if got := plannedRenders(args); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if got := plannedRenders([]string{"-a", "-f", "+1"}); len(got) != 2 || got[0].frames != nil || got[1].frames != nil {
		t.Errorf("the scene's frames are unknown: %+v", got)
	}
}

func TestFramePath(t *testing.T) {
	for _, c := range []struct {
		output string
		frame  int
		want   string
	}{
		{"/r/######", 3, "/r/000003"},
		{"/r/shot_##_v##", 12, "/r/shot_##_v12"},
		{"/r/shot_", 7, "/r/shot_0007"},
		{"/r##/shot", 7, "/r##/shot0007"},
		{"/r/f_#", 123, "/r/f_123"},
		{"//out/f_###", 2, "/blend/dir/out/f_002"},
	} {
		if got := framePath(c.output, "/blend/dir", c.frame); got != c.want {
			t.Errorf("framePath(%q, %d) = %q, want %q", c.output, c.frame, got, c.want)
		}
	}
	run := renderRun{format: "JPEG"}
	if got := frameFiles("/r/0001", run); !reflect.DeepEqual(got, []string{"/r/0001.jpg"}) {
		t.Errorf("JPEG: %q", got)
	}
	if got := frameFiles("/r/f.jpeg", run); !reflect.DeepEqual(got, []string{"/r/f.jpeg"}) {
		t.Errorf("JPEG with its extension: %q", got)
	}
}

// pngBytes is a minimal file that ends like a PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n....\x00\x00\x00\x00IEND\xaeB`\x82")

func TestRenderCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("000001.png", pngBytes)
	write("000002.png", nil)
	write("000004.png", pngBytes[:20])
	write("000005.png", pngBytes)
	run := renderRun{frames: []int{1, 2, 3, 4, 5}, output: filepath.Join(dir, "######"), format: "PNG"}
	c := renderCheck{runs: []renderRun{run}}
	err := c.verify()
	for _, want := range []string{"frame 2 (" + dir + "/000002.png is empty)", "frame 3 (" + dir + "/000003.png is missing)",
		"frame 4 (" + dir + "/000004.png is cut short)"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to name %q", err, want)
		}
	}
	if err != nil && (strings.Contains(err.Error(), "frame 1 ") || strings.Contains(err.Error(), "frame 5 ")) {
		t.Errorf("finished frames named: %v", err)
	}

	// Before a render, the empty frame is removed (Blender then renders it);
	// the cut-short one is kept: it may be all a studio has of that frame.
	var log []string
	removeEmptyFrames([]renderRun{run}, "", func(s string) { log = append(log, s) })
	if _, err := os.Stat(filepath.Join(dir, "000002.png")); err == nil || len(log) != 1 || !strings.Contains(log[0], "frame 2") {
		t.Errorf("the empty frame 2 was not removed: %q", log)
	}
	if _, err := os.Stat(filepath.Join(dir, "000004.png")); err != nil {
		t.Errorf("the cut-short frame 4 was removed: %v", err)
	}

	// Unknown format: any extension will do; the scene's own output path: the
	// images Blender reported are counted and checked.
	ok := renderCheck{runs: []renderRun{{frames: []int{1, 5}, output: filepath.Join(dir, "######")}}}
	if err := ok.verify(); err != nil {
		t.Errorf("frames 1 and 5 of any format: %v", err)
	}
	scene := renderCheck{runs: []renderRun{{frames: []int{1, 2}}}, written: []string{filepath.Join(dir, "000001.png")}}
	if err := scene.verify(); err == nil || !strings.Contains(err.Error(), "Blender reported 1 images for 2 frames") {
		t.Errorf("one image for two frames: %v", err)
	}
	scene.written = append(scene.written, filepath.Join(dir, "000004.png"))
	if err := scene.verify(); err == nil || !strings.Contains(err.Error(), "000004.png is cut short") {
		t.Errorf("a reported image cut short: %v", err)
	}
	video := renderCheck{runs: []renderRun{{frames: []int{1, 2}, output: filepath.Join(dir, "v_")}}, video: true}
	if err := video.verify(); err != nil {
		t.Errorf("a video has no frame files: %v", err)
	}
}

func TestCheckFrameFiles(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, name := range []string{"shot_0001.png", "shot_0002.png", "shot_0004.png"} {
		p := filepath.Join(dir, name)
		writeFile(t, p, string(pngBytes))
		files = append(files, p)
	}
	if err := checkFrameFiles(files, []int{1, 2, 4}); err != nil {
		t.Errorf("all there: %v", err)
	}
	if err := checkFrameFiles(files, []int{1, 2, 3, 4, 5}); err == nil || !strings.Contains(err.Error(), "no file for frame 3, 5") {
		t.Errorf("frames 3 and 5 missing: %v", err)
	}
	writeFile(t, files[1], "")
	if err := checkFrameFiles(files, nil); err == nil || !strings.Contains(err.Error(), files[1]+" is empty") {
		t.Errorf("an empty frame: %v", err)
	}
}

func TestForeignPaths(t *testing.T) {
	for _, c := range []struct{ path, goos, want string }{
		{`P:\shots\a.blend`, "linux", "a Windows drive path"},
		{`p:/shots/a.blend`, "darwin", "a Windows drive path"},
		{`C:`, "linux", "a Windows drive path"},
		{`\\server\share\a.blend`, "linux", "a Windows network (UNC) path"},
		{`/mnt/shots/a.blend`, "linux", ""},
		{`//out/f_###`, "linux", ""},
		{`shots/P:\x`, "linux", ""},
		{`/mnt/shots/a.blend`, "windows", "a Linux or macOS path"},
		{`//out/f_###`, "windows", ""},
		{`P:\shots\a.blend`, "windows", ""},
		{`\\server\share`, "windows", ""},
	} {
		if got := foreignPathKind(c.path, c.goos); got != c.want {
			t.Errorf("%q on %s: %q, want %q", c.path, c.goos, got, c.want)
		}
	}
}

// Every command taking a path fails at once for another system's path,
// instead of resolving it against the worker's folder.
func TestCommandsRefuseForeignPaths(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the Windows form is covered by TestForeignPaths")
	}
	dir := t.TempDir()
	tools := Tools{Blender: "/bin/false", FFmpeg: "/bin/false"}
	for _, c := range []struct {
		name   string
		run    Command
		params map[string]any
		want   string
	}{
		{"blender-render", blenderRenderCommand, map[string]any{"exe": "{blender}", "blendfile": `P:\shots\a.blend`},
			`parameter blendfile is a Windows drive path ("P:\\shots\\a.blend")`},
		{"blender-render", blenderRenderCommand, map[string]any{"exe": "{blender}", "blendfile": dir + "/a.blend",
			"args": []any{"--render-output", `\\server\share\f_###`, "-f", "1"}}, "parameter --render-output is a Windows network (UNC) path"},
		{"frames-to-video", framesToVideoCommand, map[string]any{"exe": "ffmpeg", "fps": 24.0,
			"inputGlob": `P:\frames\*.png`, "outputFile": dir + "/v.mp4"}, "parameter inputGlob is a Windows drive path"},
		{"frames-to-video", framesToVideoCommand, map[string]any{"exe": "ffmpeg", "fps": 24.0,
			"inputGlob": dir + "/*.png", "outputFile": `P:\v.mp4`}, "parameter outputFile is a Windows drive path"},
		{"copy-file", copyFileCommand, map[string]any{"src": `P:\a`, "dest": dir + "/b"}, "parameter src is a Windows drive path"},
		{"move-directory", moveDirectoryCommand, map[string]any{"src": dir, "dest": `\\nas\x`}, "parameter dest is a Windows network (UNC) path"},
		{"make-directory", makeDirectoryCommand, map[string]any{"path": `P:\new`}, "parameter path is a Windows drive path"},
		{"delete-path", deletePathCommand, map[string]any{"path": `P:\old`}, "parameter path is a Windows drive path"},
	} {
		var rec recorder
		err := c.run(t.Context(), rec.env(tools), c.params)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "cannot use") {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if log := rec.log(); strings.Contains(log, "running") {
			t.Errorf("%s ran a program:\n%s", c.name, log)
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) > 0 {
		for _, e := range entries {
			if strings.Contains(e.Name(), `\`) || strings.Contains(e.Name(), ":") {
				t.Errorf("a Windows path became a file in the worker's folder: %q", e.Name())
			}
		}
	}
}
