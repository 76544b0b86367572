package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// graphSamples is how many samples a sparkline keeps: at a heartbeat every
// few seconds, the last few minutes of a computer's load.
const graphSamples = 60

// history is a worker's recent load, oldest first, as fractions of 0..1.
type history struct {
	cpu, mem []float64
	last     int64 // the Sampled time (ns) of the newest sample, so a re-fetched one is not counted twice
}

// add appends a sample, dropping the oldest past graphSamples.
func (h *history) add(sampled int64, cpu, mem float64) {
	if sampled == h.last {
		return
	}
	h.last = sampled
	h.cpu = appendCapped(h.cpu, clamp01(cpu))
	h.mem = appendCapped(h.mem, clamp01(mem))
}

func appendCapped(s []float64, v float64) []float64 {
	s = append(s, v)
	if len(s) > graphSamples {
		s = append(s[:0], s[len(s)-graphSamples:]...)
	}
	return s
}

func clamp01(f float64) float64 { return max(0, min(1, f)) }

// sparkline draws values (0..1) as a line over a faint band, newest at the
// right edge. It is a few canvas lines rather than an image, so it scales
// with the cell and repaints cheaply.
type sparkline struct {
	widget.BaseWidget
	values []float64
	color  fyne.ThemeColorName
}

func newSparkline() *sparkline {
	s := &sparkline{color: colorRunning}
	s.ExtendBaseWidget(s)
	return s
}

// set shows values in colour c.
func (s *sparkline) set(values []float64, c fyne.ThemeColorName) {
	s.values, s.color = values, c
	s.Refresh()
}

func (s *sparkline) CreateRenderer() fyne.WidgetRenderer {
	r := &sparkRenderer{s: s, band: canvas.NewRectangle(color.Transparent)}
	r.band.CornerRadius = 2
	r.rebuild()
	return r
}

type sparkRenderer struct {
	s     *sparkline
	band  *canvas.Rectangle
	lines []*canvas.Line
	objs  []fyne.CanvasObject
}

func (r *sparkRenderer) Layout(size fyne.Size) {
	r.band.Resize(size)
	v := r.s.values
	// One segment between each pair of samples, spaced as if the history
	// were full, so that the graph grows in from the right and its speed
	// does not change as samples arrive.
	step := size.Width / float32(graphSamples-1)
	x0 := size.Width - step*float32(len(v)-1)
	y := func(f float64) float32 { return 1 + (size.Height-2)*float32(1-f) }
	for i, l := range r.lines {
		l.Position1 = fyne.NewPos(x0+step*float32(i), y(v[i]))
		l.Position2 = fyne.NewPos(x0+step*float32(i+1), y(v[i+1]))
	}
}

func (r *sparkRenderer) MinSize() fyne.Size { return fyne.NewSize(40, 16) }

func (r *sparkRenderer) Refresh() {
	r.rebuild()
	canvas.Refresh(r.s)
}

// rebuild makes one line per pair of samples, reusing the lines it has.
func (r *sparkRenderer) rebuild() {
	n := max(0, len(r.s.values)-1)
	for len(r.lines) < n {
		r.lines = append(r.lines, canvas.NewLine(color.Transparent))
	}
	r.lines = r.lines[:n]
	c := theme.Color(r.s.color)
	band := theme.Color(theme.ColorNameInputBackground)
	r.band.FillColor = band
	r.objs = append(r.objs[:0], r.band)
	for _, l := range r.lines {
		l.StrokeColor = c
		l.StrokeWidth = 1.5
		r.objs = append(r.objs, l)
	}
	r.Layout(r.s.Size())
}

func (r *sparkRenderer) Objects() []fyne.CanvasObject { return r.objs }

func (r *sparkRenderer) Destroy() {}
