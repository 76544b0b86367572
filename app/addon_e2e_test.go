//go:build e2e

// The Blender add-on (addon/farmhand) against a real manager: joining from
// Blender, submitting from Blender, and the stale job type answer, with real
// headless Blender runs of a few seconds each.
package app_test

import (
	"bufio"
	"bytes"
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
	"farmhand/internal/farmtest"
)

// needTool is farmtest.NeedTool: a missing program fails the test under
// CI=true and skips it elsewhere.
func needTool(t *testing.T, name, install string) {
	t.Helper()
	farmtest.NeedTool(t, name, install)
}

// pythonEnv keeps Python from writing __pycache__ folders into addon/.
var pythonEnv = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")

func addonDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../addon")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// addonPrelude enables the add-on in a factory-fresh Blender and points it at
// the test's manager; op() runs one of its operators the way a script does.
const addonPrelude = `
import os, sys
import addon_utils, bpy
sys.path.insert(0, os.environ["FARMHAND_TEST_ADDON"])
# Enabled as an add-on, not only register()ed, so that it has preferences.
if not addon_utils.enable("farmhand", default_set=True):
    raise RuntimeError("the farmhand add-on did not load")
prefs = bpy.context.preferences.addons["farmhand"].preferences
prefs.manager_url = os.environ["FARMHAND_TEST_URL"]
prefs.token = os.environ.get("FARMHAND_TEST_TOKEN", "")
scene = bpy.context.scene

def say(key, value):
    print("FARMHAND-TEST %s=%s" % (key, value), flush=True)

def op(name, tag=None):
    # An operator's ERROR report reaches a Python caller as a RuntimeError;
    # it is said as <tag>.error.
    try:
        return "".join(getattr(bpy.ops.farmhand, name)())
    except RuntimeError as err:
        say((tag or name) + ".error", " ".join(str(err).split()))
        return "CANCELLED"
`

// runBlender runs script after the prelude in headless Blender, on blend
// when it is not empty, and returns what the script said (say(key, value)).
func runBlender(t *testing.T, env []string, blend, script string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"-b"}
	if blend != "" {
		args = append(args, blend)
	}
	args = append(args, "--factory-startup", "--python-exit-code", "1", "--python-expr", addonPrelude+script)
	cmd := exec.CommandContext(ctx, "blender", args...)
	cmd.Env = append(slices.Clone(pythonEnv), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("blender: %v\n%s", err, out)
	}
	said := blenderSaid(out)
	t.Logf("blender said %v", redacted(said))
	return said
}

// redacted is what a script said without its token: test logs are no place
// for tokens, even a test's.
func redacted(said map[string]string) map[string]string {
	shown := maps.Clone(said)
	if shown["token"] != "" {
		shown["token"] = "(hidden)"
	}
	return shown
}

// memberStatus asks the manager through the add-on's HTTP module in a plain
// python3, as nothing of Blender is needed for it.
func memberStatus(t *testing.T, url, token string) string {
	t.Helper()
	cmd := exec.Command("python3", "-c", `
import os, sys
sys.path.insert(0, os.path.join(os.environ["FARMHAND_TEST_ADDON"], "farmhand"))
import manager_api
print(manager_api.Manager(os.environ["FARMHAND_TEST_URL"], os.environ["FARMHAND_TEST_TOKEN"]).join_status()["status"])
`)
	cmd.Env = append(slices.Clone(pythonEnv), "FARMHAND_TEST_ADDON="+addonDir(t), "FARMHAND_TEST_URL="+url, "FARMHAND_TEST_TOKEN="+token)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestE2EAddonPythonUnits runs the add-on's own tests: its HTTP module
// against a stand-in manager and its settings rules, without Blender.
func TestE2EAddonPythonUnits(t *testing.T) {
	needTool(t, "python3", "apt-get install python3")
	cmd := exec.Command("python3", "-m", "unittest", "discover", "-s", filepath.Join(addonDir(t), "tests"))
	cmd.Env = pythonEnv
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python3 -m unittest: %v\n%s", err, out)
	}
}

const joinScript = `
say("join", op("join"))
say("token", prefs.token)
say("member", prefs.member_id)
say("status", prefs.join_status)
say("early", op("refresh", "early"))  # Not approved yet.
`

const submitScript = `
scene.frame_start, scene.frame_end = 3, 7
scene.render.fps, scene.render.fps_base = 30, 1
scene.render.image_settings.file_format = "PNG"
say("check", op("join_status") + " " + prefs.join_status)
say("unsaved", op("submit", "unsaved"))
bpy.ops.wm.save_as_mainfile(filepath=os.environ["FARMHAND_TEST_BLEND"])
say("refresh", op("refresh"))
scene.farmhand_job_type = "simple-blender-render"
scene.farmhand_job_settings.render_output_root = os.environ["FARMHAND_TEST_OUTPUT"]
bpy.ops.wm.save_mainfile()  # The file keeps the job type and its settings.
say("submit", op("submit"))
say("job", scene.farmhand_last_job_id)
`

// staleScript runs on the file submitScript saved, with the job types cached
// then: the manager's job type has changed since.
const staleScript = `
say("type", scene.farmhand_job_type_name)
say("stale", op("submit", "stale"))
say("refresh", op("refresh"))
say("submit", op("submit"))
say("job", scene.farmhand_last_job_id)
`

func TestE2EAddonJoinAndSubmit(t *testing.T) {
	needTool(t, "blender", "apt-get install blender")
	needTool(t, "python3", "apt-get install python3")
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	url := "http://" + addr
	admin := adminClient(t, addr)
	ctx := context.Background()
	work := t.TempDir()
	env := []string{
		"FARMHAND_TEST_ADDON=" + addonDir(t),
		"FARMHAND_TEST_URL=" + url,
		// The job type cache and anything else Blender keeps stay in the test's folder.
		"BLENDER_USER_CONFIG=" + filepath.Join(work, "config"),
	}

	// Join the farm from the preferences: the manager holds a pending artist.
	said := runBlender(t, env, "", joinScript)
	if said["join"] != "FINISHED" || said["token"] == "" || said["status"] != "pending" {
		t.Fatalf("joining from Blender: %v", redacted(said))
	}
	if said["early"] != "CANCELLED" || !strings.Contains(said["early.error"], "join request is still pending") {
		t.Errorf("refreshing before approval: %q, error %q", said["early"], said["early.error"])
	}
	pending, err := admin.Members(ctx, model.MemberPending)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	i := slices.IndexFunc(pending, func(m *model.Member) bool { return m.ID == said["member"] })
	if i < 0 || pending[i].Wants != model.RoleArtist || pending[i].Name != host {
		t.Fatalf("member %s (%s) is not a pending artist request: %+v", said["member"], host, pending)
	}
	token, member := said["token"], said["member"]
	if got := memberStatus(t, url, token); got != "pending" {
		t.Fatalf("the HTTP module says the request is %q, want pending", got)
	}
	if _, err := admin.Approve(ctx, member, model.RoleArtist); err != nil {
		t.Fatal(err)
	}
	if got := memberStatus(t, url, token); got != "approved" {
		t.Fatalf("after approval the HTTP module says %q", got)
	}

	// Submit the scene as the approved artist.
	blend := filepath.Join(work, "shots", "sh010", "sh010.blend")
	output := filepath.Join(work, "renders")
	env = append(env, "FARMHAND_TEST_TOKEN="+token, "FARMHAND_TEST_BLEND="+blend, "FARMHAND_TEST_OUTPUT="+output)
	if err := os.MkdirAll(filepath.Dir(blend), 0o755); err != nil {
		t.Fatal(err)
	}
	said = runBlender(t, env, "", submitScript)
	if said["check"] != "FINISHED approved" {
		t.Errorf("Check status in Blender: %q", said["check"])
	}
	if said["unsaved"] != "CANCELLED" || !strings.Contains(said["unsaved.error"], "Save the blend file first") {
		t.Errorf("submitting an unsaved file: %q, error %q", said["unsaved"], said["unsaved.error"])
	}
	if said["refresh"] != "FINISHED" || said["submit"] != "FINISHED" || said["job"] == "" {
		t.Fatalf("refresh and submit: %v", said)
	}
	job, err := admin.Job(ctx, said["job"])
	if err != nil {
		t.Fatal(err)
	}
	if job.Type != "simple-blender-render" || job.Name != "sh010" || job.SubmitterID != member {
		t.Errorf("the add-on's job is %q of type %s by %s", job.Name, job.Type, job.SubmitterID)
	}
	// What the add-on takes from the scene and the file.
	want := map[string]any{"blendfile": blend, "frames": "3-7", "fps": 30.0, "format": "PNG",
		"image_file_extension": ".png", "render_output_root": output, "scene": "Scene", "chunk_size": 1.0}
	for key, value := range want {
		if job.Settings[key] != value {
			t.Errorf("setting %s is %#v, want %#v", key, job.Settings[key], value)
		}
	}
	if p, _ := job.Settings["render_output_path"].(string); !strings.HasPrefix(p, filepath.Join(output, "sh010")+"/") {
		t.Errorf("render_output_path %q is not under the output root and job name", p)
	}
	if job.TaskCount != 6 { // Frames 3–7 one by one, then the preview video.
		t.Errorf("the job has %d tasks, want 6", job.TaskCount)
	}

	// Change the job type on the manager; the add-on's cached copy is stale.
	types, err := admin.JobTypes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	oldEtag := etagOf(types, "simple-blender-render")
	script, err := admin.ExportJobType(ctx, "simple-blender-render")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(src), `label: "Simple Blender Render"`, `label: "Simple Blender Render (studio)"`, 1)
	if changed == string(src) {
		t.Fatal("the exported script has no label to change")
	}
	if err := os.WriteFile(script, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the manager to load the changed job type", 10*time.Second, func() bool {
		types, err := admin.JobTypes(ctx)
		return err == nil && etagOf(types, "simple-blender-render") != oldEtag
	})

	said = runBlender(t, env, blend, staleScript)
	if said["type"] != "simple-blender-render" {
		t.Errorf("the saved file forgot its job type: %q", said["type"])
	}
	if said["stale"] != "CANCELLED" || !strings.Contains(said["stale.error"], "The job type changed on the manager: Refresh") {
		t.Errorf("submitting with a stale job type: %q, error %q", said["stale"], said["stale.error"])
	}
	if said["refresh"] != "FINISHED" || said["submit"] != "FINISHED" || said["job"] == job.ID {
		t.Fatalf("after Refresh the submission should go through: %v", said)
	}
	jobs, err := admin.Jobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 {
		t.Errorf("the manager has %d jobs, want 2 (the stale submission stored nothing)", len(jobs))
	}
}

func etagOf(types []wire.JobType, name string) string {
	for _, jt := range types {
		if jt.Name == name {
			return jt.Etag
		}
	}
	return ""
}

// blenderSaid reads the "FARMHAND-TEST key=value" lines a test script in
// Blender printed (see addonPrelude's say) into a map.
func blenderSaid(out []byte) map[string]string {
	said := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if kv, ok := strings.CutPrefix(sc.Text(), "FARMHAND-TEST "); ok {
			k, v, _ := strings.Cut(kv, "=")
			said[k] = v
		}
	}
	return said
}
