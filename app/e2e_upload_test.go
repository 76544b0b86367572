//go:build e2e

// Rendering without shared storage (issue 13), with Debian's real Blender:
// the scene, its texture in a sibling folder and a linked library go to the
// manager with `farmhand submit --upload`, two workers that share nothing
// fetch them and render, the frames come back to the manager, and `farmhand
// output` downloads them.
package app_test

import (
	"context"
	"image"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"farmhand/farm/api/client"
	"farmhand/farm/api/wire"
	"farmhand/farm/model"
)

// uploadSceneScript builds, under the folder after "--": libs/props.blend
// holding "LinkedCube" (emitting pure red), and scene/shot.blend, which links
// that cube in front of a plane emitting textures/green.png (a flat colour,
// referenced as //../textures/green.png), seen by an orthographic camera:
// the frame's centre is the linked cube's red, its corners the texture's
// colour. Cycles, 64×48, frames 1–2, Standard view transform so that the
// colours come out as they went in.
const uploadSceneScript = `
import bpy, os, sys
src = sys.argv[sys.argv.index("--") + 1]

def emission(name, color=None, image=None):
    m = bpy.data.materials.new(name)
    m.use_nodes = True
    nt = m.node_tree
    nt.nodes.clear()
    out = nt.nodes.new("ShaderNodeOutputMaterial")
    em = nt.nodes.new("ShaderNodeEmission")
    nt.links.new(em.outputs[0], out.inputs["Surface"])
    if image is not None:
        tex = nt.nodes.new("ShaderNodeTexImage")
        tex.image = image
        nt.links.new(tex.outputs["Color"], em.inputs["Color"])
    else:
        em.inputs["Color"].default_value = color
    return m

bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.mesh.primitive_cube_add(size=1.0, location=(0, 0, 1))
cube = bpy.context.object
cube.name = "LinkedCube"
cube.data.materials.append(emission("Red", (1, 0, 0, 1)))
os.makedirs(os.path.join(src, "libs"), exist_ok=True)
bpy.ops.wm.save_as_mainfile(filepath=os.path.join(src, "libs", "props.blend"))

bpy.ops.wm.read_factory_settings(use_empty=True)
s = bpy.context.scene
s.render.engine = "CYCLES"
s.cycles.samples = 4
s.cycles.use_denoising = False
s.render.resolution_x, s.render.resolution_y, s.render.resolution_percentage = 64, 48, 100
s.frame_start, s.frame_end = 1, 2
s.view_settings.view_transform = "Standard"
s.render.image_settings.file_format = "PNG"
bpy.ops.mesh.primitive_plane_add(size=10)
img = bpy.data.images.load(os.path.join(src, "textures", "green.png"))
bpy.context.object.data.materials.append(emission("Textured", image=img))
cam = bpy.data.objects.new("Cam", bpy.data.cameras.new("Cam"))
cam.data.type, cam.data.ortho_scale = "ORTHO", 4
cam.location = (0, 0, 5)
s.collection.objects.link(cam)
s.camera = cam
with bpy.data.libraries.load(os.path.join(src, "libs", "props.blend"), link=True, relative=True) as (_, to):
    to.objects = ["LinkedCube"]
s.collection.objects.link(to.objects[0])
os.makedirs(os.path.join(src, "scene"), exist_ok=True)
bpy.ops.wm.save_as_mainfile(filepath=os.path.join(src, "scene", "shot.blend"))
`

// textureColour is the flat colour of textures/green.png.
var textureColour = [3]uint8{40, 200, 60}

// makeUploadScene writes the texture and has Blender build the scene under
// src; it returns the .blend's path.
func makeUploadScene(t *testing.T, src string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(src, "textures"), 0o755); err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []uint8{textureColour[0], textureColour[1], textureColour[2], 255})
	}
	f, err := os.Create(filepath.Join(src, "textures", "green.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("blender", "-b", "--factory-startup", "--python-exit-code", "1",
		"--python-expr", uploadSceneScript, "--", src).CombinedOutput()
	if err != nil {
		t.Fatalf("making the scene: %v\n%s", err, out)
	}
	return filepath.Join(src, "scene", "shot.blend")
}

// submitUpload runs farmhand submit --upload and returns the job id (its
// stdout) and what it said on stderr.
func submitUpload(t *testing.T, addr, blend string, extra ...string) (string, string) {
	t.Helper()
	args := append([]string{"submit", "--upload", blend, "--manager", "http://" + addr, "--data", managerData(addr),
		"--set", "chunk_size=1"}, extra...)
	cmd := exec.Command(farmhandBinary(t), args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("farmhand submit --upload: %v\n%s%s", err, out, stderr.String())
	}
	t.Logf("submit --upload said:\n%s", stderr.String())
	return strings.TrimSpace(string(out)), stderr.String()
}

// blobFiles lists the manager's stored blobs with their modification times.
func blobFiles(t *testing.T, data string) map[string]time.Time {
	t.Helper()
	found := map[string]time.Time{}
	root := filepath.Join(data, "files")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		found[p] = info.ModTime()
		return nil
	})
	if err != nil {
		t.Fatalf("listing the manager's files: %v", err)
	}
	return found
}

func TestE2EUploadRenderWithoutSharedStorage(t *testing.T) {
	for _, tool := range []string{"blender", "ffmpeg", "ffprobe"} {
		needTool(t, tool, "apt-get install blender ffmpeg")
	}
	work := t.TempDir()
	src := filepath.Join(work, "src")
	blend := makeUploadScene(t, src)
	// A copy to submit the same scene again once src is gone: the same bytes,
	// so the same hashes.
	keep := filepath.Join(work, "keep")
	if err := os.CopyFS(keep, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}

	addr := freePort(t)
	mgrData := t.TempDir()
	startManager(t, mgrData, addr)
	startWorker(t, addr, "render-a") // each worker has a data folder of its own
	startWorker(t, addr, "render-b")
	cl := adminClient(t, addr)
	ctx := context.Background()
	waitFor(t, "two workers that render", 30*time.Second, func() bool {
		ws, _ := cl.Workers(ctx)
		return len(slices.DeleteFunc(ws, func(w *model.Worker) bool { return !slices.Contains(w.TaskTypes, "blender") })) == 2
	})

	id, said := submitUpload(t, addr, blend)
	// The farm needs nothing of this computer's files from now on.
	if err := os.RemoveAll(src); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(said, "the manager holds all 3 files") {
		t.Errorf("submit did not say all 3 files (scene, texture, library) are on the manager:\n%s", said)
	}
	files, err := cl.JobFiles(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files.Files {
		paths = append(paths, f.Path)
	}
	slices.Sort(paths)
	if files.Storage != "upload" || !slices.Equal(paths, []string{"libs/props.blend", "scene/shot.blend", "textures/green.png"}) {
		t.Errorf("job files: storage %q, %v", files.Storage, paths)
	}
	job := waitCompleted(t, cl, id)
	if job.Storage != "upload" {
		t.Errorf("job storage %q, want upload", job.Storage)
	}

	// The frames are in the manager's output folder, and show the texture and the linked cube.
	list, err := cl.Outputs(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	frames := framesIn(t, list.Folder)
	if len(frames) != 2 {
		t.Fatalf("frames in the manager's output folder %s: %v (listed: %+v)", list.Folder, frames, list.Files)
	}
	for _, f := range frames {
		checkUploadFrame(t, f)
	}
	if !slices.ContainsFunc(list.Files, func(f wire.OutputFile) bool { return strings.HasSuffix(f.Path, ".mp4") }) {
		t.Errorf("no preview video among the outputs: %+v", list.Files)
	}

	// farmhand output fetches them; a second run finds them all there.
	got := filepath.Join(work, "downloaded")
	out := cli(t, addr, "output", id, "--out", got)
	if !strings.Contains(out, "already there") || len(framesIn(t, got)) != 2 {
		t.Errorf("farmhand output said %q and fetched frames %v", out, framesIn(t, got))
	}
	for _, f := range list.Files {
		if st, err := os.Stat(filepath.Join(got, filepath.FromSlash(f.Path))); err != nil || st.Size() != f.Size {
			t.Errorf("downloaded %s: %v", f.Path, err)
		}
	}
	if again := cli(t, addr, "output", id, "--out", got); !regexp.MustCompile(`(?m)^0 files fetched .* 3 already there`).MatchString(again) {
		t.Errorf("a second farmhand output said %q, want nothing fetched", again)
	}

	// The same scene again: the manager holds every file, so no byte is
	// sent, as the blob folder (unchanged: same files, same times) proves.
	before := blobFiles(t, mgrData)
	id2, said2 := submitUpload(t, addr, filepath.Join(keep, "scene", "shot.blend"))
	if after := blobFiles(t, mgrData); !mapsEqual(before, after) {
		t.Errorf("the manager's files changed on a second submission:\nbefore %v\nafter  %v", before, after)
	}
	if !strings.Contains(said2, "(0.0 MB sent)") {
		t.Errorf("the second submission sent bytes:\n%s", said2)
	}
	waitCompleted(t, cl, id2)
}

// waitCompleted waits for the job to complete, failing at once if it ends otherwise.
func waitCompleted(t *testing.T, cl *client.Client, id string) *model.Job {
	t.Helper()
	var job *model.Job
	waitFor(t, "job "+id+" to complete", 4*time.Minute, func() bool {
		var err error
		job, err = cl.Job(context.Background(), id)
		if err == nil && job.Status.Final() && job.Status != model.JobCompleted {
			t.Fatalf("job %s ended %s: %s", id, job.Status, job.StatusReason)
		}
		return err == nil && job.Status == model.JobCompleted
	})
	return job
}

// framesIn lists the PNG files below dir.
func framesIn(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".png") {
			found = append(found, p)
		}
		return nil
	})
	slices.Sort(found)
	return found
}

// checkUploadFrame checks a frame's pixels: the linked cube's red at the
// centre, the texture's colour in a corner.
func checkUploadFrame(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	if b.Dx() != 64 || b.Dy() != 48 {
		t.Errorf("%s is %dx%d, want 64x48", path, b.Dx(), b.Dy())
	}
	near := func(x, y int, want [3]uint8, what string) {
		r, g, bl, _ := img.At(x, y).RGBA()
		got := [3]int{int(r >> 8), int(g >> 8), int(bl >> 8)}
		for i := range got {
			if d := got[i] - int(want[i]); d < -6 || d > 6 {
				t.Errorf("%s: pixel (%d,%d) is %v, want %v (%s)", filepath.Base(path), x, y, got, want, what)
				return
			}
		}
	}
	near(32, 24, [3]uint8{255, 0, 0}, "the linked cube")
	near(2, 2, textureColour, "the texture from ../textures")
	near(61, 45, textureColour, "the texture from ../textures")
}

func mapsEqual(a, b map[string]time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !w.Equal(v) {
			return false
		}
	}
	return true
}
