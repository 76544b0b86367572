package jobtype

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
)

// quiet keeps what scripts print() out of the test output.
var quiet = WithLogger(slog.New(slog.DiscardHandler))

// folder makes a scripts folder holding the given files.
func folder(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// compileScript compiles a job of a custom type defined by src.
func compileScript(t *testing.T, src string, settings map[string]any, opts ...Option) ([]TaskSpec, error) {
	t.Helper()
	r := Open(folder(t, map[string]string{"test_type.js": src}), append([]Option{quiet}, opts...)...)
	if p := r.Problems(); len(p) > 0 {
		t.Fatalf("script does not load: %+v", p)
	}
	return r.Compile(&model.Job{Name: "test", Type: "test-type", Priority: 50, Settings: settings, Created: time.Now()})
}

func TestEchoSleepCompiles(t *testing.T) {
	job := &model.Job{Type: "echo-sleep-test", Settings: map[string]any{"frames": "1-10", "chunk_size": float64(3)}}
	tasks, err := Builtin(quiet).Compile(job)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 4 || tasks[3].Name != "echo-10" {
		t.Fatalf("got %d tasks, last %q", len(tasks), tasks[len(tasks)-1].Name)
	}
	if job.Settings["sleep_seconds"] != 1.0 || job.Settings["chunk_size"] != 3 {
		t.Errorf("defaults/normalisation not applied: %v", job.Settings)
	}
	want := []model.Command{
		{Name: "echo", Parameters: map[string]any{"message": "Hello from Farmhand (frames 1-3)"}},
		{Name: "sleep", Parameters: map[string]any{"duration_in_seconds": 1.0}},
	}
	if got := tasks[0]; got.Type != "misc" || got.Priority != 50 || len(got.DependsOn) != 0 || !sameJSON(got.Commands, want) {
		t.Errorf("first task %+v, want misc commands %v", got, want)
	}
}

func TestBadSubmissionsAreRefusedClearly(t *testing.T) {
	cases := map[string]struct {
		typ      string
		settings map[string]any
		says     string
	}{
		"unknown type":     {"render-everything", nil, "unknown job type"},
		"string for int":   {"echo-sleep-test", map[string]any{"chunk_size": "three"}, `"chunk_size" must be a int32`},
		"fraction for int": {"echo-sleep-test", map[string]any{"chunk_size": 1.5}, "whole number"},
		"int out of range": {"echo-sleep-test", map[string]any{"chunk_size": 3e9}, "within 32 bits"},
		"bad frames":       {"echo-sleep-test", map[string]any{"frames": "10-1"}, "runs backwards"},
		"zero chunk":       {"echo-sleep-test", map[string]any{"chunk_size": 0.0}, "at least 1"},
		"negative sleep":   {"echo-sleep-test", map[string]any{"sleep_seconds": -1.0}, "negative"},
		"bool for string":  {"echo-sleep-test", map[string]any{"message": true}, `"message" must be a string`},
		"string for float": {"echo-sleep-test", map[string]any{"sleep_seconds": "1"}, `"sleep_seconds" must be a float`},
		"video format":     {"simple-blender-render", blenderSettings("format", "FFMPEG"), `only renders images, and not "FFMPEG"`},
		"missing required": {"simple-blender-render", blenderSettings("blendfile", nil), `"blendfile" is required`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Builtin(quiet).Compile(&model.Job{Type: c.typ, Settings: c.settings})
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("err = %v, want ErrInvalid saying %q", err, c.says)
			}
		})
	}
}

func TestRequiredWithoutDefault(t *testing.T) {
	jt := &JobType{Name: "x", Settings: []Setting{{Key: "scene", Type: TypeString, Required: true}}}
	if err := jt.check(map[string]any{}); err == nil || !strings.Contains(err.Error(), `"scene" is required`) {
		t.Fatalf("err = %v", err)
	}
}

func TestListShowsEverySettingAttribute(t *testing.T) {
	types := Builtin(quiet).List()
	if len(types) != 2 || types[0].Name != "echo-sleep-test" || types[1].Name != "simple-blender-render" {
		t.Fatalf("built-ins %v", types)
	}
	for _, jt := range types {
		if jt.Source != SourceBuiltin || len(jt.Etag) != 40 || jt.Label == "" {
			t.Errorf("%s: source %q etag %q label %q", jt.Name, jt.Source, jt.Etag, jt.Label)
		}
	}
	settings := map[string]Setting{}
	for _, s := range types[1].Settings {
		settings[s.Key] = s
	}
	out := settings["render_output_path"]
	if out.Subtype != "file_path" || out.Editable == nil || *out.Editable || !strings.Contains(out.Eval, "last_n_dir_parts") {
		t.Errorf("render_output_path %+v", out)
	}
	if s := settings["add_path_components"]; s.Propargs["max"] != 32.0 || s.Visible != "submission" || !s.Required || s.Default != 0.0 {
		t.Errorf("add_path_components %+v", s)
	}
	if s := settings["frames"]; s.EvalInfo == nil || !s.EvalInfo.ShowLinkButton || s.Description == "" {
		t.Errorf("frames %+v", s)
	}
	if s := settings["fps"]; s.Visible != "hidden" || s.Type != TypeFloat {
		t.Errorf("fps %+v", s)
	}
	if settings["chunk_size"].Editable != nil {
		t.Errorf("editable given where the script says nothing")
	}
}

func TestCheckEtag(t *testing.T) {
	r := Builtin(quiet)
	jt, _ := r.Get("echo-sleep-test")
	if err := r.CheckEtag("echo-sleep-test", jt.Etag); err != nil {
		t.Errorf("current etag refused: %v", err)
	}
	if err := r.CheckEtag("echo-sleep-test", ""); err != nil {
		t.Errorf("no etag refused: %v", err)
	}
	if err := r.CheckEtag("echo-sleep-test", "0123"); !errors.Is(err, ErrStaleEtag) || !strings.Contains(err.Error(), "refresh") {
		t.Errorf("stale etag: %v", err)
	}
	if err := r.CheckEtag("nope", "0123"); !errors.Is(err, ErrUnknown) {
		t.Errorf("unknown type: %v", err)
	}
}
