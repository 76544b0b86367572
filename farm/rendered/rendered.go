// Package rendered keeps the last-rendered image of each job and of the whole
// farm: what a worker's renderer saved last, re-encoded as a JPEG of bounded
// size, with a thumbnail, under <data>/rendered/<job id>/.
package rendered

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // workers send PNG as often as JPEG
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/image/draw"

	"farmhand/farm/model"
)

// Limits: an upload is refused above MaxUpload bytes; stored images are at
// most 1920×1080 and thumbnails at most 320×180, keeping their aspect.
const (
	MaxUpload = 25 << 20
	fullW     = 1920
	fullH     = 1080
	thumbW    = 320
	thumbH    = 180
)

// Sizes of a stored image.
const (
	Full  = "full"
	Thumb = "thumb"
)

// ErrUnsupported means the upload is not a PNG or JPEG image.
var ErrUnsupported = errors.New("not a PNG or JPEG image")

// MaxPixels bounds an uploaded image: 64 megapixels, twice an 8K frame.
// Workers send previews of at most 1920 pixels a side.
const MaxPixels = 64_000_000

// ErrNone means nothing was rendered yet.
var ErrNone = errors.New("nothing rendered yet")

// Store holds the images.
type Store struct {
	dir string

	mu     sync.Mutex
	latest *model.RenderedImage
}

// Open returns the store under dataDir/rendered, remembering the newest image.
func Open(dataDir string) (*Store, error) {
	s := &Store{dir: filepath.Join(dataDir, "rendered")}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", s.dir, err)
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s.dir, err)
	}
	for _, e := range entries {
		st, err := os.Stat(s.path(e.Name(), Full))
		if err != nil {
			continue
		}
		if s.latest == nil || st.ModTime().After(s.latest.Updated) {
			s.latest = &model.RenderedImage{JobID: e.Name(), Updated: st.ModTime()}
		}
	}
	return s, nil
}

func (s *Store) path(jobID, size string) string {
	return filepath.Join(s.dir, safe(jobID), size+".jpg")
}

func safe(id string) string {
	return strings.NewReplacer("/", "_", "\\", "_", "..", "_").Replace(id)
}

// Put decodes an uploaded PNG or JPEG, stores it and its thumbnail as the
// job's last-rendered image and the farm's.
func (s *Store) Put(jobID, taskID string, data []byte) (*model.RenderedImage, error) {
	// The header first: a tiny file may claim a huge image, and decoding it
	// would allocate that much before finding out the data is not there.
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fmt.Errorf("%w: %d×%d pixels is more than the %d megapixels a preview may have; workers send previews scaled down",
			ErrUnsupported, cfg.Width, cfg.Height, MaxPixels/1_000_000)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	dir := filepath.Join(s.dir, safe(jobID))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	// A quick scaler for the big image (a 4K frame would otherwise cost the
	// manager a second of CPU), a fine one for the small thumbnail.
	full := fit(img, fullW, fullH, draw.ApproxBiLinear)
	if err := writeJPEG(s.path(jobID, Full), full); err != nil {
		return nil, err
	}
	if err := writeJPEG(s.path(jobID, Thumb), fit(full, thumbW, thumbH, draw.CatmullRom)); err != nil {
		return nil, err
	}
	b := full.Bounds()
	info := &model.RenderedImage{JobID: jobID, TaskID: taskID, Width: b.Dx(), Height: b.Dy(), Updated: time.Now().UTC()}
	s.mu.Lock()
	s.latest = info
	s.mu.Unlock()
	return info, nil
}

// Path returns the file of a job's last-rendered image in the given size.
func (s *Store) Path(jobID, size string) (string, error) {
	if size != Full && size != Thumb {
		return "", fmt.Errorf("size must be %q or %q, not %q", Full, Thumb, size)
	}
	p := s.path(jobID, size)
	if _, err := os.Stat(p); err != nil {
		return "", ErrNone
	}
	return p, nil
}

// Latest returns the farm's newest last-rendered image, or ErrNone.
func (s *Store) Latest() (*model.RenderedImage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.latest == nil {
		return nil, ErrNone
	}
	c := *s.latest
	return &c, nil
}

// Remove drops a job's images.
func (s *Store) Remove(jobID string) error {
	if err := os.RemoveAll(filepath.Join(s.dir, safe(jobID))); err != nil {
		return fmt.Errorf("removing last-rendered images of job %s: %w", jobID, err)
	}
	s.mu.Lock()
	if s.latest != nil && s.latest.JobID == jobID {
		s.latest = nil
	}
	s.mu.Unlock()
	return nil
}

// fit scales img down to fit w×h, keeping its aspect; smaller images stay.
func fit(img image.Image, w, h int, scaler draw.Scaler) image.Image {
	b := img.Bounds()
	if b.Dx() <= w && b.Dy() <= h {
		return img
	}
	scale := min(float64(w)/float64(b.Dx()), float64(h)/float64(b.Dy()))
	dst := image.NewRGBA(image.Rect(0, 0, max(1, int(float64(b.Dx())*scale)), max(1, int(float64(b.Dy())*scale))))
	scaler.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// writeJPEG writes atomically, so a reader never sees half an image.
func writeJPEG(path string, img image.Image) error {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
