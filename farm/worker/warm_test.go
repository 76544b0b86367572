package worker

import (
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// renderSettingsPython is what simple-blender-render puts before the frames.
const renderSettingsPython = "import bpy; r = bpy.context.scene.render; " +
	"r.use_file_extension = True; r.use_overwrite = True; r.use_placeholder = False"

// warmJobParams are blender-render parameters as simple-blender-render
// authors them, with before put between the overrides and the frames.
func warmJobParams(blend string, before []string, frames string) map[string]any {
	args := []any{"--python-expr", renderSettingsPython}
	for _, a := range before {
		args = append(args, a)
	}
	args = append(args, "--render-frame", frames)
	return map[string]any{"exe": "{blender}", "exeArgs": "{blenderArgs} --factory-startup", "argsBefore": []any{},
		"blendfile": blend, "args": args}
}

func TestPlanWarm(t *testing.T) {
	blend := filepath.Join(t.TempDir(), "a.blend")
	if err := os.WriteFile(blend, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := Env{Vars: []string{"FARMHAND_JOB_ID=j1", "FARMHAND_TASK_ID=t1"}}
	plan := func(params map[string]any) (warmPlan, string) {
		t.Helper()
		exe, args, err := blenderArgv(Tools{Blender: "/usr/bin/blender"}, params)
		if err != nil {
			t.Fatal(err)
		}
		p, why, err := planWarm(exe, args, params, env)
		if err != nil {
			t.Fatal(err)
		}
		return p, why
	}
	p, why := plan(warmJobParams(blend, []string{"-o", "/r/f_###", "-F", "PNG"}, "3..5,9,2"))
	wantArgs := []string{"-b", "-y", "--factory-startup", "--python-exit-code", "1", blend,
		"--python-expr", renderSettingsPython, "-o", "/r/f_###", "-F", "PNG", "--python", ""}
	if why != "" || !slices.Equal(p.args, wantArgs) || !slices.Equal(p.frames, []int{3, 4, 5, 9, 2}) || p.job != "j1" {
		t.Errorf("plan %q %v job %q (%s);\nwant %q [3 4 5 9 2] j1", p.args, p.frames, p.job, why, wantArgs)
	}

	// The same line for other frames is the same process; anything else
	// before the frames, or the blend file saved anew, is another.
	same, _ := plan(warmJobParams(blend, []string{"-o", "/r/f_###", "-F", "PNG"}, "6..8"))
	other, _ := plan(warmJobParams(blend, []string{"-o", "/r/g_###", "-F", "PNG"}, "6..8"))
	if same.key != p.key || other.key == p.key {
		t.Errorf("keys: same frames range %v, other output %v; want true, false", same.key == p.key, other.key == p.key)
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(blend, later, later); err != nil {
		t.Fatal(err)
	}
	if saved, _ := plan(warmJobParams(blend, []string{"-o", "/r/f_###", "-F", "PNG"}, "6..8")); saved.key == p.key {
		t.Error("a blend file saved anew keeps the old warm Blender")
	}

	off := warmJobParams(blend, nil, "1")
	off[warmParam] = false
	for name, c := range map[string]struct {
		params map[string]any
		why    string
	}{
		"job setting off":     {off, "the job turned warm Blender off"},
		"relative frames":     {warmJobParams(blend, nil, "+1"), "not plain frame numbers"},
		"stepped frames":      {warmJobParams(blend, nil, "1-9x2"), "not plain frame numbers"},
		"animation":           {map[string]any{"exe": "blender", "blendfile": blend, "args": []any{"-a"}}, "does not end in --render-frame"},
		"two renders":         {warmJobParams(blend, []string{"-f", "1"}, "2"), "renders more than once"},
		"arguments to script": {map[string]any{"exe": "blender", "args": []any{"--", "-f", "1"}}, "passes arguments to a script"},
	} {
		if _, why := plan(c.params); !strings.Contains(why, c.why) {
			t.Errorf("%s: reason %q, want %q", name, why, c.why)
		}
	}
	bad := warmJobParams(blend, nil, "1")
	bad[warmParam] = "no"
	if _, _, err := planWarm("blender", []string{"-f", "1"}, bad, env); err == nil || !strings.Contains(err.Error(), warmParam) {
		t.Errorf("a warmBlender that is not a bool: %v", err)
	}
	SetWarmBlender(false)
	_, why = plan(warmJobParams(blend, nil, "1"))
	SetWarmBlender(true)
	if !strings.Contains(why, "--no-warm-blender") {
		t.Errorf("with --no-warm-blender: reason %q", why)
	}
}

func TestBlenderFrameList(t *testing.T) {
	for spec, want := range map[string][]int{
		"7": {7}, "1..3": {1, 2, 3}, "5,1..2,5": {5, 1, 2, 5}, "4..2": nil, "1.5": nil, "": nil, "-1": nil,
	} {
		got, ok := blenderFrameList(spec)
		if !slices.Equal(got, want) || ok != (want != nil) {
			t.Errorf("%q: %v %v, want %v", spec, got, ok, want)
		}
	}
}

// TestWarmBlenderMatchesCold renders the same frames of the same scene cold
// (one Blender for the task) and warm (one Blender for several chunks), with
// Debian's Blender, and compares the files' names and decoded pixels.
func TestWarmBlenderMatchesCold(t *testing.T) {
	tools := realTools()
	needTool(t, "blender", tools.Blender)
	dir := t.TempDir()
	blend := makeWarmScene(t, tools, dir, 0)
	pool := newWarmPool(quiet)
	t.Cleanup(func() { pool.close("the test ends") })
	ctx := withWarmPool(context.Background(), pool)

	for _, c := range []struct {
		name   string
		output string // under the cold and the warm folder
		before []string
		chunks []string
	}{
		// Frames 3 and 4 are on either side of the camera switch.
		{"padded", "frame_###", []string{"--render-format", "PNG"}, []string{"1..2", "3,4", "5..6"}},
		{"no padding", "f", []string{"--render-format", "PNG"}, []string{"2", "7"}},
		{"no extension", "x/noext_##_", []string{"--render-format", "PNG", "--use-extension", "0"}, []string{"9..10"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cold, warm := filepath.Join(dir, c.name, "cold"), filepath.Join(dir, c.name, "warm")
			var all []string
			pids := map[int]bool{}
			for _, chunk := range c.chunks {
				all = append(all, chunk)
				var rec recorder
				env := rec.env(tools)
				env.Vars = []string{"FARMHAND_JOB_ID=job-" + c.name}
				before := append([]string{"--render-output", filepath.Join(warm, c.output)}, c.before...)
				if err := blenderRenderCommand(ctx, env, warmJobParams(blend, before, chunk)); err != nil {
					t.Fatalf("warm chunk %s: %v\n%s", chunk, err, rec.log())
				}
				pids[pool.proc.cmd.Process.Pid] = true
				if strings.Contains(rec.log(), "Blender quit") {
					t.Errorf("chunk %s: Blender quit, so it was not kept warm:\n%s", chunk, rec.log())
				}
			}
			if len(pids) != 1 {
				t.Errorf("the chunks ran in %d Blender processes, want 1", len(pids))
			}
			var rec recorder
			before := append([]string{"--render-output", filepath.Join(cold, c.output)}, c.before...)
			if err := blenderRenderCommand(context.Background(), rec.env(tools), warmJobParams(blend, before, strings.Join(all, ","))); err != nil {
				t.Fatalf("cold: %v\n%s", err, rec.log())
			}
			coldFiles, warmFiles := listFiles(t, cold), listFiles(t, warm)
			if len(coldFiles) == 0 || !slices.Equal(coldFiles, warmFiles) {
				t.Fatalf("files cold %q, warm %q", coldFiles, warmFiles)
			}
			for _, f := range coldFiles {
				if !samePixels(t, filepath.Join(cold, f), filepath.Join(warm, f)) {
					t.Errorf("%s: the warm frame's pixels differ from the cold one's", f)
				}
			}
		})
	}
	// The comparison can fail: the camera switch and the turning cube change
	// the pixels from one frame to the next.
	if samePixels(t, filepath.Join(dir, "padded", "cold", "frame_003.png"), filepath.Join(dir, "padded", "cold", "frame_004.png")) {
		t.Error("frames 3 and 4 have the same pixels: the test scene does not tell frames apart")
	}
}

// makeWarmScene builds testdata/warm_scene.py's scene as dir/scene.blend;
// with loadSeconds, loading it takes that much longer (run with -y, as the
// worker does).
func makeWarmScene(t testing.TB, tools Tools, dir string, loadSeconds float64) string {
	t.Helper()
	return makeSlowScene(t, tools, dir, loadSeconds, 0)
}

// makeSlowScene is makeWarmScene whose frames also take frameSeconds longer.
func makeSlowScene(t testing.TB, tools Tools, dir string, loadSeconds, frameSeconds float64) string {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "warm_scene.py"))
	if err != nil {
		t.Fatal(err)
	}
	blend := filepath.Join(dir, "scene.blend")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tools.Blender, "-b", "--factory-startup", "--python-exit-code", "1",
		"--python", script, "--", blend, strconv.FormatFloat(loadSeconds, 'f', -1, 64),
		strconv.FormatFloat(frameSeconds, 'f', -1, 64)).CombinedOutput()
	if err != nil {
		t.Fatalf("building the scene: %v\n%s", err, out)
	}
	return blend
}

// listFiles lists the files under dir, as paths relative to it.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	return files
}

// samePixels decodes two PNG files and reports whether they have the same
// size and the same colour at every pixel.
func samePixels(t *testing.T, a, b string) bool {
	t.Helper()
	ia, ib := decodePNG(t, a), decodePNG(t, b)
	if ia == nil || ib == nil || ia.Bounds() != ib.Bounds() {
		return false
	}
	r := ia.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := ia.At(x, y).RGBA()
			r2, g2, b2, a2 := ib.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return nil
	}
	return img
}

// TestWarmBlenderRestarts: a warm Blender is replaced after its chunks, when
// the overrides change, and a video output, which the server turns down, is
// rendered cold; a job that turns warm Blender off leaves the warm one be.
func TestWarmBlenderRestarts(t *testing.T) {
	tools := realTools()
	needTool(t, "blender", tools.Blender)
	dir := t.TempDir()
	blend := makeWarmScene(t, tools, dir, 0)
	pool := newWarmPool(quiet)
	pool.maxChunks = 2
	t.Cleanup(func() { pool.close("the test ends") })
	ctx := withWarmPool(context.Background(), pool)
	render := func(params map[string]any) (int, string) {
		t.Helper()
		var rec recorder
		env := rec.env(tools)
		env.Vars = []string{"FARMHAND_JOB_ID=j"}
		if err := blenderRenderCommand(ctx, env, params); err != nil {
			t.Fatalf("%v\n%s", err, rec.log())
		}
		if pool.proc == nil {
			return 0, rec.log()
		}
		return pool.proc.cmd.Process.Pid, rec.log()
	}
	out := []string{"-o", filepath.Join(dir, "out", "f_###")}
	p1, _ := render(warmJobParams(blend, out, "1"))
	p2, _ := render(warmJobParams(blend, out, "2"))
	p3, log := render(warmJobParams(blend, out, "3"))
	if p1 == 0 || p2 != p1 || p3 == p2 || !strings.Contains(log, "rendered its 2 chunks") {
		t.Errorf("processes %d %d %d, want the third chunk in a new one (at most 2 chunks each):\n%s", p1, p2, p3, log)
	}
	off := warmJobParams(blend, out, "4")
	off[warmParam] = false
	if p4, log := render(off); p4 != p3 || !strings.Contains(log, "Blender quit") {
		t.Errorf("with warmBlender false: warm process %d (was %d), log:\n%s", p4, p3, log)
	}
	other := append([]string{"--python-expr", "import bpy; bpy.context.scene.cycles.samples = 2"}, out...)
	if p5, log := render(warmJobParams(blend, other, "5")); p5 == p3 || p5 == 0 || !strings.Contains(log, "the overrides or the options changed") {
		t.Errorf("other overrides: process %d (was %d), log:\n%s", p5, p3, log)
	}
	video := []string{"-o", filepath.Join(dir, "video", "v_"), "-F", "FFMPEG"}
	for range 2 {
		if p, log := render(warmJobParams(blend, video, "1..3")); p != 0 || !strings.Contains(log, "Blender quit") ||
			!strings.Contains(log, "video") {
			t.Errorf("a video output: warm process %d, log:\n%s", p, log)
		}
	}
	if files := listFiles(t, filepath.Join(dir, "video")); len(files) != 1 {
		t.Errorf("video files %q, want one", files)
	}
}
