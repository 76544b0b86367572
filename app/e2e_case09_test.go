//go:build e2e

package app_test

import (
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"farmhand/farm/model"
)

// TestE2ECase09LastRenderedEveryFormat: a TIFF render and a 16-bit PNG frame
// larger than the manager's 25 MiB upload limit both give the job a
// last-rendered image (HTTP 200, JPEG), made by the worker.
func TestE2ECase09LastRenderedEveryFormat(t *testing.T) {
	needTool(t, "blender", "apt-get install blender")
	needTool(t, "ffmpeg", "apt-get install ffmpeg")
	work := t.TempDir()
	addr, _ := managerWithScripts(t, nil)
	worker := startWorker(t, addr, "w1")
	renders := filepath.Join(work, "renders")

	t.Run("TIFF", func(t *testing.T) {
		blend := tinyScene(t, filepath.Join(work, "tiny.blend"))
		id := submitType(t, addr, "simple-blender-render", "tiff", "frames=1-2", "chunk_size=2", "blendfile="+blend,
			"render_output_root="+renders, "format=TIFF")
		if job := waitJobEnd(t, addr, id, 3*time.Minute); job.Status != model.JobCompleted {
			t.Fatalf("job %s: %s\n%s", job.Status, job.StatusReason, jobLog(t, addr, id))
		}
		if tifs, _ := filepath.Glob(filepath.Join(renders, "tiff", "*", "*.tif")); len(tifs) != 2 {
			t.Errorf("TIFF frames: %v", tifs)
		}
		waitLastRendered(t, addr, id)
	})

	t.Run("16-bit PNG over the upload limit", func(t *testing.T) {
		// A grainy 4K frame takes Cycles over a minute; the compositor putting
		// a noise image over a 1-sample render gives Blender the same 16-bit
		// PNG to write in seconds.
		noise := filepath.Join(work, "noise.png")
		writeNoisyPNG16(t, noise, 3840, 2160)
		blend := filepath.Join(work, "big.blend")
		setup := `import bpy
s = bpy.context.scene
s.render.engine = 'CYCLES'; s.cycles.samples = 1; s.cycles.use_denoising = False
s.render.resolution_x = 3840; s.render.resolution_y = 2160; s.render.resolution_percentage = 100
s.render.image_settings.file_format = 'PNG'
s.render.image_settings.color_depth = '16'; s.render.image_settings.color_mode = 'RGBA'
s.frame_start = 1; s.frame_end = 1
s.use_nodes = True
tree = s.node_tree
node = tree.nodes.new('CompositorNodeImage')
node.image = bpy.data.images.load(` + pyString(noise) + `)
tree.links.new(node.outputs['Image'], tree.nodes['Composite'].inputs['Image'])
bpy.ops.wm.save_as_mainfile(filepath=` + pyString(blend) + `)
`
		if out, err := exec.Command("blender", "-b", "--factory-startup", "--python-exit-code", "1", "--python-expr", setup).CombinedOutput(); err != nil {
			t.Fatalf("making the scene: %v\n%s", err, out)
		}
		id := submitType(t, addr, "simple-blender-render", "big16", "frames=1", "blendfile="+blend,
			"render_output_root="+renders, "format=PNG")
		if job := waitJobEnd(t, addr, id, 5*time.Minute); job.Status != model.JobCompleted {
			t.Fatalf("job %s: %s\n%s", job.Status, job.StatusReason, jobLog(t, addr, id))
		}
		frames, _ := filepath.Glob(filepath.Join(renders, "big16", "*", "*.png"))
		if len(frames) != 1 {
			t.Fatalf("frames: %v", frames)
		}
		info, err := os.Stat(frames[0])
		if err != nil || info.Size() <= 25<<20 {
			t.Fatalf("the frame is %v bytes (%v): not over the 25 MiB upload limit, so this tests nothing", info.Size(), err)
		}
		if cfg := decodePNGConfig(t, frames[0]); cfg.ColorModel != image.NewNRGBA64(image.Rect(0, 0, 1, 1)).ColorModel() {
			t.Errorf("the frame is not 16-bit RGBA: %v", cfg.ColorModel)
		}
		waitLastRendered(t, addr, id)
		if strings.Contains(worker.out.String(), "too large") {
			t.Errorf("the worker refused an image:\n%s", worker.out.String())
		}
	})
}

// writeNoisyPNG16 writes a w×h 16-bit RGBA PNG of noise, which no compression
// shrinks: 8 bytes a pixel.
func writeNoisyPNG16(t *testing.T, path string, w, h int) {
	t.Helper()
	img := image.NewNRGBA64(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(9, 9))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
