//go:build e2e

package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

// cliFail runs a farmhand command that must fail against the manager at
// addr and returns its exit code and combined output.
func cliFail(t *testing.T, addr string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(farmhandBinary(t), append(args, "--manager", "http://"+addr, "--data", managerData(addr))...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("farmhand %v succeeded:\n%s", args, out)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// The real binary prints a flag mistake once with a hint (not message,
// usage, message), exits 2 for every config-set mistake naming the CLI key,
// and numbers tasks as their ids do (cli-polish items 1, 4, 8).
func TestE2ECLIPolish(t *testing.T) {
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)

	code, out := cliFail(t, addr, "submit", "--set", "frames")
	if code != 2 || strings.Count(out, `invalid value "frames" for flag -set`) != 1 || strings.Contains(out, "Usage:") ||
		!strings.Contains(out, "Run 'farmhand submit -h' for its flags") {
		t.Errorf("submit --set frames: exit %d\n%s", code, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"upload-timeout", "2d"}, `farmhand config: upload-timeout: "2d" is not a duration: write days in hours`},
		{[]string{"task-timeout", "100000000h"}, `task-timeout: "100000000h" is too long: at most 8760h`},
		{[]string{"task-timeout", "1s"}, `task-timeout: "1s" is too short: at least 30s`},
		{[]string{"max-task-failures", "0"}, "max-task-failures: must be a whole number from 1 to 1000, not 0"},
		{[]string{"max-job-size", "5GB", "max-job-size", "6GB"}, "max-job-size is given twice"},
		{[]string{"max-job-size", "2Mb"}, "b is bits; write B for bytes"},
	} {
		code, out := cliFail(t, addr, append([]string{"config", "set"}, c.args...)...)
		if code != 2 || !strings.Contains(out, c.want) || strings.Contains(out, "_") {
			t.Errorf("config set %v: exit %d\n%s\nwant exit 2 and …%s…", c.args, code, out, c.want)
		}
	}
	code, out = cliFail(t, addr, "submit", "--type", "nosuch", "--name", "x")
	if code != 2 || !strings.Contains(out, "this farm has: echo-sleep-test, simple-blender-render") {
		t.Errorf("submit --type nosuch: exit %d\n%s", code, out)
	}

	id := strings.TrimSpace(cli(t, addr, "submit", "--type", "echo-sleep-test", "--name", "four", "--paused",
		"--set", "frames=1-4", "--set", "sleep_seconds=0"))
	tasks := cli(t, addr, "tasks", strings.ToUpper(id[:8]))
	lines := strings.Split(strings.TrimSpace(tasks), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "N ") || strings.Join(strings.Fields(lines[4])[:2], " ") != "3 "+id+".3" {
		t.Errorf("tasks:\n%s", tasks)
	}
	code, out = cliFail(t, addr, "task", id[:8]+".4")
	if code != 1 || !strings.Contains(out, `"4" is not a task number of job `+id+": it has tasks 0–3") {
		t.Errorf("task %s.4: exit %d\n%s", id[:8], code, out)
	}
}
