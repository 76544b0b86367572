//go:build e2e

// A screenshot of the add-on's panel in Blender's own window, under Xvfb
// (issue 12): a job submitted from the panel, rendered by a worker and
// followed to the end, with its last-rendered thumbnail.
//
//	FARMHAND_UPDATE_SCREENSHOTS=1 go test -tags e2e -run AddonScreenshot ./app/   # refresh docs/screenshots
package app_test

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// screenshotScript runs in Blender's window: it submits the open file, lets
// the panel follow the job (the add-on's own timers), and once the job is
// completed with its thumbnail shown, shoots the Properties editor, full
// screen on the Output tab, and quits.
const screenshotScript = `
import os, sys, bpy
def say(key, value):
    print("FARMHAND-TEST %s=%s" % (key, value), flush=True)
prefs = bpy.context.preferences.addons["farmhand"].preferences
prefs.manager_url = os.environ["FARMHAND_TEST_URL"]
prefs.token = os.environ["FARMHAND_TEST_TOKEN"]
prefs.join_status, prefs.join_role = "approved", "admin"
bpy.context.preferences.view.show_tooltips = False  # The pointer rests mid-window.
scene = bpy.context.scene
scene.frame_start, scene.frame_end = 1, 3
bpy.ops.farmhand.refresh()
scene.farmhand_job_type = "simple-blender-render"
scene.farmhand_job_settings.render_output_root = os.environ["FARMHAND_TEST_OUTPUT"]
scene.farmhand_tags = ""
bpy.ops.wm.save_mainfile()
say("submit", "".join(bpy.ops.farmhand.submit()))
from farmhand import follow
state = {"ticks": 0, "shot": False}
deadline = [120 * 4]

def properties_area():
    win = bpy.context.window_manager.windows[0]
    return win, max(win.screen.areas, key=lambda a: a.width * a.height)

def step():
    try:
        return shoot()
    except Exception as err:
        say("error", repr(err))
        bpy.ops.wm.quit_blender()
        return None

def shoot():
    deadline[0] -= 1
    if deadline[0] <= 0:
        say("error", "the job was not followed to the end: %r" % (follow.job,))
        bpy.ops.wm.quit_blender()
        return None
    if follow.job["status"] != "completed" or not follow.job["icon"]:
        return 0.25
    win, area = properties_area()
    if area.type != "PROPERTIES":
        area.type = "PROPERTIES"
        return 0.5  # The editor's tabs exist once it drew.
    if area.spaces[0].context != "OUTPUT":
        area.spaces[0].context = "OUTPUT"
        with bpy.context.temp_override(window=win, area=area):
            bpy.ops.screen.screen_full_area()
        return 1.0
    state["ticks"] += 1
    if state["ticks"] < 3:  # A few redraws, so that the thumbnail is loaded.
        for a in win.screen.areas:
            a.tag_redraw()
        return 0.5
    win, area = properties_area()
    with bpy.context.temp_override(window=win, area=area):
        bpy.ops.screen.screenshot_area(filepath=os.environ["FARMHAND_TEST_SHOT"])
    say("status", follow.job["status"] + " " + follow.job["progress"])
    say("shot", "done")
    bpy.ops.wm.quit_blender()
    return None

bpy.app.timers.register(step, first_interval=1.0)
`

func TestE2EAddonScreenshot(t *testing.T) {
	for _, tool := range []string{"blender", "ffmpeg", "xvfb-run"} {
		needTool(t, tool, "apt-get install blender ffmpeg xvfb xauth")
	}
	addr := freePort(t)
	data := t.TempDir()
	startManager(t, data, addr)
	startWorker(t, addr, "renderer")
	work := t.TempDir()
	token, err := os.ReadFile(filepath.Join(data, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	zip, err := adminClient(t, addr).AddonZip(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(work, "farmhand-blender-addon.zip")
	if err := os.WriteFile(zipPath, zip, 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(work, "blender-addon.png")
	env := []string{
		"BLENDER_USER_CONFIG=" + filepath.Join(work, "config"),
		"BLENDER_USER_SCRIPTS=" + filepath.Join(work, "scripts"),
		"FARMHAND_TEST_ZIP=" + zipPath, "FARMHAND_TEST_URL=http://" + addr,
		"FARMHAND_TEST_TOKEN=" + strings.TrimSpace(string(token)),
		"FARMHAND_TEST_OUTPUT=" + filepath.Join(work, "renders"), "FARMHAND_TEST_SHOT=" + shot,
	}
	// Installed from the zip, as in the other test; the window run loads the
	// saved preferences.
	said := blenderSays(t, env, "--factory-startup", `
import os, bpy
bpy.ops.preferences.addon_install(filepath=os.environ["FARMHAND_TEST_ZIP"], overwrite=True)
bpy.ops.preferences.addon_enable(module="farmhand")
bpy.ops.wm.save_userpref()
print("FARMHAND-TEST installed=yes", flush=True)
`)
	if said["installed"] != "yes" {
		t.Fatalf("installing: %v", said)
	}
	blend := filepath.Join(work, "Spring", "shots", "sh010", "lighting", "sh010_lighting.blend")
	makeScene(t, blend)

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "xvfb-run", "-a", "-s", "-screen 0 1000x1650x24",
		"blender", "--window-geometry", "0", "0", "1000", "1650", "--no-window-focus", blend,
		"--python-exit-code", "1", "--python-expr", screenshotScript)
	cmd.Env = append(slices.Clone(pythonEnv), env...)
	// xvfb-run starts Blender and Xvfb as its children: end them all.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("blender under Xvfb: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "FARMHAND-TEST shot=done") ||
		!strings.Contains(string(out), "FARMHAND-TEST status=completed 3 of 3 frames") {
		t.Fatalf("no screenshot of the followed job:\n%s", out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(f)
	f.Close()
	if err != nil || cfg.Width < 600 || cfg.Height < 600 {
		t.Fatalf("screenshot %s: %dx%d %v", shot, cfg.Width, cfg.Height, err)
	}
	if os.Getenv("FARMHAND_UPDATE_SCREENSHOTS") == "1" {
		b, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "docs", "screenshots", "blender-addon.png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
