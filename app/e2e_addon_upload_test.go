//go:build e2e

package app_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// addonUploadScript refreshes from the manager, which declares a storage
// location the scene is outside of, so that "Upload files" is on by itself;
// then submits the scene as simple-blender-render.
const addonUploadScript = `
say("refresh", op("refresh"))
say("upload", scene.farmhand_upload)
scene.farmhand_job_type = "simple-blender-render"
# The artist's own output folder: the frames must not go there but come back to the manager.
scene.farmhand_job_settings.render_output_root = os.environ["FARMHAND_TEST_OUTPUT"]
bpy.ops.wm.save_mainfile()
say("submit", op("submit"))
say("job", scene.farmhand_last_job_id)
`

// TestE2EAddonUploadRenderWithoutSharedStorage: the add-on, in Debian's real
// Blender, uploads the scene with its ../textures/ image and linked .blend
// to a manager whose two workers share nothing with this computer; the
// frames rendered from the uploaded files show the texture and the cube.
func TestE2EAddonUploadRenderWithoutSharedStorage(t *testing.T) {
	for _, tool := range []string{"blender", "ffmpeg", "ffprobe", "python3"} {
		needTool(t, tool, "apt-get install blender ffmpeg python3")
	}
	work := t.TempDir()
	blend := makeUploadScene(t, filepath.Join(work, "src"))
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	startWorker(t, addr, "render-a")
	startWorker(t, addr, "render-b")
	cli(t, addr, "variable", "set", "projects", "--all", "/mnt/projects", "--storage")
	cl := adminClient(t, addr)
	env := []string{"FARMHAND_TEST_ADDON=" + addonDir(t), "FARMHAND_TEST_URL=http://" + addr,
		"FARMHAND_TEST_TOKEN=" + cl.Token(), "BLENDER_USER_CONFIG=" + filepath.Join(work, "config"),
		"FARMHAND_TEST_OUTPUT=" + filepath.Join(work, "renders")}
	said := runBlender(t, env, blend, addonUploadScript)
	if said["upload"] != "True" {
		t.Errorf("Upload files is %q for a file outside the farm's storage, want on by itself", said["upload"])
	}
	if said["submit"] != "FINISHED" || said["job"] == "" {
		t.Fatalf("submitting from Blender: %v", said)
	}
	id := said["job"]
	files, err := cl.JobFiles(t.Context(), id)
	if err != nil || files.Storage != "upload" || len(files.Files) != 3 {
		t.Fatalf("the job's files: %+v %v", files, err)
	}
	job := waitCompleted(t, cl, id)
	if !strings.HasPrefix(job.Settings["blendfile"].(string), "{job_files}/") {
		t.Errorf("blendfile %v", job.Settings["blendfile"])
	}
	list, err := cl.Outputs(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	frames := framesIn(t, list.Folder)
	if len(frames) != 2 {
		t.Fatalf("frames in %s: %v", list.Folder, frames)
	}
	for _, f := range frames {
		checkUploadFrame(t, f)
	}
	if stray := framesIn(t, filepath.Join(work, "renders")); len(stray) > 0 {
		t.Errorf("frames written to the artist's output folder, which no worker shares: %v", stray)
	}
}

// addonUploadNoRootScript submits the scene with "Upload files" on and the
// Render Output Root left blank, as an artist with no shared storage leaves
// it: the frames go to the job's output on the manager.
const addonUploadNoRootScript = `
say("refresh", op("refresh"))
scene.farmhand_upload = True  # The farm declares no storage: the artist ticks it.
say("upload", scene.farmhand_upload)
scene.farmhand_job_type = "simple-blender-render"
scene.farmhand_job_settings.render_output_root = ""
bpy.ops.wm.save_mainfile()
say("submit", op("submit"))
say("job", scene.farmhand_last_job_id)
`

// TestE2EAddonUploadNeedsNoOutputRoot: an upload job's output root is the
// job's output folder whatever the artist typed, so the add-on does not ask
// for one (docs/uploads.md: a blank render_output_root becomes {job_output}).
func TestE2EAddonUploadNeedsNoOutputRoot(t *testing.T) {
	for _, tool := range []string{"blender", "python3"} {
		needTool(t, tool, "apt-get install blender python3")
	}
	work := t.TempDir()
	blend := makeUploadScene(t, filepath.Join(work, "src"))
	addr := freePort(t)
	startManager(t, t.TempDir(), addr)
	cl := adminClient(t, addr)
	env := []string{"FARMHAND_TEST_ADDON=" + addonDir(t), "FARMHAND_TEST_URL=http://" + addr,
		"FARMHAND_TEST_TOKEN=" + cl.Token(), "BLENDER_USER_CONFIG=" + filepath.Join(work, "config")}
	said := runBlender(t, env, blend, addonUploadNoRootScript)
	if said["upload"] != "True" || said["submit"] != "FINISHED" || said["job"] == "" {
		t.Fatalf("submitting an upload job with no output root from Blender: %v", said)
	}
	job, err := cl.Job(t.Context(), said["job"])
	if err != nil {
		t.Fatal(err)
	}
	if got := job.Settings["render_output_root"]; got != "{job_output}" {
		t.Errorf("render_output_root %#v, want {job_output}", got)
	}
	if got, _ := job.Settings["render_output_path"].(string); !strings.HasPrefix(got, "{job_output}/") {
		t.Errorf("render_output_path %q is not under {job_output}", got)
	}
}
