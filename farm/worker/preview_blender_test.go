package worker

import (
	"bytes"
	"context"
	"image/jpeg"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakePreviewWithBlender: what FFmpeg cannot read, multilayer OpenEXR
// (any FFmpeg) and Radiance HDR (FFmpeg before 6.1, as Debian 12's), Blender
// turns into the last-rendered preview; before, such jobs had none (found by
// the cases re-run). The frames are Blender's own, of its default scene.
func TestMakePreviewWithBlender(t *testing.T) {
	tools := realTools()
	needTool(t, "blender", tools.Blender)
	needTool(t, "ffmpeg", tools.FFmpeg)
	dir := t.TempDir()
	render := `import bpy
s = bpy.context.scene
s.render.engine = "BLENDER_WORKBENCH"
s.render.resolution_x, s.render.resolution_y, s.render.resolution_percentage = 320, 180, 100
for fmt, name in (("OPEN_EXR_MULTILAYER", "layers.exr"), ("HDR", "frame.hdr")):
    s.render.image_settings.file_format = fmt
    s.render.filepath = "` + dir + `/" + name
    s.render.use_file_extension = False
    bpy.ops.render.render(write_still=True)
`
	if out, err := exec.Command(tools.Blender, "-b", "--factory-startup", "--python-exit-code", "1",
		"--python-expr", render).CombinedOutput(); err != nil {
		t.Fatalf("rendering the frames: %v\n%s", err, out)
	}
	ctx := context.Background()
	for _, name := range []string{"layers.exr", "frame.hdr"} {
		p := filepath.Join(dir, name)
		data, ct, err := makePreview(ctx, p, Tools{FFmpeg: tools.FFmpeg, Blender: tools.Blender})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		checkJPEG(t, name, data, ct, 320, 180)
		// The default cube is lit grey over a darker world: not one flat colour.
		img, _ := jpeg.Decode(bytes.NewReader(data))
		lo, hi := uint32(1<<16), uint32(0)
		for x := 0; x < 320; x++ {
			r, _, _, _ := img.At(x, 90).RGBA()
			lo, hi = min(lo, r), max(hi, r)
		}
		if hi-lo < 0x1000 {
			t.Errorf("%s: the preview's middle row is flat (%#x to %#x)", name, lo, hi)
		}
	}
	// What neither reads fails in both their words.
	bad := filepath.Join(dir, "bad.exr")
	writeFile(t, bad, "not an image")
	_, _, err := makePreview(ctx, bad, Tools{FFmpeg: tools.FFmpeg, Blender: tools.Blender})
	if err == nil || !strings.Contains(err.Error(), "with FFmpeg") || !strings.Contains(err.Error(), "with Blender") {
		t.Errorf("an unreadable EXR: %v, want both FFmpeg's and Blender's words", err)
	}
}
