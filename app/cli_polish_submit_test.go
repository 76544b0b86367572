package app

import (
	"errors"
	"strings"
	"testing"
)

// submitOut runs 'farmhand submit' of a paused job with args on farm f.
func submitOut(t *testing.T, f *apiFarm, typ string, args ...string) (string, error) {
	t.Helper()
	return cliRun(t, f, "submit", append([]string{"--type", typ, "--name", "polish", "--paused"}, args...)...)
}

// The --set warning suggests the setting a prefix starts, names only the
// settings 'farmhand jobtypes' shows, and 'farmhand jobtypes TYPE' shows the
// hidden ones marked hidden (cli-polish item 6).
func TestSubmitHintsAgreeWithJobTypes(t *testing.T) {
	f := newAPIFarm(t)
	out, err := submitOut(t, f, "echo-sleep-test", "--set", "sleep=0.1", "--set", "chunk=2")
	if err != nil || !strings.Contains(out, `declares no setting "sleep" (did you mean sleep_seconds?)`) ||
		!strings.Contains(out, `declares no setting "chunk" (did you mean chunk_size?)`) {
		t.Errorf("prefixes: %v\n%s", err, out)
	}
	out, err = submitOut(t, f, "simple-blender-render", "--set", "frames=1", "--set", "render_output_root=/tmp/r",
		"--set", "blendfile=/tmp/a.blend", "--set", "format=PNG", "--set", "add_path_components=0", "--set", "colour=red")
	if err != nil || !strings.Contains(out, `declares no setting "colour"`) {
		t.Fatalf("simple-blender-render: %v\n%s", err, out)
	}
	for _, hidden := range []string{"fps", "image_file_extension", "has_previews"} {
		if strings.Contains(out, hidden) {
			t.Errorf("the warning names hidden setting %s:\n%s", hidden, out)
		}
	}
	list, err := cliRun(t, f, "jobtypes")
	if err != nil || strings.Contains(list, "--set fps=") {
		t.Errorf("jobtypes lists hidden settings: %v\n%s", err, list)
	}
	one, err := cliRun(t, f, "jobtypes", "simple-blender-render")
	if err != nil || !strings.Contains(one, "--set fps=…  (hidden, ") || !strings.Contains(one, "--set frames=…  (string, required)") ||
		strings.Contains(one, "echo-sleep-test") {
		t.Errorf("jobtypes simple-blender-render: %v\n%s", err, one)
	}
	if _, err := cliRun(t, f, "jobtypes", "nosuch"); !errors.Is(err, errUsage) ||
		!strings.Contains(err.Error(), `unknown job type "nosuch"; this farm has: echo-sleep-test, simple-blender-render`) {
		t.Errorf("jobtypes nosuch: %v", err)
	}
}

// --set-extra of a declared key, a key given twice, and an unknown job type
// are usage errors saying so, the types listed as words (items 6, 8).
func TestSubmitRefusesMisusedSettings(t *testing.T) {
	f := newAPIFarm(t)
	for _, c := range []struct {
		typ  string
		args []string
		want string
	}{
		{"echo-sleep-test", []string{"--set-extra", "chunk_size=2"}, "--set-extra chunk_size: job type echo-sleep-test declares chunk_size: use --set chunk_size=…"},
		{"echo-sleep-test", []string{"--set", "chunk_size=2", "--set", "chunk_size=3"}, "chunk_size is given twice (chunk_size=2 and chunk_size=3); give it once\nRun 'farmhand submit -h' for its flags"},
		{"echo-sleep-test", []string{"--set", "frames"}, `invalid value "frames" for flag -set: want key=value, not "frames"` + "\nRun 'farmhand submit -h' for its flags"},
		{"nosuch", nil, `unknown job type "nosuch"; this farm has: echo-sleep-test, simple-blender-render ('farmhand jobtypes' describes them)`},
		// ParseFloat takes these, JSON cannot carry them (fresh-eyes try: "json: unsupported value: NaN").
		{"echo-sleep-test", []string{"--set", "sleep_seconds=NaN"}, `setting sleep_seconds must be a number, not "NaN"`},
		{"echo-sleep-test", []string{"--set", "chunk_size=-Inf"}, `setting chunk_size must be a number, not "-Inf"`},
	} {
		out, err := submitOut(t, f, c.typ, c.args...)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), c.want) || strings.Contains(out, "Usage:") {
			t.Errorf("submit %v: %v\n%s\nwant …%s…", c.args, err, out, c.want)
		}
	}
	if jobs, err := f.cl.Jobs(t.Context()); err != nil || len(jobs) != 0 {
		t.Errorf("refused submissions made jobs: %d, %v", len(jobs), err)
	}
}

// 'farmhand output' of a job that is not an upload job and names no output
// folder says so, not "(render_output_root -)" (item 8).
func TestOutputOfAJobWithoutOutputFolder(t *testing.T) {
	f := newAPIFarm(t)
	id, err := submitOut(t, f, "echo-sleep-test", "--set", "frames=1")
	if err != nil {
		t.Fatal(err)
	}
	id = strings.TrimSpace(id)
	_, err = cliRun(t, f, "output", id, "--out", t.TempDir())
	if err == nil || strings.Contains(err.Error(), "render_output_root") ||
		!strings.Contains(err.Error(), "job "+id+" renders to shared storage, not on the manager: it is not an upload job, "+
			"and its settings name no output folder (its job type, echo-sleep-test,") {
		t.Errorf("output of an echo job: %v", err)
	}
}
