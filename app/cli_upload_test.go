package app

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"farmhand/farm/api/wire"
	"farmhand/farm/files"
	"farmhand/farm/transfer"
	"farmhand/internal/farmtest"
)

// missingScene saves a scene using one image that exists (../textures/ok.png)
// and one that does not (../textures/gone.png), frames 3–9 step 2 at 25 fps.
const missingScene = `
import bpy, os, sys
src = sys.argv[sys.argv.index("--") + 1]
s = bpy.context.scene
s.frame_start, s.frame_end, s.frame_step = 3, 9, 2
s.render.fps, s.render.fps_base = 25, 1
s.render.image_settings.file_format = "PNG"
for name in ("ok", "gone"):
    img = bpy.data.images.new(name, 4, 4)
    img.source = "FILE"
    img.filepath = os.path.join(src, "textures", name + ".png")
    img.use_fake_user = True
os.makedirs(os.path.join(src, "scene"), exist_ok=True)
bpy.ops.wm.save_as_mainfile(filepath=os.path.join(src, "scene", "a.blend"))
`

// TestPrepareUploadRefusesMissingFilesAndFillsSettings runs the embedded
// collector in the real Blender: a missing file is refused with its path
// unless allowed; allowed, the files are hashed under their root and the
// settings say where the blend file is on the worker and what the scene says.
func TestPrepareUploadRefusesMissingFilesAndFillsSettings(t *testing.T) {
	blender := farmtest.NeedTool(t, "blender", "apt-get install blender")
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "textures"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "textures", "ok.png"), []byte("png"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(blender, "-b", "--factory-startup", "--python-exit-code", "1", "--python-expr", missingScene,
		"--", src).CombinedOutput(); err != nil {
		t.Fatalf("making the scene: %v\n%s", err, out)
	}
	blend := filepath.Join(src, "scene", "a.blend")
	var stderr bytes.Buffer
	e := &env{stdout: &bytes.Buffer{}, stderr: &stderr}
	_, err := prepareUpload(t.Context(), e, blend, blender, false)
	gone := filepath.Join(src, "textures", "gone.png")
	if !errors.Is(err, errMissingFiles) || !strings.Contains(err.Error(), gone) {
		t.Fatalf("a missing texture: %v, want errMissingFiles naming %s", err, gone)
	}

	u, err := prepareUpload(t.Context(), e, blend, blender, true)
	if err != nil {
		t.Fatal(err)
	}
	defer u.done()
	sha, size, _ := files.HashFile(filepath.Join(src, "textures", "ok.png"))
	files := u.jobFiles()
	if len(files) != 2 || files[0].Path != "scene/a.blend" || files[1] != (wire.JobFile{Path: "textures/ok.png", SHA256: sha, Size: size}) {
		t.Errorf("files %+v", files)
	}
	settings := map[string]any{"frames": "1"}
	u.fillSettings(settings, &wire.JobType{Settings: []wire.JobSetting{{Key: "frames"}, {Key: "fps"}, {Key: "format"}}})
	want := map[string]any{"frames": "1", "blendfile": "{job_files}/scene/a.blend", "render_output_root": "{job_output}",
		"fps": 25.0, "format": "PNG"}
	if len(settings) != len(want) {
		t.Errorf("settings %v, want %v", settings, want)
	}
	for k, v := range want {
		if settings[k] != v {
			t.Errorf("setting %s = %v, want %v", k, settings[k], v)
		}
	}
	settings = map[string]any{}
	u.fillSettings(settings, &wire.JobType{Settings: []wire.JobSetting{{Key: "frames"}}})
	if settings["frames"] != "3-9x2" {
		t.Errorf("frames from the scene: %v", settings["frames"])
	}
}

// Off a terminal the progress bar writes plain lines: files, bytes, percent, rate.
func TestProgressBarPlainLines(t *testing.T) {
	var b bytes.Buffer
	bar := newProgressBar(&b, "uploading")
	start := time.Now().Add(-2 * time.Second)
	bar.update(transfer.Progress{Done: 0, Total: 4e6, FileCount: 2, Started: start})
	bar.update(transfer.Progress{Done: 4e6, Total: 4e6, Files: 2, FileCount: 2, Started: start})
	bar.finish()
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) < 2 || strings.Contains(b.String(), "\r") ||
		!strings.HasPrefix(lines[len(lines)-1], "uploading 2/2 files  4.0 MB of 4.0 MB  100.0%") ||
		!strings.HasSuffix(lines[len(lines)-1], "MB/s") {
		t.Errorf("progress lines:\n%s", b.String())
	}
}
