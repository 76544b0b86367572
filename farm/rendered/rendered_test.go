package rendered

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"runtime"
	"strings"
	"testing"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPutKeepsImageAndThumbnail(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Latest(); !errors.Is(err, ErrNone) {
		t.Fatalf("new store has a latest image: %v", err)
	}
	info, err := s.Put("job1", "job1.0", pngOf(t, 3840, 1600))
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 1920 || info.Height != 800 {
		t.Errorf("stored %dx%d, want 1920x800", info.Width, info.Height)
	}
	for size, want := range map[string][2]int{Full: {1920, 800}, Thumb: {320, 133}} {
		p, err := s.Path("job1", size)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := os.Open(p)
		img, err := jpeg.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() != want[0] || img.Bounds().Dy() != want[1] {
			t.Errorf("%s: %v %v, want %v", size, img.Bounds(), err, want)
		}
	}
	small, _ := s.Put("job2", "job2.3", pngOf(t, 64, 64))
	if small.Width != 64 {
		t.Errorf("a small image was scaled: %d", small.Width)
	}
	if latest, _ := s.Latest(); latest.JobID != "job2" {
		t.Errorf("latest is %s", latest.JobID)
	}
	// Reopened, the store still knows its newest image.
	again, _ := Open(dir)
	if latest, err := again.Latest(); err != nil || latest.JobID != "job2" {
		t.Errorf("after reopening: %+v %v", latest, err)
	}
	if err := s.Remove("job2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Path("job2", Full); !errors.Is(err, ErrNone) {
		t.Errorf("removed image still there: %v", err)
	}
}

func TestBadUploadsAreRefused(t *testing.T) {
	s, _ := Open(t.TempDir())
	for _, data := range [][]byte{nil, []byte("GIF89a not really"), pngOf(t, 8, 8)[:20]} {
		if _, err := s.Put("j", "j.0", data); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%q: %v", data, err)
		}
	}
	if _, err := s.Path("j", "huge"); err == nil {
		t.Error("unknown size accepted")
	}
}

// A small file claiming a huge image is refused from its header, before any
// decoding allocates for it.
func TestHugeClaimedImageIsRefusedCheaply(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// The IHDR chunk's width and height sit at bytes 16–23.
	binary.BigEndian.PutUint32(b[16:], 32767)
	binary.BigEndian.PutUint32(b[20:], 32767)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29])) // the chunk's CRC
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = s.Put("job", "job.0", b)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "megapixels") {
		t.Fatalf("got %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("refusing it allocated %d MiB", grew>>20)
	}
}
