package worker

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/tiff"
)

// noisy16 is a 16-bit RGBA image of noise, which compresses badly, as a
// grainy render does.
func noisy16(w, h int) *image.NRGBA64 {
	img := image.NewNRGBA64(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	return img
}

func writeImage(t *testing.T, path string, encode func(*os.File) error) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := encode(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkJPEG decodes a preview and checks its size.
func checkJPEG(t *testing.T, what string, data []byte, contentType string, w, h int) {
	t.Helper()
	if contentType != "image/jpeg" {
		t.Errorf("%s: content type %q, want image/jpeg", what, contentType)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("%s: preview is %dx%d, want %dx%d", what, b.Dx(), b.Dy(), w, h)
	}
}

func TestMakePreview(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()

	big := writeImage(t, filepath.Join(dir, "big16.png"), func(f *os.File) error {
		return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(f, noisy16(2000, 100))
	})
	data, ct, err := makePreview(ctx, big, Tools{})
	if err != nil {
		t.Fatal(err)
	}
	checkJPEG(t, "16-bit PNG", data, ct, 1920, 96)

	tif := writeImage(t, filepath.Join(dir, "frame.tif"), func(f *os.File) error {
		return tiff.Encode(f, noisy16(300, 200), &tiff.Options{Compression: tiff.Deflate})
	})
	data, ct, err = makePreview(ctx, tif, Tools{})
	if err != nil {
		t.Fatal(err)
	}
	checkJPEG(t, "TIFF", data, ct, 300, 200)

	// A small PNG goes as it is.
	small := image.NewRGBA(image.Rect(0, 0, 64, 48))
	small.Set(1, 1, color.RGBA{255, 0, 0, 255})
	smallPath := writeImage(t, filepath.Join(dir, "small.png"), func(f *os.File) error { return png.Encode(f, small) })
	data, ct, err = makePreview(ctx, smallPath, Tools{})
	if want, _ := os.ReadFile(smallPath); err != nil || ct != "image/png" || !bytes.Equal(data, want) {
		t.Errorf("small PNG: %q, %v; want it sent as it is", ct, err)
	}

	// Go cannot read OpenEXR: without FFmpeg that is an error naming the file.
	exr := filepath.Join(dir, "frame.exr")
	writeFile(t, exr, "v/1\x01")
	if _, _, err := makePreview(ctx, exr, Tools{}); err == nil || !strings.Contains(err.Error(), exr) ||
		!strings.Contains(err.Error(), "no FFmpeg") {
		t.Errorf("EXR without FFmpeg: %v", err)
	}
	if _, _, err := makePreview(ctx, filepath.Join(dir, "missing.png"), Tools{}); err == nil {
		t.Error("a missing file made a preview")
	}
}

func TestMakePreviewWithFFmpeg(t *testing.T) {
	tools := realTools()
	needTool(t, "ffmpeg", tools.FFmpeg)
	dir := t.TempDir()
	ctx := context.Background()
	for _, c := range []struct{ name, pixFmt string }{{"frame.exr", "gbrapf32le"}, {"frame.dpx", "rgb48le"}, {"frame.tga", "rgba"}} {
		p := filepath.Join(dir, c.name)
		if out, err := exec.Command(tools.FFmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=2000x1000",
			"-frames:v", "1", "-pix_fmt", c.pixFmt, p).CombinedOutput(); err != nil {
			t.Fatalf("making %s: %v\n%s", c.name, err, out)
		}
		data, ct, err := makePreview(ctx, p, Tools{FFmpeg: tools.FFmpeg})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		checkJPEG(t, c.name, data, ct, 1920, 960)
	}
	// What neither Go nor FFmpeg reads fails with FFmpeg's words.
	bad := filepath.Join(dir, "bad.exr")
	writeFile(t, bad, "not an image")
	if _, _, err := makePreview(ctx, bad, Tools{FFmpeg: tools.FFmpeg}); err == nil || !strings.Contains(err.Error(), "with FFmpeg") {
		t.Errorf("an unreadable EXR: %v", err)
	}
}
