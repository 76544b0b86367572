package jobtype

import (
	"strings"
	"testing"

	"farmhand/farm/model"
)

// TestCase01UNCRenderOutput is case 01 of ../shared/cases: a UNC render
// output root or path, with backslashes or forward slashes, keeps its leading
// "//" in every path of the render and video tasks, and the path the job shows
// is the one its tasks use.
func TestCase01UNCRenderOutput(t *testing.T) {
	stamp := created.Local().Format("2006-01-02_150405")
	dir := "//fileserver/renders/sh010/" + stamp
	for _, c := range []struct {
		variant, key, value string
		wantJobPath         string
	}{
		{"A", "render_output_root", `\\fileserver\renders`, dir + "/######"},
		{"B", "render_output_root", "//fileserver/renders", dir + "/######"},
		// The add-on sends the root and its own path: the job shows it as
		// its tasks use it, {timestamp} filled in (the case's last rule).
		{"C", "render_output_path", `\\fileserver\renders\sh010\{timestamp}\######`, dir + "/######"},
	} {
		t.Run(c.variant, func(t *testing.T) {
			settings := map[string]any{"frames": "1-4", "chunk_size": 2.0, "blendfile": "/projects/sh010.blend",
				"format": "PNG", "add_path_components": 0.0, "render_output_root": `\\fileserver\renders`, c.key: c.value}
			job := &model.Job{Name: "sh010", Type: "simple-blender-render", Priority: 50, Settings: settings, Created: created}
			tasks, err := Builtin(quiet).Compile(job)
			if err != nil {
				t.Fatal(err)
			}
			jobPath, _ := job.Settings["render_output_path"].(string)
			if jobPath != c.wantJobPath {
				t.Errorf("the job shows render_output_path %q, want %q", jobPath, c.wantJobPath)
			}
			if len(tasks) != 3 {
				t.Fatalf("%d tasks, want 2 renders and a video", len(tasks))
			}
			for _, task := range tasks[:2] {
				args, _ := task.Commands[0].Parameters["args"].([]any)
				out := argAfter(args, "--render-output")
				if out != dir+"/######" {
					t.Errorf("%s: --render-output %q, want %q", task.Name, out, dir+"/######")
				}
				if out != jobPath {
					t.Errorf("%s: --render-output %q is not the job's %q", task.Name, out, jobPath)
				}
			}
			video := tasks[2].Commands[0].Parameters
			if got, want := video["inputGlob"], dir+"/*.png"; got != want {
				t.Errorf("inputGlob %q, want %q", got, want)
			}
			if got, want := video["outputFile"], dir+"/sh010-1-4.mp4"; got != want {
				t.Errorf("outputFile %q, want %q", got, want)
			}
		})
	}
}

// argAfter is the argument after flag in args, or "".
func argAfter(args []any, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			s, _ := args[i+1].(string)
			return s
		}
	}
	return ""
}

// TestCase01OtherRoots: the same job type keeps drive-letter and POSIX roots
// and the other platforms' separators in its tasks too.
func TestCase01OtherRoots(t *testing.T) {
	stamp := created.Local().Format("2006-01-02_150405")
	for root, want := range map[string]string{
		`P:\renders`:           "P:/renders/sh010/" + stamp,
		"p:/renders/":          "p:/renders/sh010/" + stamp,
		"/mnt/renders":         "/mnt/renders/sh010/" + stamp,
		"/Volumes/Renders/":    "/Volumes/Renders/sh010/" + stamp,
		`\\FS\Renders\Film A\`: "//FS/Renders/Film A/sh010/" + stamp,
		"{renders}/film":       "{renders}/film/sh010/" + stamp,
	} {
		settings := map[string]any{"frames": "1-2", "chunk_size": 2.0, "blendfile": `P:\shots\sh010.blend`,
			"format": "PNG", "add_path_components": 0.0, "render_output_root": root}
		job := &model.Job{Name: "sh010", Type: "simple-blender-render", Priority: 50, Settings: settings, Created: created}
		tasks, err := Builtin(quiet).Compile(job)
		if err != nil {
			t.Fatal(err)
		}
		args, _ := tasks[0].Commands[0].Parameters["args"].([]any)
		if got := argAfter(args, "--render-output"); got != want+"/######" {
			t.Errorf("root %q: --render-output %q, want %q", root, got, want+"/######")
		}
		if got := tasks[1].Commands[0].Parameters["outputFile"]; !strings.HasPrefix(got.(string), want+"/") {
			t.Errorf("root %q: outputFile %q", root, got)
		}
	}
}
