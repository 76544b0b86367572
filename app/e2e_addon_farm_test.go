//go:build e2e

// The Blender add-on as an artist meets it (issue 12), with Debian's real
// Blender headless inside a network namespace of the test's own: downloaded
// from the manager, installed and enabled with Blender's own operators, it
// finds the manager with mDNS, joins with the join code, submits a paused
// render with project metadata, and the job, resumed from the command line,
// renders its frames; `farmhand jobs --project` lists it.
package app_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"farmhand/discovery/netnstest"
	"farmhand/farm/model"
)

// installScript installs the downloaded zip the way an artist does, finds
// the farm, chooses it, and joins with the join code. The preferences are
// saved so that the next run of Blender is the same artist.
const installScript = `
import os, bpy
def say(key, value):
    print("FARMHAND-TEST %s=%s" % (key, value), flush=True)
def op(call, tag):
    try:
        result = "".join(call())
    except RuntimeError as err:
        say(tag + ".error", " ".join(str(err).split()))
        result = "CANCELLED"
    say(tag, result)
    return result
op(lambda: bpy.ops.preferences.addon_install(filepath=os.environ["FARMHAND_TEST_ZIP"], overwrite=True), "install")
op(lambda: bpy.ops.preferences.addon_enable(module="farmhand"), "enable")
from farmhand import farms
say("installed_at", os.path.dirname(farms.__file__))
op(lambda: bpy.ops.farmhand.find_farms(), "find")
say("farms", ";".join("%s|%s|%s" % (f["name"], f["url"], f["fingerprint"]) for f in farms.found))
url = os.environ["FARMHAND_TEST_URL"]
index = next((i for i, f in enumerate(farms.found) if f["url"] == url), -1)
op(lambda: bpy.ops.farmhand.choose_farm(index=index), "choose")
prefs = bpy.context.preferences.addons["farmhand"].preferences
say("manager_url", prefs.manager_url)
prefs.join_code = os.environ["FARMHAND_TEST_CODE"]
op(lambda: bpy.ops.farmhand.join(), "join")
say("fingerprint", prefs.fingerprint)
say("member", prefs.member_id)
say("status", prefs.join_status + " " + prefs.join_role)
bpy.ops.wm.save_userpref()
`

// submitPausedScript opens the scene saved in a project's shot folder and
// submits it paused; the project metadata comes from the path.
const submitPausedScript = `
import os, bpy
def say(key, value):
    print("FARMHAND-TEST %s=%s" % (key, value), flush=True)
def op(name, tag):
    try:
        result = "".join(getattr(bpy.ops.farmhand, name)())
    except RuntimeError as err:
        say(tag + ".error", " ".join(str(err).split()))
        result = "CANCELLED"
    say(tag, result)
    return result
prefs = bpy.context.preferences.addons["farmhand"].preferences
scene = bpy.context.scene
op("join_status", "check")
say("status", prefs.join_status + " " + prefs.join_role)
scene.frame_start, scene.frame_end = 1, 3
op("refresh", "refresh")
scene.farmhand_job_type = "simple-blender-render"
scene.farmhand_job_settings.render_output_root = os.environ["FARMHAND_TEST_OUTPUT"]
scene.farmhand_paused = True
bpy.ops.wm.save_mainfile()
say("meta", "%s|%s|%s|%s" % (scene.farmhand_meta_project, scene.farmhand_meta_shot, scene.farmhand_meta_task,
                            scene.farmhand_meta_artist))
op("submit", "submit")
say("job", scene.farmhand_last_job_id)
say("job_status", scene.farmhand_last_job_status)
`

func TestE2EAddonFindJoinSubmitPaused(t *testing.T) {
	for _, tool := range []string{"blender", "ffmpeg", "ffprobe"} {
		needTool(t, tool, "apt-get install blender ffmpeg")
	}
	if !netnstest.Isolated(t) {
		return // the test ran in its namespace; this was the parent
	}
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	admin := adminClient(t, addr)
	ctx := context.Background()
	work := t.TempDir()

	// 1. The zip, as the manager serves it to anyone.
	zip, err := admin.AddonZip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(work, "farmhand-blender-addon.zip")
	if err := os.WriteFile(zipPath, zip, 0o644); err != nil {
		t.Fatal(err)
	}
	code := joinCode(t, addr)
	version, err := admin.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	port := addr[strings.LastIndex(addr, ":")+1:]
	url := "https://127.0.0.1:" + port // what mDNS announces: the manager has a certificate
	env := []string{
		"BLENDER_USER_CONFIG=" + filepath.Join(work, "config"),
		"BLENDER_USER_SCRIPTS=" + filepath.Join(work, "scripts"),
		"FARMHAND_TEST_ZIP=" + zipPath, "FARMHAND_TEST_URL=" + url, "FARMHAND_TEST_CODE=" + code,
	}

	// 2. Install, find, choose, join with the code.
	said := blenderSays(t, env, "--factory-startup", installScript)
	if said["install"] != "FINISHED" || said["enable"] != "FINISHED" ||
		!strings.HasPrefix(said["installed_at"], filepath.Join(work, "scripts")) {
		t.Fatalf("installing the downloaded zip: %v", said)
	}
	want := version.FarmName + "|" + url + "|" + version.Fingerprint
	if said["find"] != "FINISHED" || !slices.Contains(strings.Split(said["farms"], ";"), want) {
		t.Fatalf("find_farms found %q (%s), want %q among them", said["farms"], said["find"], want)
	}
	if said["choose"] != "FINISHED" || said["manager_url"] != url {
		t.Fatalf("choosing the farm: %v", said)
	}
	if said["join"] != "FINISHED" || said["status"] != "approved worker" ||
		strings.ReplaceAll(said["fingerprint"], "-", "") != version.Fingerprint {
		t.Fatalf("joining with the code: %v", said)
	}
	// A join code admits workers only; the admin makes the artist an artist.
	cli(t, addr, "approve", said["member"], "--role", string(model.RoleArtist))

	// 3. Submit the scene paused, from a shot folder of project Spring.
	blend := filepath.Join(work, "Spring", "shots", "sh010", "lighting", "sh010_lighting.blend")
	makeScene(t, blend)
	output := filepath.Join(work, "renders")
	env = append(env, "FARMHAND_TEST_OUTPUT="+output)
	said = blenderSays(t, env, blend, submitPausedScript)
	if said["status"] != "approved artist" || said["refresh"] != "FINISHED" || said["submit"] != "FINISHED" {
		t.Fatalf("submitting from Blender: %v", said)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	if said["meta"] != "Spring|sh010|lighting|"+me.Username {
		t.Errorf("project metadata from the path: %q, want Spring|sh010|lighting|%s", said["meta"], me.Username)
	}
	job, err := admin.Job(ctx, said["job"])
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != model.JobPaused || job.TaskCounts[model.TaskPaused] != job.TaskCount {
		t.Fatalf("the job is %s with tasks %v, want paused with every task paused", job.Status, job.TaskCounts)
	}
	for k, v := range map[string]string{"project": "Spring", "shot": "sh010", "task": "lighting", "platform": "linux"} {
		if job.Metadata[k] != v {
			t.Errorf("metadata %s = %q, want %q (all: %v)", k, job.Metadata[k], v, job.Metadata)
		}
	}

	// 4. Nothing runs until resumed from the command line; then it renders.
	startWorker(t, addr, "renderer")
	cli(t, addr, "job", job.ID, "resume")
	waitFor(t, "the resumed job to complete", 3*time.Minute, func() bool {
		j, err := admin.Job(ctx, job.ID)
		return err == nil && (j.Status == model.JobCompleted || j.Status.Final())
	})
	if j, _ := admin.Job(ctx, job.ID); j.Status != model.JobCompleted {
		t.Fatalf("the job ended %s: %s", j.Status, j.StatusReason)
	}
	var frames []string
	err = filepath.WalkDir(output, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".png") {
			frames = append(frames, path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("listing the frames in %s: %v", output, err)
	}
	if len(frames) != 3 {
		t.Errorf("%d frames on disk, want 3: %v", len(frames), frames)
	}

	// 5. The project lists it; another project does not.
	if ids := projectJobs(t, addr, "Spring"); !slices.Equal(ids, []string{job.ID}) {
		t.Errorf("farmhand jobs --project Spring lists %v, want [%s]", ids, job.ID)
	}
	if ids := projectJobs(t, addr, "Autumn"); len(ids) != 0 {
		t.Errorf("farmhand jobs --project Autumn lists %v", ids)
	}
}

// projectJobs is what `farmhand jobs --project P --json` lists: the job ids.
func projectJobs(t *testing.T, addr, project string) []string {
	t.Helper()
	var jobs []*model.Job
	if err := json.Unmarshal([]byte(cli(t, addr, "jobs", "--project", project, "--json")), &jobs); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, j := range jobs {
		ids = append(ids, j.ID)
	}
	return ids
}

// blenderSays runs script in headless Blender (first, the blend file or a
// flag such as --factory-startup) and returns what it said with
// "FARMHAND-TEST key=value" lines.
func blenderSays(t *testing.T, env []string, first, script string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "blender", "-b", first, "--python-exit-code", "1", "--python-expr", script)
	cmd.Env = append(slices.Clone(pythonEnv), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("blender: %v\n%s", err, out)
	}
	said := blenderSaid(out)
	t.Logf("blender said %v", said)
	return said
}
