//go:build e2e

package ui_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/internal/farmtest"
)

// TestE2EOpenInFarmhand: with the desktop app running under Xvfb, the Blender
// add-on's "Open in Farmhand" (its desktop.py, run by a plain python3) and
// `farmhand open` make the window show the job; a job of another farm is
// refused with the reason.
func TestE2EOpenInFarmhand(t *testing.T) {
	for _, tool := range []string{"Xvfb", "xdotool", "python3"} {
		farmtest.NeedTool(t, tool, "apt-get install xvfb xdotool python3")
	}
	dir := t.TempDir()
	bin := buildGUI(t, dir)
	url := startManager(t, bin, dir)
	token, err := os.ReadFile(filepath.Join(dir, "manager", "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	cl := client.New(url).WithToken(strings.TrimSpace(string(token)))
	job, err := cl.Submit(context.Background(), wire.SubmitJob{Name: "sh010 lighting", Type: "echo-sleep-test",
		Settings: map[string]any{"frames": "1-4", "chunk_size": 2, "sleep_seconds": 0}, Paused: true})
	if err != nil {
		t.Fatal(err)
	}

	display := farmtest.Xvfb(t, "1280x800x24")
	home := filepath.Join(dir, "home") // the door's folder, as FARMHAND_DATA names it for the app and the add-on
	env := []string{"DISPLAY=" + display, "FARMHAND_DATA=" + home, "LANG=en_US.UTF-8",
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent"}
	gui := startProc(t, "gui", bin, env, "worker", "--manager", url, "--data", filepath.Join(dir, "desk"), "--name", "artist-desk")
	approveDesk(t, cl)
	waitForWindow(t, display, gui)

	addon := filepath.Join("..", "addon", "farmhand", "desktop.py")
	farmtest.Eventually(t, "the add-on's request to be taken", 30*time.Second, func() bool {
		out, err := run(env, "python3", addon, job.ID)
		if err != nil {
			t.Logf("not yet: %s", out)
		}
		return err == nil
	})
	farmtest.Eventually(t, "the window to show the job", 10*time.Second, func() bool {
		return strings.Contains(gui.Out.String(), "showing a job in the window") && strings.Contains(gui.Out.String(), job.ID)
	})

	if out, err := run(env, bin, "open", job.ID); err != nil {
		t.Errorf("farmhand open: %v\n%s", err, out)
	}
	out, err := run(env, bin, "open", "no-such-job")
	if err == nil || !strings.Contains(out, "not on the farm this window shows") {
		t.Errorf("a job of another farm: %v\n%s", err, out)
	}
	gui.Stop(syscall.SIGTERM)
	farmtest.Eventually(t, "the door file to go with the app", 20*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(home, "desktop.json"))
		return os.IsNotExist(err)
	})
	if out, err := run(env, bin, "open", job.ID); err == nil || !strings.Contains(out, "not running") {
		t.Errorf("no app running: %v\n%s", err, out)
	}
}

func run(env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
