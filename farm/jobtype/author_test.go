package jobtype

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
)

// compileFile compiles a job of the type defined by one of testdata's scripts.
func compileFile(t *testing.T, file, typ string, settings map[string]any) ([]TaskSpec, error) {
	t.Helper()
	src, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	r := Open(folder(t, map[string]string{file: string(src)}), quiet)
	if p := r.Problems(); len(p) > 0 {
		t.Fatalf("%s does not load: %+v", file, p)
	}
	return r.Compile(&model.Job{Name: "test", Type: typ, Priority: 50, Settings: settings, Created: time.Now()})
}

// TestNumbersInArgsBecomeText is case 13: the script of the case, its int32
// and float settings passed straight into exec's args.
func TestNumbersInArgsBecomeText(t *testing.T) {
	tasks, err := compileFile(t, "numeric_args.js", "numeric-args", map[string]any{"out_dir": "/tmp/num13"})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"-c", `echo "$0 $1 $2" > "$3/args.txt"`, "-r", "24", "3", "/tmp/num13"}
	if got := tasks[0].Commands[0].Parameters["args"]; !reflect.DeepEqual(got, want) {
		t.Errorf("args %#v\nwant %#v", got, want)
	}
}

func TestWordListsTakePlainText(t *testing.T) {
	tasks, err := compileScript(t, testScript(`
		const t = author.Task("x", "misc");
		t.addCommand(author.Command("frames-to-video", {
			argsBefore: [0.5, true, false, -3, 1e21, 2.5e-7, "s"],
			args: ["-r", 24.0, "-crf", 20],
			other: [1, 2],
			fps: 24,
		}));
		t.addCommand(author.Command("exec", { exe: "true", args: [] }));
		job.addTask(t);
	`), map[string]any{"name": "a"})
	if err != nil {
		t.Fatal(err)
	}
	p := tasks[0].Commands[0].Parameters
	if want := []any{"0.5", "true", "false", "-3", "1e+21", "2.5e-07", "s"}; !reflect.DeepEqual(p["argsBefore"], want) {
		t.Errorf("argsBefore %#v, want %#v", p["argsBefore"], want)
	}
	if want := []any{"-r", "24", "-crf", "20"}; !reflect.DeepEqual(p["args"], want) {
		t.Errorf("args %#v, want %#v", p["args"], want)
	}
	// Only word lists change: other parameters keep their numbers.
	if !reflect.DeepEqual(p["other"], []any{1.0, 2.0}) || p["fps"] != 24.0 {
		t.Errorf("other parameters changed: %#v", p)
	}
	if got := tasks[0].Commands[1].Parameters["args"]; !reflect.DeepEqual(got, []any{}) {
		t.Errorf("empty args became %#v", got)
	}
}

// TestWordsWithoutTextAreRefused: what has no text form is refused at
// submission, naming the task, the command and the parameter.
func TestWordsWithoutTextAreRefused(t *testing.T) {
	for name, c := range map[string]struct{ params, says string }{
		"object":      {`{exe: "x", args: ["-a", {fps: 24}]}`, `task "render 1": command "exec": parameter args[1] is an object, which has no text form`},
		"nested list": {`{exe: "x", args: [["-a"]]}`, `task "render 1": command "exec": parameter args[0] is a list, which has no text form`},
		"null":        {`{exe: "x", argsBefore: ["a", null]}`, `task "render 1": command "exec": parameter argsBefore[1] is null (or undefined), which has no text form`},
		"undefined":   {`{exe: "x", args: [job.settings.nothing]}`, `task "render 1": command "exec": parameter args[0] is null (or undefined)`},
		"not a list":  {`{exe: "x", args: "-a -b"}`, `task "render 1": command "exec": parameter args must be a list of command-line words, not a string`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := compileScript(t, testScript(`
				const t = author.Task("render 1", "misc");
				t.addCommand(author.Command("exec", `+c.params+`));
				job.addTask(t);
			`), map[string]any{"name": "a"})
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("err = %v\nwant ErrInvalid saying %q", err, c.says)
			}
		})
	}
}

// TestOwnTaskTypeIsAccepted is case 07: the script of the case compiles into
// two tasks of the studio's own type.
func TestOwnTaskTypeIsAccepted(t *testing.T) {
	tasks, err := compileFile(t, "gpu_render.js", "gpu-render", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 2 {
		t.Fatalf("%d tasks, want 2", len(tasks))
	}
	for i, name := range []string{"gpu-1,2", "gpu-3,4"} {
		if tasks[i].Name != name || tasks[i].Type != "blender-gpu" {
			t.Errorf("task %d is %s of type %s, want %s of type blender-gpu", i, tasks[i].Name, tasks[i].Type, name)
		}
	}
}

func TestCheckTaskType(t *testing.T) {
	for _, ok := range []string{"blender", "misc", "blender-gpu", "render_4.2", "a", strings.Repeat("x", 64)} {
		if err := CheckTaskType(ok); err != nil {
			t.Errorf("CheckTaskType(%q) = %v", ok, err)
		}
	}
	for bad, says := range map[string]string{
		"":                      "1 to 64 characters",
		strings.Repeat("x", 65): "1 to 64 characters",
		"Blender":               `has 'B'`,
		"gpu render":            `has ' '`,
		"gpu/render":            `has '/'`,
		"blender-gpü":           `has 'ü'`,
	} {
		if err := CheckTaskType(bad); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("CheckTaskType(%q) = %v, want an error saying %q", bad, err, says)
		}
	}
}
