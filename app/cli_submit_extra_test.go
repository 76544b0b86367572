package app

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Fresh-eyes try: 'submit --set chunk_sise=4' was taken silently. A key the
// job type does not declare is warned about (Flamenco passes extra settings
// to the script, so it is not refused), naming the nearest declared key and
// all of them; --set-extra passes one on purpose without a warning; declared
// keys are typed and passed as before.
func TestSubmitWarnsOfUndeclaredSettings(t *testing.T) {
	f := newAPIFarm(t)
	submit := func(args ...string) (string, string, error) {
		e, out := backupEnv()
		args = append([]string{"--type", "echo-sleep-test", "--name", "extra", "--paused"}, args...)
		err := commands["submit"].run(e, append(args, f.flags(t)...))
		text := out.String()
		return strings.TrimSpace(text[strings.LastIndex(strings.TrimSpace(text), "\n")+1:]), text, err
	}
	id, out, err := submit("--set", "frames=1-2", "--set", "chunk_sise=4")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{`warning: job type echo-sleep-test declares no setting "chunk_sise" (did you mean chunk_size?)`,
		"Its settings: frames, chunk_size, sleep_seconds, message, max_task_duration", "--set-extra chunk_sise=…"} {
		if !strings.Contains(out, want) {
			t.Errorf("the warning lacks %q:\n%s", want, out)
		}
	}
	j, err := f.cl.Job(context.Background(), id)
	if err != nil || j.Settings["chunk_sise"] != 4.0 {
		t.Fatalf("the extra setting is passed on: %v %v", j.Settings, err)
	}

	id, out, err = submit("--set", "frames=3", "--set", "chunk_size=2", "--set-extra", "shot=sh010")
	if err != nil || strings.Contains(out, "warning") {
		t.Fatalf("declared keys and --set-extra warn: %v\n%s", err, out)
	}
	j, err = f.cl.Job(context.Background(), id)
	if err != nil || j.Settings["shot"] != "sh010" || j.Settings["chunk_size"] != 2.0 || j.Settings["frames"] != "3" {
		t.Errorf("settings %v %v", j.Settings, err)
	}

	if _, _, err := submit("--set", "frames=1", "--set-extra", "frames=2"); !errors.Is(err, errUsage) {
		t.Errorf("a key given twice: %v", err)
	}
}

func TestNearestKey(t *testing.T) {
	keys := []string{"frames", "chunk_size", "render_output_root"}
	for k, want := range map[string]string{"frmaes": "frames", "Chunk_Size": "chunk_size", "chunksize": "chunk_size", "colour": "", "render_output": "render_output_root", "chunk": "chunk_size", "fr": "frames", "": ""} {
		if got := nearestKey(k, keys); got != want {
			t.Errorf("%q: %q, want %q", k, got, want)
		}
	}
}
