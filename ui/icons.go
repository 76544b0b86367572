package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"sync"

	"fyne.io/fyne/v2"
)

// The Farmhand mark is a rounded square holding a 3×3 grid of render tiles:
// some done (white), one rendering (amber), the rest waiting (dim) — a frame
// being rendered in buckets. The app icon is blue; the tray icon takes the
// colour of this computer's worker state. Drawing them in code keeps every
// size and colour in step with one definition; assets/icon.png (for
// packaging) is written from it by TestAppIconFile.

// tile states in the mark.
const (
	tileWaiting = iota
	tileDone
	tileRendering
)

var markTiles = [9]int{
	tileDone, tileDone, tileDone,
	tileDone, tileRendering, tileWaiting,
	tileWaiting, tileWaiting, tileWaiting,
}

var (
	markBlue  = color.NRGBA{0x1f, 0x6f, 0xd1, 0xff}
	markAmber = color.NRGBA{0xff, 0xb3, 0x2e, 0xff}
	trayGrey  = color.NRGBA{0x86, 0x8b, 0x94, 0xff}
	trayGreen = color.NRGBA{0x2e, 0x9d, 0x4f, 0xff}
	trayBlue  = markBlue
	trayRed   = color.NRGBA{0xd6, 0x3a, 0x3a, 0xff}
	white     = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	dimWhite  = color.NRGBA{0xff, 0xff, 0xff, 0x5c}
)

// samplesPer is the supersampling per axis, for smooth edges.
const samplesPer = 4

// drawMark paints the mark at size×size pixels on a transparent background.
func drawMark(size int, bg color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	s := float64(size)
	outer := roundRect{0.03 * s, 0.03 * s, 0.97 * s, 0.97 * s, 0.22 * s}
	gap, inset := 0.07*s, 0.19*s
	t := (s - 2*inset - 2*gap) / 3
	var tiles [9]roundRect
	for i := range tiles {
		x := inset + float64(i%3)*(t+gap)
		y := inset + float64(i/3)*(t+gap)
		tiles[i] = roundRect{x, y, x + t, y + t, 0.22 * t}
	}
	n := float64(samplesPer * samplesPer)
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64 // premultiplied sums
			for sy := 0; sy < samplesPer; sy++ {
				for sx := 0; sx < samplesPer; sx++ {
					x := float64(px) + (float64(sx)+0.5)/float64(samplesPer)
					y := float64(py) + (float64(sy)+0.5)/float64(samplesPer)
					c := sample(x, y, outer, &tiles, bg)
					ca := float64(c.A) / 255
					r, g, b, a = r+float64(c.R)*ca, g+float64(c.G)*ca, b+float64(c.B)*ca, a+ca
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{uint8(r / a), uint8(g / a), uint8(b / a), uint8(math.Round(a / n * 255))})
		}
	}
	return img
}

// sample returns the mark's colour at one point.
func sample(x, y float64, outer roundRect, tiles *[9]roundRect, bg color.NRGBA) color.NRGBA {
	if !outer.contains(x, y) {
		return color.NRGBA{}
	}
	for i, t := range tiles {
		if !t.contains(x, y) {
			continue
		}
		switch markTiles[i] {
		case tileDone:
			return white
		case tileRendering:
			return markAmber
		default:
			return over(dimWhite, bg)
		}
	}
	return bg
}

// over composites a translucent colour over an opaque one.
func over(fg, bg color.NRGBA) color.NRGBA {
	a := float64(fg.A) / 255
	mix := func(f, b uint8) uint8 { return uint8(float64(f)*a + float64(b)*(1-a)) }
	return color.NRGBA{mix(fg.R, bg.R), mix(fg.G, bg.G), mix(fg.B, bg.B), 0xff}
}

type roundRect struct{ x0, y0, x1, y1, r float64 }

func (q roundRect) contains(x, y float64) bool {
	if x < q.x0 || x >= q.x1 || y < q.y0 || y >= q.y1 {
		return false
	}
	// Inside the rectangle; outside only in a corner beyond its arc.
	cx := math.Max(q.x0+q.r, math.Min(x, q.x1-q.r))
	cy := math.Max(q.y0+q.r, math.Min(y, q.y1-q.r))
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= q.r*q.r
}

func pngBytes(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // encoding an in-memory NRGBA image cannot fail
	}
	return b.Bytes()
}

// Icons are drawn once, on first use.
var (
	iconsOnce sync.Once
	appIcon   fyne.Resource
	trayIcons map[trayState]fyne.Resource
)

func drawIcons() {
	appIcon = fyne.NewStaticResource("farmhand.png", pngBytes(drawMark(256, markBlue)))
	trayIcons = map[trayState]fyne.Resource{}
	for st, c := range map[trayState]color.NRGBA{
		trayOff: trayGrey, trayIdle: trayGreen, trayRendering: trayBlue, trayError: trayRed, trayNoWorker: markBlue,
	} {
		trayIcons[st] = fyne.NewStaticResource("farmhand-tray-"+string(st)+".png", pngBytes(drawMark(64, c)))
	}
}

// AppIcon returns Farmhand's application icon.
func AppIcon() fyne.Resource {
	iconsOnce.Do(drawIcons)
	return appIcon
}

// trayIcon returns the tray icon for a state.
func trayIcon(s trayState) fyne.Resource {
	iconsOnce.Do(drawIcons)
	return trayIcons[s]
}
