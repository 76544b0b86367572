//go:build e2e

// Case 13: numbers in a command's argument list, on the real binary and a
// real worker running the command.
package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// badArgs is a job type whose argument list holds an object, which has no
// text form: refused at submission.
const badArgs = `
const JOB_TYPE = { label: "Object in args (test)", settings: [] };
function compileJob(job) {
    const t = author.Task("numbers", "misc");
    t.addCommand(author.Command("exec", { exe: "echo", args: ["-r", { fps: 24 }] }));
    job.addTask(t);
}
`

func TestE2ECase13NumbersInArgs(t *testing.T) {
	numeric, err := os.ReadFile(filepath.Join("..", "farm", "jobtype", "testdata", "numeric_args.js"))
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	scripts := filepath.Join(data, "scripts")
	if err := os.MkdirAll(scripts, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]string{"numeric_args.js": string(numeric), "bad_args.js": badArgs} {
		if err := os.WriteFile(filepath.Join(scripts, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	addr := freePort(t)
	startManager(t, data, addr)
	startWorker(t, addr, "w1")

	outDir := t.TempDir()
	code, stdout, stderr := submitWait(t, addr, "numeric-args", "numbers in args", "out_dir="+outDir)
	if code != 0 {
		t.Fatalf("submit --wait: exit %d\n%s%s", code, stdout, stderr)
	}
	got, err := os.ReadFile(filepath.Join(outDir, "args.txt"))
	if err != nil || string(got) != "-r 24 3\n" {
		t.Errorf("args.txt holds %q (%v), want %q", got, err, "-r 24 3\n")
	}

	code, stdout, stderr = submitWait(t, addr, "bad-args", "object in args")
	want := `task "numbers": command "exec": parameter args[1] is an object, which has no text form`
	if msg := stdout + stderr; code == 0 || !strings.Contains(msg, want) || !strings.Contains(msg, "400") {
		t.Errorf("an object in args: exit %d, output %q; want a 400 saying %q", code, msg, want)
	}
}
