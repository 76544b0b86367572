package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // decoders for image.Decode
	"image/jpeg"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	_ "golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

const (
	// previewMaxSide is the longest side of a last-rendered preview, in
	// pixels: the manager shows it at most 1920×1080.
	previewMaxSide = 1920
	// maxUpload is the largest last-rendered image the manager takes, in
	// bytes: farm/rendered.MaxUpload (25 MiB), copied so that the worker does
	// not import the manager's store. A preview is far smaller.
	maxUpload = 25 << 20
	// maxDecodePixels bounds the images decoded in memory (8 bytes a pixel
	// for 16-bit RGBA: 36 MP is about 290 MB); FFmpeg scales larger ones
	// while reading them.
	maxDecodePixels = 36 << 20
	// previewTimeout bounds making one preview with FFmpeg.
	previewTimeout = time.Minute
	previewQuality = 88
)

// goDecodes are the extensions of the formats Go decodes here.
var goDecodes = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".tif": true,
	".tiff": true, ".bmp": true, ".webp": true}

// makePreview turns the image at path into what the worker sends as the job's
// last-rendered image: a PNG or JPEG file at most previewMaxSide pixels on
// its longest side and maxUpload bytes is sent as it is; any other image is
// decoded (Go: PNG 8/16-bit, JPEG, GIF, TIFF, BMP, WebP; FFmpeg, when
// tools.FFmpeg is set: OpenEXR, DPX, Cineon, Targa, IRIS, JPEG 2000 and
// images over maxDecodePixels; Blender, when tools.Blender is set, for what
// FFmpeg cannot read: multilayer OpenEXR, and Radiance HDR before FFmpeg
// 6.1), scaled down to fit previewMaxSide and encoded as a JPEG. It returns
// the bytes and their content type, or an error saying which file could not
// be read and why.
func makePreview(ctx context.Context, path string, tools Tools) ([]byte, string, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if goDecodes[ext] {
		data, ct, err := previewWithGo(path)
		if err == nil || tools.FFmpeg == "" {
			return data, ct, err
		}
		if !errors.Is(err, errTooManyPixels) {
			return nil, "", err
		}
	}
	if tools.FFmpeg == "" && tools.Blender == "" {
		return nil, "", fmt.Errorf("making a preview of %s: no FFmpeg or Blender on this worker to read %s images", path, ext)
	}
	var err error
	if tools.FFmpeg != "" {
		var data []byte
		if data, err = previewWithFFmpeg(ctx, path, tools.FFmpeg); err == nil || tools.Blender == "" {
			return data, "image/jpeg", err
		}
	}
	data, ct, berr := previewWithBlender(ctx, path, tools.Blender)
	if berr != nil {
		return nil, "", errors.Join(err, berr)
	}
	return data, ct, nil
}

// blenderPreviewScript has Blender load the image given after "--" and save
// it as a JPEG at the second path, with the view transform a render of the
// default scene gets, as it shows the image in its own image editor.
const blenderPreviewScript = `import bpy, sys
src, dst = sys.argv[sys.argv.index("--") + 1:][:2]
scene = bpy.context.scene
scene.render.image_settings.file_format = "JPEG"
scene.render.image_settings.quality = 95
bpy.data.images.load(src).save_render(dst, scene=scene)
`

// previewWithBlender has Blender write the image at path as a JPEG (in a
// temporary folder), which Go then scales down (previewWithGo). Blender
// starts for each call, a second or two: it is the last resort, for the
// formats neither Go nor FFmpeg reads.
func previewWithBlender(ctx context.Context, path, blender string) ([]byte, string, error) {
	ctx, cancel := context.WithTimeout(ctx, previewTimeout)
	defer cancel()
	tmp, err := os.MkdirTemp("", "farmhand-preview-*")
	if err != nil {
		return nil, "", fmt.Errorf("making a preview of %s with Blender: %w", path, err)
	}
	defer os.RemoveAll(tmp)
	jpg := filepath.Join(tmp, "preview.jpg")
	cmd := exec.CommandContext(ctx, blender, "-b", "--factory-startup", "--python-exit-code", "1",
		"--python-expr", blenderPreviewScript, "--", path, jpg)
	out, err := cmd.CombinedOutput()
	if err == nil {
		if fi, serr := os.Stat(jpg); serr != nil || fi.Size() == 0 {
			err = errors.New("it wrote no image")
		}
	}
	if err != nil {
		return nil, "", fmt.Errorf("making a preview of %s with Blender: %w: %s", path, err, truncate(lastLines(string(out), 3), 300))
	}
	return previewWithGo(jpg)
}

// lastLines is the last n non-empty lines of s, joined by " | ".
func lastLines(s string, n int) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep[max(0, len(keep)-n):], " | ")
}

var errTooManyPixels = errors.New("too many pixels to decode in memory")

func previewWithGo(path string) ([]byte, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("making a preview: %w", err)
	}
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		return nil, "", fmt.Errorf("making a preview of %s: %w", path, err)
	}
	if cfg.Width*cfg.Height > maxDecodePixels {
		return nil, "", fmt.Errorf("making a preview of %s (%d×%d): %w", path, cfg.Width, cfg.Height, errTooManyPixels)
	}
	if info, err := f.Stat(); err == nil && info.Size() <= maxUpload && (format == "png" || format == "jpeg") &&
		max(cfg.Width, cfg.Height) <= previewMaxSide {
		data, err := os.ReadFile(path)
		return data, "image/" + format, err
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, "", err
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, "", fmt.Errorf("making a preview of %s: %w", path, err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, scaleDown(img), &jpeg.Options{Quality: previewQuality}); err != nil {
		return nil, "", fmt.Errorf("making a preview of %s: %w", path, err)
	}
	return buf.Bytes(), "image/jpeg", nil
}

// scaleDown fits img into previewMaxSide, over a dark grey where it is
// transparent (as a JPEG has no transparency).
func scaleDown(img image.Image) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if long := max(w, h); long > previewMaxSide {
		w, h = max(1, w*previewMaxSide/long), max(1, h*previewMaxSide/long)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.Gray{0x30}), image.Point{}, draw.Src)
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	return dst
}

// previewWithFFmpeg has FFmpeg read the image, scale it to fit previewMaxSide
// and write a JPEG. OpenEXR holds linear light; it is shown in sRGB, as
// Blender's view would.
func previewWithFFmpeg(ctx context.Context, path, ffmpeg string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, previewTimeout)
	defer cancel()
	args := []string{"-v", "error", "-nostdin"}
	if strings.EqualFold(filepath.Ext(path), ".exr") {
		args = append(args, "-apply_trc", "iec61966_2_1")
	}
	fit := fmt.Sprintf("scale=w='min(%d,iw)':h='min(%d,ih)':force_original_aspect_ratio=decrease", previewMaxSide, previewMaxSide)
	args = append(args, "-i", path, "-frames:v", "1", "-vf", fit, "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "3", "pipe:1")
	cmd := exec.CommandContext(ctx, ffmpeg, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err == nil && (len(out) < 2 || out[0] != 0xff || out[1] != 0xd8) {
		err = errors.New("its output is not a JPEG image")
	}
	if err != nil {
		return nil, fmt.Errorf("making a preview of %s with FFmpeg: %w: %s", path, err, truncate(strings.TrimSpace(stderr.String()), 300))
	}
	return out, nil
}
