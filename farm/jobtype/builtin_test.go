package jobtype

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"farmhand/farm/files"
	"farmhand/farm/model"
)

// blenderSettings is what the Flamenco add-on sends for simple-blender-render,
// with key set to value (nil leaves it out).
func blenderSettings(key string, value any) map[string]any {
	s := map[string]any{
		"frames":               "1-6",
		"chunk_size":           2.0,
		"render_output_root":   "/render",
		"add_path_components":  0.0,
		"render_output_path":   "/render/shot/{timestamp}/######",
		"blendfile":            "/projects/film/shot.flamenco.blend",
		"fps":                  24.0,
		"format":               "PNG",
		"image_file_extension": ".png",
		"has_previews":         false,
		"scene":                "Scene",
	}
	if key != "" {
		s[key] = value
		if value == nil {
			delete(s, key)
		}
	}
	return s
}

func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

var created = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func compileBlender(t *testing.T, settings map[string]any) ([]TaskSpec, *model.Job) {
	t.Helper()
	job := &model.Job{Name: "shot", Type: "simple-blender-render", Priority: 50, Settings: settings, Created: created}
	tasks, err := Builtin(quiet).Compile(job)
	if err != nil {
		t.Fatal(err)
	}
	return tasks, job
}

func TestSimpleBlenderRender(t *testing.T) {
	tasks, job := compileBlender(t, blenderSettings("", nil))
	stamp := created.Local().Format("2006-01-02_150405")
	dir := "/render/shot/" + stamp
	if job.Settings["render_output_path"] != dir+"/######" {
		t.Errorf("render_output_path stored as %v", job.Settings["render_output_path"])
	}
	if len(tasks) != 4 {
		t.Fatalf("%d tasks, want 3 renders and a video", len(tasks))
	}
	// Flamenco writes two frames as "1,2" rather than a range; Blender takes both.
	for i, frames := range []string{"1,2", "3,4", "5,6"} {
		task := tasks[i]
		name := "render-" + frames
		if task.Name != name || task.Type != "blender" || len(task.DependsOn) != 0 || len(task.Commands) != 1 {
			t.Fatalf("task %d: %+v", i, task)
		}
		want := model.Command{Name: "blender-render", TotalSteps: 2, Parameters: map[string]any{
			"exe": "{blender}", "exeArgs": "{blenderArgs}", "argsBefore": []any{},
			"blendfile": "/projects/film/shot.flamenco.blend",
			"args": []any{"--scene", "Scene", "--python-expr", wantPython,
				"--render-output", dir + "/######", "--render-format", "PNG", "--render-frame", frames},
		}}
		if got := task.Commands[0]; !reflect.DeepEqual(got, want) {
			t.Errorf("task %s command\n got %v\nwant %v", name, got, want)
		}
	}
	video := tasks[3]
	if video.Name != "preview-video" || video.Type != "ffmpeg" || !slices.Equal(video.DependsOn, []int{0, 1, 2}) {
		t.Fatalf("video task %+v", video)
	}
	cmd := video.Commands[0]
	if cmd.Name != "frames-to-video" || !sameJSON(cmd.Parameters, map[string]any{
		"exe": "ffmpeg", "fps": 24, "inputGlob": dir + "/*.png", "outputFile": dir + "/shot-1-6.mp4", "frames": "1-6",
		"args": []string{"-c:v", "h264", "-crf", "20", "-g", "18", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p", "-y"},
	}) {
		t.Errorf("video command %v", cmd)
	}
}

// wantPython is the --python-expr every render task gets.
const wantPython = "import bpy; r = bpy.context.scene.render; r.use_file_extension = True; r.use_overwrite = True; r.use_placeholder = False"

func TestSimpleBlenderRenderVariants(t *testing.T) {
	t.Run("uneven frames and chunks", func(t *testing.T) {
		s := blenderSettings("frames", "1-3, 7, 9..12")
		s["chunk_size"] = 3.0
		tasks, _ := compileBlender(t, s)
		var frames []string
		for _, task := range tasks[:len(tasks)-1] {
			args := task.Commands[0].Parameters["args"].([]any)
			frames = append(frames, args[len(args)-1].(string))
		}
		if fmt.Sprint(frames) != "[1..3 7,9,10 11,12]" || tasks[len(tasks)-1].Commands[0].Parameters["outputFile"] != "/render/shot/"+created.Local().Format("2006-01-02_150405")+"/shot-1-12.mp4" {
			t.Errorf("frames %v, video %v", frames, tasks[len(tasks)-1].Commands[0])
		}
		if tasks[1].Commands[0].TotalSteps != 3 || tasks[2].Commands[0].TotalSteps != 2 {
			t.Errorf("steps %d", tasks[1].Commands[0].TotalSteps)
		}
	})
	t.Run("a frame step renders only its frames", func(t *testing.T) {
		// Case 11: 1-6x2 by 2 is Blender's "--render-frame 1,3" and "5", and a
		// video named after the first and last frame.
		s := blenderSettings("frames", "1-6x2")
		tasks, _ := compileBlender(t, s)
		var frames []string
		var steps []int
		for _, task := range tasks[:len(tasks)-1] {
			args := task.Commands[0].Parameters["args"].([]any)
			frames = append(frames, args[len(args)-1].(string))
			steps = append(steps, task.Commands[0].TotalSteps)
		}
		video := tasks[len(tasks)-1].Commands[0].Parameters["outputFile"].(string)
		if fmt.Sprint(frames) != "[1,3 5]" || fmt.Sprint(steps) != "[2 1]" || !strings.HasSuffix(video, "/shot-1-5.mp4") {
			t.Errorf("render frames %v, steps %v, video %s", frames, steps, video)
		}
	})
	t.Run("EXR without previews makes no video", func(t *testing.T) {
		tasks, _ := compileBlender(t, blenderSettings("format", "OPEN_EXR"))
		if len(tasks) != 3 || tasks[2].Type != "blender" {
			t.Errorf("%d tasks", len(tasks))
		}
	})
	t.Run("EXR with previews makes a video of them", func(t *testing.T) {
		s := blenderSettings("format", "OPEN_EXR")
		s["has_previews"] = true
		tasks, _ := compileBlender(t, s)
		if glob := tasks[3].Commands[0].Parameters["inputGlob"].(string); !strings.HasSuffix(glob, "/*.jpg") {
			t.Errorf("glob %s", glob)
		}
	})
	t.Run("command line submission without add-on settings", func(t *testing.T) {
		s := map[string]any{"frames": "1-2", "render_output_root": `C:\render`, "blendfile": "/projects/film/seq/shot.blend",
			"format": "JPEG", "add_path_components": 2.0}
		tasks, job := compileBlender(t, s)
		dir := "C:/render/film/seq/shot/" + created.Local().Format("2006-01-02_150405")
		if job.Settings["render_output_path"] != dir+"/######" {
			t.Errorf("render output %v", job.Settings["render_output_path"])
		}
		args := tasks[0].Commands[0].Parameters["args"].([]any)
		video := tasks[len(tasks)-1].Commands[0]
		if args[0] != "--python-expr" || len(tasks) != 3 || video.Parameters["inputGlob"] != dir+"/*.jpg" || video.Parameters["fps"] != 24.0 {
			t.Errorf("args %v, video %v", args, tasks[len(tasks)-1])
		}
	})
}

// TestBlenderGlobEscapesTheFolder is case 02: the job name is a folder of
// the output path, and its brackets are no pattern in the video's inputGlob.
func TestBlenderGlobEscapesTheFolder(t *testing.T) {
	s := blenderSettings("render_output_path", nil)
	s["frames"], s["chunk_size"] = "1-3", 3.0
	job := &model.Job{Name: "sh010 [v2]", Type: "simple-blender-render", Priority: 50, Settings: s, Created: created}
	tasks, err := Builtin(quiet).Compile(job)
	if err != nil {
		t.Fatal(err)
	}
	dir := "/render/sh010 [v2]/" + created.Local().Format("2006-01-02_150405")
	params := tasks[len(tasks)-1].Commands[0].Parameters
	if want := "/render/sh010 [[]v2]/" + created.Local().Format("2006-01-02_150405") + "/*.png"; params["inputGlob"] != want {
		t.Errorf("inputGlob %v, want %s", params["inputGlob"], want)
	}
	if params["outputFile"] != dir+"/shot-1-3.mp4" {
		t.Errorf("outputFile %v: only patterns are escaped", params["outputFile"])
	}
	args := tasks[0].Commands[0].Parameters["args"].([]any)
	if !slices.Contains(args, any(dir+"/######")) {
		t.Errorf("render output in %v: only patterns are escaped", args)
	}
}

// TestBlenderOverwritesFrames is case 06's script part: a requeued task
// renders its frames again, and Blender writes no placeholders.
func TestBlenderOverwritesFrames(t *testing.T) {
	tasks, _ := compileBlender(t, blenderSettings("", nil))
	args := tasks[0].Commands[0].Parameters["args"].([]any)
	i := slices.Index(args, any("--python-expr"))
	if i < 0 {
		t.Fatalf("no --python-expr in %v", args)
	}
	python := args[i+1].(string)
	if !strings.Contains(python, "r.use_overwrite = True") || !strings.Contains(python, "r.use_placeholder = False") ||
		strings.Contains(python, "use_overwrite = False") {
		t.Errorf("render settings %q", python)
	}
}

// TestBuiltinsDeclareMaxTaskDuration: both built-ins offer the optional hard
// limit the manager enforces, and a job is refused with a limit the manager
// could not read (model.Job.MaxTaskDuration's rules).
func TestBuiltinsDeclareMaxTaskDuration(t *testing.T) {
	r := Builtin(quiet)
	for _, typ := range []string{"echo-sleep-test", "simple-blender-render"} {
		jt, err := r.Get(typ)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(jt.Settings, func(s Setting) bool { return s.Key == model.MaxTaskDurationSetting })
		if i < 0 {
			t.Errorf("%s does not declare %s", typ, model.MaxTaskDurationSetting)
			continue
		}
		if s := jt.Settings[i]; s.Type != TypeString || s.Required || s.Default != "" || !strings.Contains(s.Description, "2h30m") {
			t.Errorf("%s: %+v", typ, s)
		}
		settings := blenderSettings("", nil)
		job := &model.Job{Name: "n", Type: typ, Settings: settings}
		if _, err := r.Compile(job); err != nil || job.Settings[model.MaxTaskDurationSetting] != "" {
			t.Errorf("%s without a limit: %v, setting %#v", typ, err, job.Settings[model.MaxTaskDurationSetting])
		}
		settings = blenderSettings(model.MaxTaskDurationSetting, "2h30m")
		if _, err := r.Compile(&model.Job{Name: "n", Type: typ, Settings: settings}); err != nil {
			t.Errorf("%s with 2h30m: %v", typ, err)
		}
		for _, limit := range []string{"5400", "0.5", " 90s "} {
			settings = blenderSettings(model.MaxTaskDurationSetting, limit)
			if _, err := r.Compile(&model.Job{Name: "n", Type: typ, Settings: settings}); err != nil {
				t.Errorf("%s with %q: %v", typ, limit, err)
			}
		}
		for limit, says := range map[string]string{"two hours": `max_task_duration "two hours" is not a duration`,
			"-1h": "max_task_duration must be between 0 and a year, not -1h"} {
			settings = blenderSettings(model.MaxTaskDurationSetting, limit)
			if _, err := r.Compile(&model.Job{Name: "n", Type: typ, Settings: settings}); !errors.Is(err, ErrInvalid) ||
				!strings.Contains(err.Error(), says) {
				t.Errorf("%s with %q: %v, want ErrInvalid saying %q", typ, limit, err, says)
			}
		}
	}
}

// TestBlenderFramesFollowTheSceneStep: the frames setting's eval, which the
// add-on runs in Blender, adds the scene's Frame Step when it is not 1. The
// add-on's tests evaluate the expression itself (addon/tests).
func TestBlenderFramesFollowTheSceneStep(t *testing.T) {
	jt, _ := Builtin(quiet).Get("simple-blender-render")
	frames := jt.Settings[slices.IndexFunc(jt.Settings, func(s Setting) bool { return s.Key == "frames" })]
	want := "f'{C.scene.frame_start}-{C.scene.frame_end}' + (f'x{C.scene.frame_step}' if C.scene.frame_step != 1 else '')"
	if frames.Eval != want {
		t.Errorf("frames eval %q, want %q", frames.Eval, want)
	}
}

// A job name is one folder of the output path on every system: separators
// and characters Windows refuses become "_", so a name cannot climb out of
// the output root or make nested folders; a Windows device name gets a "_"
// and trailing dots and spaces go, which Windows would open as a device or
// drop (and the manager refuses as an upload job's output path: a job named
// "nul" failed every task, found by a fresh-eyes try).
func TestBlenderJobNameIsOneFolder(t *testing.T) {
	for name, want := range map[string]string{
		"../../escape":   "_.._escape",
		`sh010\x:y*?`:    "sh010_x_y__",
		"shot/010 <a|b>": "shot_010 _a_b_",
		"...":            "job",
		"nul":            "_nul",
		"Con.v2":         "_Con.v2",
		"lpt1 ":          "_lpt1",
		"sh010. ":        "sh010",
		"console":        "console",
		"com10":          "com10",
	} {
		if _, err := files.CleanPath(want + "/000001.png"); err != nil {
			t.Errorf("want %q: %v", want, err)
		}
		s := blenderSettings("render_output_path", nil)
		s["frames"], s["chunk_size"] = "1", 1.0
		job := &model.Job{Name: name, Type: "simple-blender-render", Priority: 50, Settings: s, Created: created}
		tasks, err := Builtin(quiet).Compile(job)
		if err != nil {
			t.Fatal(err)
		}
		dir := "/render/" + want + "/" + created.Local().Format("2006-01-02_150405") + "/######"
		if args := tasks[0].Commands[0].Parameters["args"].([]any); !slices.Contains(args, any(dir)) {
			t.Errorf("job %q renders to %v, want %s", name, args, dir)
		}
	}
}

// Blender's command line names Targa and JPEG 2000 unlike its Python API,
// which the add-on reads the format from: given the Python name, Blender
// wrote the scene's own format and a JPEG 2000 job "completed" with PNG files
// (found by the cases re-run). The render tasks pass the command line's
// name; HDR, which FFmpeg before 6.1 cannot read, makes no video of its own
// frames; a format Blender has no name for is refused at submission.
func TestBlenderFormatNamesForTheCommandLine(t *testing.T) {
	for python, cli := range map[string]string{"TARGA": "TGA", "TARGA_RAW": "RAWTGA", "JPEG2000": "JP2", "PNG": "PNG",
		"OPEN_EXR_MULTILAYER": "OPEN_EXR_MULTILAYER", "TGA": "TGA"} {
		s := blenderSettings("format", python)
		delete(s, "image_file_extension")
		tasks, _ := compileBlender(t, s)
		args := tasks[0].Commands[0].Parameters["args"].([]any)
		if got := argAfter(args, "--render-format"); got != cli {
			t.Errorf("format %s: --render-format %q, want %q", python, got, cli)
		}
	}
	hdr := blenderSettings("format", "HDR")
	if tasks, _ := compileBlender(t, hdr); len(tasks) != 3 || tasks[2].Type != "blender" {
		t.Errorf("HDR without previews: %d tasks, the last %s; want three renders and no video", len(tasks), tasks[len(tasks)-1].Type)
	}
	job := &model.Job{Name: "shot", Type: "simple-blender-render", Priority: 50, Settings: blenderSettings("format", "PNGG"), Created: created}
	_, err := Builtin(quiet).Compile(job)
	if err == nil || !strings.Contains(err.Error(), `Unknown image format "PNGG"`) || !strings.Contains(err.Error(), "OPEN_EXR") {
		t.Errorf("an unknown format: %v, want it refused naming the known ones", err)
	}
}
