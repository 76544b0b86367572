//go:build e2e

package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Loose ends of a fresh-eyes try, with the real binary: upload-timeout and
// decimal sizes through 'config set' (issue 13), a job by a prefix of its
// id, and an undeclared --set key warned about.
func TestE2ELeftovers(t *testing.T) {
	data, addr := t.TempDir(), freePort(t)
	startManager(t, data, addr)
	if out := cli(t, addr, "config", "set", "upload-timeout", "48h"); !strings.Contains(out, "upload-timeout: 24h0m0s → 48h0m0s") {
		t.Errorf("config set upload-timeout 48h printed:\n%s", out)
	}
	if out := cli(t, addr, "config", "set", "max-job-size", "2MB"); !strings.Contains(out, "→ 1.91 MiB (2000000 bytes)") {
		t.Errorf("config set max-job-size 2MB printed:\n%s", out)
	}
	if c := configJSON(t, addr); c.MaxJobSize != 2_000_000 || c.UploadTimeout != "48h0m0s" {
		t.Errorf("the farm's settings: %d bytes, wait %s", c.MaxJobSize, c.UploadTimeout)
	}

	out := cli(t, addr, "submit", "--type", "echo-sleep-test", "--name", "prefixed", "--paused",
		"--set", "frames=1", "--set", "sleep_second=0")
	if !strings.Contains(out, `declares no setting "sleep_second" (did you mean sleep_seconds?)`) {
		t.Errorf("submit with an undeclared key printed:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	id := lines[len(lines)-1]
	if shown := cli(t, addr, "job", id[:6]); !strings.Contains(shown, id) || !strings.Contains(shown, "prefixed") {
		t.Errorf("job %s:\n%s", id[:6], shown)
	}
	cmd := exec.Command(farmhandBinary(t), "job", "zzzz", "--manager", "http://"+addr, "--data", data)
	bad, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); err == nil || code != 1 || !strings.Contains(string(bad), `no job id starts with "zzzz"`) {
		t.Errorf("job zzzz: exit %d, %s", code, bad)
	}
}
