package worker

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// noOverwrite is what simple-blender-render forced before it overwrote
// frames: Blender keeps any file already at a frame's path.
const noOverwrite = "import bpy; bpy.context.scene.render.use_overwrite = False"

// TestBlenderOutputsVerified renders with the real Blender: a frame that is
// an empty file is rendered again, one cut short fails the task naming it,
// and a 70000-byte output line loses none of the Saved lines after it.
func TestBlenderOutputsVerified(t *testing.T) {
	tools := realTools()
	needTool(t, "blender", tools.Blender)
	dir := t.TempDir()
	blend := makeScene(t, tools, dir)
	render := func(out string, extra ...any) (*recorder, error) {
		rec := &recorder{}
		args := append(extra, "--render-output", filepath.Join(out, "frame_###"), "--render-format", "PNG",
			"--render-frame", "1..3")
		err := blenderRenderCommand(context.Background(), rec.env(tools), map[string]any{
			"exe": "{blender}", "exeArgs": "{blenderArgs} --factory-startup", "blendfile": blend, "args": args,
		})
		return rec, err
	}

	t.Run("an empty frame is rendered again", func(t *testing.T) {
		out := filepath.Join(dir, "empty")
		writeFile(t, filepath.Join(out, "frame_002.png"), "")
		rec, err := render(out, "--python-expr", noOverwrite)
		if err != nil {
			t.Fatalf("%v\n%s", err, rec.log())
		}
		checkPNG(t, filepath.Join(out, "frame_002.png"), 64, 64)
		if !strings.Contains(rec.log(), "removed the empty file "+filepath.Join(out, "frame_002.png")) || rec.steps != 3 {
			t.Errorf("steps %d, log:\n%s", rec.steps, rec.log())
		}
	})

	t.Run("a scene the file lacks fails the task", func(t *testing.T) {
		// Blender renders the file's own scene instead and exits 0 (found by
		// a fresh-eyes try: the job said completed).
		rec, err := render(filepath.Join(dir, "noscene"), "--scene", "Nope")
		if err == nil || !strings.Contains(err.Error(), `no scene "Nope"`) {
			t.Fatalf("error %v, want it to name the missing scene\n%s", err, rec.log())
		}
	})

	t.Run("a frame cut short fails the task", func(t *testing.T) {
		out := filepath.Join(dir, "cut")
		writeFile(t, filepath.Join(out, "frame_002.png"), string(pngBytes[:20]))
		rec, err := render(out, "--python-expr", noOverwrite)
		want := "frame 2 (" + filepath.Join(out, "frame_002.png") + " is cut short)"
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "frame 1") {
			t.Fatalf("error %v, want it to name %q\n%s", err, want, rec.log())
		}
		if !strings.Contains(rec.log(), "skipping existing frame") {
			t.Errorf("Blender did not skip the existing frame:\n%s", rec.log())
		}
	})

	t.Run("a long line before the render", func(t *testing.T) {
		out := filepath.Join(dir, "long")
		rec, err := render(out, "--python-expr", "print('x' * 70000)")
		if err != nil {
			t.Fatalf("%v\n%s", err, rec.log())
		}
		log := rec.log()
		if n := strings.Count(log, "Saved: "); n != 3 || rec.steps != 3 || len(rec.produced) != 3 ||
			!strings.Contains(log, "[line cut: 70000 bytes, kept first 8192]") {
			t.Errorf("%d Saved lines, %d steps, %d images; want 3 each and the cut line\n%.2000s", n, rec.steps, len(rec.produced), log)
		}
	})

	t.Run("frames to video checks its frames and the video", func(t *testing.T) {
		needTool(t, "ffmpeg", tools.FFmpeg)
		frames := filepath.Join(dir, "empty")
		video := func(name string, extra map[string]any) (*recorder, error) {
			rec := &recorder{}
			params := map[string]any{"exe": "ffmpeg", "fps": 24.0, "inputGlob": filepath.Join(frames, "*.png"),
				"outputFile": filepath.Join(dir, "video", name), "frames": "1-3",
				"args": []any{"-c:v", "h264", "-pix_fmt", "yuv420p", "-y"}}
			for k, v := range extra {
				params[k] = v
			}
			return rec, framesToVideoCommand(context.Background(), rec.env(tools), params)
		}
		if rec, err := video("all.mp4", nil); err != nil || !strings.Contains(rec.log(), "has all 3 frames") {
			t.Errorf("three frames: %v\n%s", err, rec.log())
		}
		if _, err := video("more.mp4", map[string]any{"frames": "1-5"}); err == nil ||
			!strings.Contains(err.Error(), "no file for frame 4-5") {
			t.Errorf("frames 4 and 5 missing: %v", err)
		}
		if _, err := video("short.mp4", map[string]any{"args": []any{"-frames:v", "2", "-y"}}); err == nil ||
			!strings.Contains(err.Error(), "has 2 frames of the 3 it was given") {
			t.Errorf("a short video: %v", err)
		}
		if _, err := video("bad.mp4", map[string]any{"frames": "1-10x0"}); err == nil || !strings.Contains(err.Error(), "parameter frames") {
			t.Errorf("a bad frame range: %v", err)
		}
		writeFile(t, filepath.Join(frames, "frame_003.png"), "")
		if _, err := video("empty.mp4", nil); err == nil || !strings.Contains(err.Error(), filepath.Join(frames, "frame_003.png")+" is empty") {
			t.Errorf("an empty frame: %v", err)
		}
		// Without an ffprobe next to ffmpeg or on PATH, FFmpeg itself counts.
		alone := t.TempDir()
		if err := os.Symlink(tools.FFmpeg, filepath.Join(alone, "ffmpeg")); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", alone)
		if ffprobeFor(filepath.Join(alone, "ffmpeg")) != "" {
			t.Fatal("an ffprobe was found")
		}
		if n, err := videoFrames(context.Background(), filepath.Join(alone, "ffmpeg"), filepath.Join(dir, "video", "all.mp4")); err != nil || n != 3 {
			t.Errorf("ffmpeg counts %d frames (%v), want 3", n, err)
		}
	})
}
