package worker

import (
	"context"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBlenderArgv(t *testing.T) {
	tools := Tools{Blender: "/opt/blender/blender"}
	exe, args, err := blenderArgv(tools, map[string]any{
		"exe": "{blender}", "exeArgs": "{blenderArgs} --factory-startup",
		"argsBefore": []any{"--python-expr", "import bpy"},
		"blendfile":  "/shots/a b.blend",
		"args":       []any{"--render-frame", "1..3"},
	})
	want := []string{"-b", "-y", "--factory-startup", "--python-exit-code", "1", "--python-expr", "import bpy",
		"/shots/a b.blend", "--render-frame", "1..3"}
	if err != nil || exe != tools.Blender || !slices.Equal(args, want) {
		t.Errorf("got %q %q %v,\nwant %q %q", exe, args, err, tools.Blender, want)
	}

	// A job that sets its own exit code keeps it; no blend file is fine.
	_, args, err = blenderArgv(tools, map[string]any{"exe": "{blender}", "args": []any{"--python-exit-code", "7"}})
	if err != nil || !slices.Equal(args, []string{"--python-exit-code", "7"}) {
		t.Errorf("own exit code: %q %v", args, err)
	}

	for _, c := range []struct {
		params map[string]any
		want   string
	}{
		{map[string]any{}, "parameter exe is required"},
		{map[string]any{"exe": 3.0}, "parameter exe must be a string"},
		{map[string]any{"exe": "/usr/bin/blender", "exeArgs": "'open"}, "parameter exeArgs"},
		{map[string]any{"exe": "/usr/bin/blender", "args": "-f 1"}, "parameter args must be a list"},
		{map[string]any{"exe": "/usr/bin/blender", "blendfile": []any{}}, "parameter blendfile must be a string"},
	} {
		if _, _, err := blenderArgv(tools, c.params); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.params, err, c.want)
		}
	}
	if _, _, err := blenderArgv(Tools{}, map[string]any{"exe": "{blender}"}); err == nil || !strings.Contains(err.Error(), "none was found") {
		t.Errorf("no Blender on this worker: %v", err)
	}
}

func TestBlenderOutputLines(t *testing.T) {
	for line, want := range map[string]string{
		"Saved: '/r/f_001.png'":                      "/r/f_001.png",
		`render           | Saved: "/r/f_002.png"`:   "/r/f_002.png",
		"12:00:01.123  render | Saved: '/r/f_3.png'": "/r/f_3.png",
		" Time: 00:00.43 (Saving: 00:00.31)":         "",
		"print('Saved: nothing')":                    "",
		`Info: Saved "scene.blend"`:                  "",
	} {
		got := ""
		if m := blenderSaved.FindStringSubmatch(line); m != nil {
			got = m[1]
		}
		if got != want {
			t.Errorf("%q: saved %q, want %q", line, got, want)
		}
	}
	if !blenderSkipped.MatchString(`skipping existing frame "/r/f_001.png"`) {
		t.Error("a skipped frame is not recognised")
	}
}

// TestBlenderRender renders a tiny Cycles scene with the real Blender, then
// turns the frames into a video with the real FFmpeg.
func TestBlenderRender(t *testing.T) {
	tools := realTools()
	needTool(t, "blender", tools.Blender)
	dir := t.TempDir()
	blend := makeScene(t, tools, dir)
	frames := filepath.Join(dir, "frames")

	t.Run("three frames", func(t *testing.T) {
		var rec recorder
		start := time.Now()
		err := blenderRenderCommand(context.Background(), rec.env(tools), map[string]any{
			"exe": "{blender}", "exeArgs": "{blenderArgs} --factory-startup", "argsBefore": []any{},
			"blendfile": blend,
			"args": []any{"--render-output", filepath.Join(frames, "frame_###"), "--render-format", "PNG",
				"--render-frame", "1..3"},
		})
		t.Logf("rendered in %v", time.Since(start).Round(time.Millisecond))
		if err != nil {
			t.Fatalf("%v\n%s", err, rec.log())
		}
		var want []string
		for _, name := range []string{"frame_001.png", "frame_002.png", "frame_003.png"} {
			p := filepath.Join(frames, name)
			want = append(want, p)
			checkPNG(t, p, 64, 64)
		}
		if rec.steps != 3 || !slices.Equal(rec.produced, want) {
			t.Errorf("steps %d, produced %q; want 3 and %q", rec.steps, rec.produced, want)
		}
		if log := rec.log(); !strings.Contains(log, "Fra:1 ") || !strings.Contains(log, "Blender quit") {
			t.Errorf("Blender's own lines are not all in the log:\n%s", log)
		}
	})

	t.Run("a Python error fails the task", func(t *testing.T) {
		var rec recorder
		out := filepath.Join(dir, "broken")
		err := blenderRenderCommand(context.Background(), rec.env(tools), map[string]any{
			"exe": "{blender}", "exeArgs": "{blenderArgs} --factory-startup", "blendfile": blend,
			"args": []any{"--python-expr", "raise RuntimeError('boom from the test')",
				"--render-output", filepath.Join(out, "frame_###"), "--render-format", "PNG", "--render-frame", "1"},
		})
		if err == nil || !strings.Contains(err.Error(), "exited with code 1") ||
			!strings.Contains(err.Error(), "RuntimeError: boom from the test") {
			t.Fatalf("error = %v, want exit code 1 and the Python error\n%s", err, rec.log())
		}
		t.Log(err)
		if _, statErr := os.Stat(out); statErr == nil || rec.steps != 0 {
			t.Errorf("Blender rendered despite the error (steps %d)", rec.steps)
		}
	})

	t.Run("a cancel stops Blender", func(t *testing.T) {
		var rec recorder
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second, cancel)
		start := time.Now()
		err := blenderRenderCommand(ctx, rec.env(tools), map[string]any{
			"exe": "{blender}", "exeArgs": "{blenderArgs} --factory-startup", "blendfile": blend,
			"args": []any{"--python-expr", "import time; time.sleep(60)"},
		})
		if took := time.Since(start); !errors.Is(err, context.Canceled) || took > time.Second+2*time.Second {
			t.Errorf("returned %v after %v; want a cancellation within 2 s", err, took)
		}
	})

	t.Run("frames to video", func(t *testing.T) {
		needTool(t, "ffmpeg", tools.FFmpeg)
		ffprobe, _ := exec.LookPath("ffprobe")
		needTool(t, "ffprobe", ffprobe)
		defer func(was bool) { concatIndex = was }(concatIndex)
		for _, index := range []bool{false, true} {
			concatIndex = index
			var rec recorder
			video := filepath.Join(dir, "video", "index="+map[bool]string{false: "no", true: "yes"}[index], "preview.mp4")
			start := time.Now()
			err := framesToVideoCommand(context.Background(), rec.env(tools), map[string]any{
				"exe": "ffmpeg", "fps": 24.0, "inputGlob": filepath.Join(frames, "*.png"), "outputFile": video,
				// What simple-blender-render passes.
				"args": []any{"-c:v", "h264", "-crf", "20", "-g", "18", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2",
					"-pix_fmt", "yuv420p", "-y"},
			})
			t.Logf("concat index %v: video in %v", index, time.Since(start).Round(time.Millisecond))
			if err != nil {
				t.Fatalf("concat index %v: %v\n%s", index, err, rec.log())
			}
			out, err := exec.Command(ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
				"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", video).Output()
			if got := strings.TrimSpace(string(out)); err != nil || got != "3" {
				t.Errorf("concat index %v: ffprobe says %q frames (%v), want 3", index, got, err)
			}
			log := rec.log()
			if !strings.Contains(log, "frames-to-video: frame 3 of 3") || strings.Contains(log, "progress=") {
				t.Errorf("concat index %v: progress not summarised in the log:\n%s", index, log)
			}
			if _, err := os.Stat(filepath.Join(frames, "ffmpeg-file-index.txt")); err == nil {
				t.Error("the concat index file was left behind")
			}
		}
	})
}

func makeScene(t *testing.T, tools Tools, dir string) string {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "make_scene.py"))
	if err != nil {
		t.Fatal(err)
	}
	blend := filepath.Join(dir, "scene.blend")
	start := time.Now()
	out, err := exec.Command(tools.Blender, "-b", "--factory-startup", "--python-exit-code", "1",
		"--python", script, "--", blend).CombinedOutput()
	if err != nil {
		t.Fatalf("building the scene: %v\n%s", err, out)
	}
	t.Logf("scene built in %v", time.Since(start).Round(time.Millisecond))
	return blend
}

func checkPNG(t *testing.T, path string, w, h int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("%s is %dx%d, want %dx%d", path, b.Dx(), b.Dy(), w, h)
	}
}
