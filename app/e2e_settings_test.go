//go:build e2e

package app_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
)

// configJSON reads the farm's settings with 'farmhand config --json'.
func configJSON(t *testing.T, addr string) wire.FarmConfig {
	t.Helper()
	var c wire.FarmConfig
	if err := json.Unmarshal([]byte(cli(t, addr, "config", "--json")), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// Issue 11: a setting changed with 'farmhand config set' (and a path
// variable set with 'farmhand variable set') survives a restart of the
// manager; a flag given at a start overrides its setting for that run only.
func TestE2ESettingsSurviveRestart(t *testing.T) {
	data, addr := t.TempDir(), freePort(t)
	mgr := startManager(t, data, addr) // with --worker-timeout 2s
	out := cli(t, addr, "config", "set", "task-timeout", "15m")
	if !strings.Contains(out, "task-timeout: ") || !strings.Contains(out, " → 15m0s") || strings.Contains(out, "farm-name") {
		t.Errorf("config set printed, rather than the change:\n%s", out)
	}
	if out := cli(t, addr, "config", "set", "max-file-size", "2GiB"); !strings.Contains(out, "max-file-size: 50 GiB → 2 GiB") {
		t.Errorf("config set max-file-size printed:\n%s", out)
	}
	cli(t, addr, "variable", "set", "projects", "--linux", "/mnt/projects", "--windows", `P:\`, "--storage")
	cli(t, addr, "variable", "set", "projects", "--darwin", "/Volumes/projects") // adds, keeps the others

	// A refused value exits 2 (a usage mistake) naming the setting as the
	// command line spells it, and the rule.
	cmd := exec.Command(farmhandBinary(t), "config", "set", "task-timeout", "0s", "--manager", "http://"+addr, "--data", data)
	bad, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); err == nil || code != 2 || !strings.Contains(string(bad), `task-timeout: "0s" is too short: at least 30s`) {
		t.Errorf("config set task-timeout 0s: exit %d, %s", code, bad)
	}
	// The key as the API spells it, and a negative value.
	cmd = exec.Command(farmhandBinary(t), "config", "set", "task_timeout", "-5m", "--manager", "http://"+addr, "--data", data)
	bad, err = cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); err == nil || code != 2 || !strings.Contains(string(bad), `task-timeout: "-5m" is negative`) {
		t.Errorf("config set task_timeout -5m: exit %d, %s", code, bad)
	}

	mgr.stop(syscall.SIGTERM)
	addr = freePort(t)
	mgr = startManager(t, data, addr)
	c := configJSON(t, addr)
	if c.MaxFileSize != 2<<30 {
		t.Errorf("max file size after a restart: %d, want 2 GiB", c.MaxFileSize)
	}
	if c.TaskTimeout != "15m0s" {
		t.Errorf("task timeout after a restart: %s, want 15m0s", c.TaskTimeout)
	}
	if c.WorkerTimeout != "2s" || !slices.Equal(c.Overridden, []string{"worker_timeout"}) {
		t.Errorf("the --worker-timeout flag: %s, overridden %v", c.WorkerTimeout, c.Overridden)
	}
	if len(c.Variables) != 1 || !c.Variables[0].Storage || c.Variables[0].Values["windows"] != `P:\` ||
		c.Variables[0].Values["darwin"] != "/Volumes/projects" || c.Variables[0].Values["linux"] != "/mnt/projects" {
		t.Errorf("variables after a restart: %+v", c.Variables)
	}
	vars := cli(t, addr, "variables")
	if !strings.Contains(vars, "{projects}") || !strings.Contains(vars, "storage") {
		t.Errorf("farmhand variables:\n%s", vars)
	}

	// --task-timeout for one run: the stored 15m is back at the next start.
	mgr.stop(syscall.SIGTERM)
	addr = freePort(t)
	mgr = startManagerArgs(t, data, addr, "--task-timeout", "3m")
	if c := configJSON(t, addr); c.TaskTimeout != "3m0s" || !slices.Contains(c.Overridden, "task_timeout") {
		t.Errorf("with --task-timeout 3m: %s, overridden %v", c.TaskTimeout, c.Overridden)
	}
	mgr.stop(syscall.SIGTERM)
	addr = freePort(t)
	startManager(t, data, addr)
	if c := configJSON(t, addr); c.TaskTimeout != "15m0s" {
		t.Errorf("the run after --task-timeout 3m: %s, want the stored 15m0s", c.TaskTimeout)
	}
	cli(t, addr, "variable", "delete", "projects")
	if c := configJSON(t, addr); len(c.Variables) != 0 {
		t.Errorf("variables after delete: %+v", c.Variables)
	}
}

// startManagerArgs is startManager with more flags.
func startManagerArgs(t *testing.T, data, addr string, extra ...string) *proc {
	t.Helper()
	farms.Store(addr, data)
	p := start(t, "manager", append([]string{"manager", "--headless", "--no-discovery", "--data", data, "--listen", addr}, extra...)...)
	waitFor(t, "the manager to answer on "+addr, 20*time.Second, func() bool {
		_, err := client.New("http://" + addr).Version(context.Background())
		return err == nil
	})
	return p
}
