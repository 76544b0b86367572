//go:build e2e

package app_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"farmhand/farm/model"
)

// TestE2ECase01UNCRenderOutput is case 01 of ../shared/cases with the real
// binary and no worker: a UNC render output, written with backslashes,
// forward slashes, or as the add-on's whole render_output_path, keeps its
// leading "//" in the commands the manager stores, and the job shows the
// path its tasks use.
func TestE2ECase01UNCRenderOutput(t *testing.T) {
	addr, _ := managerWithScripts(t, nil)
	base := []string{"frames=1-4", "chunk_size=2", "blendfile=/projects/sh010.blend", `render_output_root=\\fileserver\renders`,
		"format=PNG"}
	for _, c := range []struct {
		variant string
		extra   string
	}{
		{"A", ""},
		{"B", "render_output_root=//fileserver/renders"},
		{"C", `render_output_path=\\fileserver\renders\sh010\{timestamp}\######`},
	} {
		t.Run(c.variant, func(t *testing.T) {
			sets := base
			if c.extra != "" { // in place of the base's value for the same key
				key, _, _ := strings.Cut(c.extra, "=")
				sets = []string{c.extra}
				for _, s := range base {
					if !strings.HasPrefix(s, key+"=") {
						sets = append(sets, s)
					}
				}
			}
			id := submitType(t, addr, "simple-blender-render", "sh010", sets...)
			job, err := jobJSON(t, addr, id)
			if err != nil {
				t.Fatal(err)
			}
			jobPath, _ := job.Settings["render_output_path"].(string)
			// Exactly as the tasks use it, backslashes and all turned to slashes.
			slashed := jobPath
			if !regexp.MustCompile(`^//fileserver/renders/sh010/\d{4}-\d\d-\d\d_\d{6}/######$`).MatchString(slashed) {
				t.Fatalf("the job shows render_output_path %q", jobPath)
			}
			dir := strings.TrimSuffix(slashed, "/######")

			// What the case greps from `farmhand task JOB.0`.
			shown := cli(t, addr, "task", id+".0")
			if want := `"--render-output","` + slashed + `"`; !strings.Contains(shown, want) {
				t.Errorf("farmhand task %s.0 does not show %s:\n%s", id, want, shown)
			}
			for _, n := range []string{".0", ".1"} {
				render := taskJSON(t, addr, id+n)
				args, _ := render.Commands[0].Parameters["args"].([]any)
				if got := argAfter(args, "--render-output"); got != slashed {
					t.Errorf("task %s --render-output %q, want the job's %q", id+n, got, slashed)
				}
			}
			video := taskJSON(t, addr, id+".2").Commands[0].Parameters
			if got, want := video["inputGlob"], dir+"/*.png"; got != want {
				t.Errorf("inputGlob %q, want %q", got, want)
			}
			if got, want := video["outputFile"], dir+"/sh010-1-4.mp4"; got != want {
				t.Errorf("outputFile %q, want %q", got, want)
			}
		})
	}
}

// taskJSON is `farmhand task ID --json`.
func taskJSON(t *testing.T, addr, id string) *model.Task {
	t.Helper()
	var task model.Task
	out := cli(t, addr, "task", id, "--json")
	if err := json.Unmarshal([]byte(out), &task); err != nil {
		t.Fatalf("farmhand task %s --json printed %q: %v", id, out, err)
	}
	if len(task.Commands) == 0 {
		t.Fatalf("task %s has no commands: %s", id, out)
	}
	return &task
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
