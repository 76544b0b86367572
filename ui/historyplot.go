package ui

import (
	"context"
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/model"
)

// historySpan is how much of a worker's history the plot shows: all the
// manager keeps.
const historySpan = 24 * time.Hour

// historyReload is how often the shown history is fetched again: the
// manager adds one sample per 30 s.
const historyReload = 30 * time.Second

// plotSeries is one line of the plot: its legend and colour, and its value
// in percent of a sample (ok false where the sample has none).
type plotSeries struct {
	name  string
	color fyne.ThemeColorName
	of    func(model.HostSample) (float64, bool)
}

var historySeries = []plotSeries{
	{"CPU", theme.ColorNamePrimary, func(s model.HostSample) (float64, bool) { return s.CPUPercent, true }},
	{"Memory", theme.ColorNameSuccess, func(s model.HostSample) (float64, bool) {
		return 100 * float64(s.MemUsedMB) / float64(max(s.MemTotalMB, 1)), s.MemTotalMB > 0
	}},
	{"GPU", theme.ColorNameWarning, func(s model.HostSample) (float64, bool) {
		if s.GPUPercent == nil {
			return 0, false
		}
		return *s.GPUPercent, true
	}},
}

// historyPlot draws a worker's host history: CPU, memory and GPU use in
// percent (left axis, ticks every 25 %) against local time (bottom axis,
// ticks on whole hours), each series a line broken where there were no
// heartbeats. A series without any value is named "not readable" in the
// legend instead of drawn as zero.
type historyPlot struct {
	widget.BaseWidget
	samples    []model.HostSample
	step       time.Duration
	start, end time.Time
}

func newHistoryPlot() *historyPlot {
	p := &historyPlot{step: 30 * time.Second}
	p.ExtendBaseWidget(p)
	return p
}

// set shows h over the historySpan up to end.
func (p *historyPlot) set(h *model.HostHistory, end time.Time) {
	p.samples, p.end, p.start = h.Samples, end, end.Add(-historySpan)
	if h.StepSeconds > 0 {
		p.step = time.Duration(h.StepSeconds) * time.Second
	}
	p.Refresh()
}

func (p *historyPlot) CreateRenderer() fyne.WidgetRenderer {
	r := &plotRenderer{p: p}
	return r
}

type plotRenderer struct {
	p       *historyPlot
	size    fyne.Size
	objects []fyne.CanvasObject
}

func (r *plotRenderer) Layout(size fyne.Size)        { r.size = size; r.objects = r.p.draw(size) }
func (r *plotRenderer) MinSize() fyne.Size           { return fyne.NewSize(360, 170) }
func (r *plotRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *plotRenderer) Destroy()                     {}
func (r *plotRenderer) Refresh() {
	r.objects = r.p.draw(r.size)
	canvas.Refresh(r.p)
}

// timeTick is a labelled time on the bottom axis.
type timeTick struct {
	at    time.Time
	label string
}

// timeTicks are the axis' labels between start and end: on whole hours (or
// quarters of an hour for a short span) of the local clock, the step chosen
// so that at most about maxTicks fit; a tick at midnight says the day.
func timeTicks(start, end time.Time, maxTicks int) []timeTick {
	steps := []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour, 6 * time.Hour, 12 * time.Hour}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if end.Sub(start)/s <= time.Duration(maxTicks) {
			step = s
			break
		}
	}
	local := start.Local()
	// The first whole step of the local clock at or after start (steps
	// divide a day, so they fall on the same times every day).
	t := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), 0, 0, 0, time.Local)
	for t.Before(start) || (t.Hour()*60+t.Minute())%int(step/time.Minute) != 0 {
		t = t.Add(15 * time.Minute)
	}
	var ticks []timeTick
	for ; !t.After(end); t = t.Add(step) {
		label := t.Format("15:04")
		if t.Hour() == 0 && t.Minute() == 0 {
			label = t.Format("Mon 2")
		}
		ticks = append(ticks, timeTick{at: t, label: label})
	}
	return ticks
}

// plotPoint is a point of a series in the plot's pixels; gap marks the
// first point after missing samples.
type plotPoint struct {
	x, y float32
	gap  bool
}

// seriesPoints places the samples' values of s in a plot of width w and
// height h (y 0 at the top, 100 % there), one point per pixel column (the
// mean of the samples falling in it), breaking the line where no sample came
// for more than two steps.
func (p *historyPlot) seriesPoints(s plotSeries, w, h float32) []plotPoint {
	span := p.end.Sub(p.start)
	if span <= 0 || w <= 0 {
		return nil
	}
	var pts []plotPoint
	var sum float64
	var n int
	col := -1
	var last time.Time
	gap := true
	flush := func() {
		if n > 0 {
			v := min(100, max(0, sum/float64(n)))
			pts = append(pts, plotPoint{x: float32(col), y: h - float32(v)*h/100, gap: gap})
			gap = false
		}
		sum, n = 0, 0
	}
	for _, smp := range p.samples {
		v, ok := s.of(smp)
		if !ok || smp.Time.Before(p.start) || smp.Time.After(p.end) {
			continue
		}
		c := int(float32(smp.Time.Sub(p.start)) / float32(span) * w)
		if c != col {
			flush()
			if !last.IsZero() && smp.Time.Sub(last) > 2*p.step {
				gap = true
			}
			col = c
		}
		sum += v
		n++
		last = smp.Time
	}
	flush()
	return pts
}

// draw builds the plot's canvas objects for size.
func (p *historyPlot) draw(size fyne.Size) []fyne.CanvasObject {
	th := p.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	fg := th.Color(theme.ColorNameForeground, v)
	grid := th.Color(theme.ColorNameSeparator, v)
	textSize := th.Size(theme.SizeNameCaptionText)
	label := func(s string, c color.Color) *canvas.Text {
		t := canvas.NewText(s, c)
		t.TextSize = textSize
		return t
	}
	labelW := fyne.MeasureText("100 %", textSize, fyne.TextStyle{}).Width
	textH := fyne.MeasureText("0", textSize, fyne.TextStyle{}).Height
	left, top, bottom, right := labelW+6, textH+8, textH+4, float32(10)
	w, h := size.Width-left-right, size.Height-top-bottom
	if w <= 10 || h <= 10 {
		return nil
	}
	var objs []fyne.CanvasObject
	for pct := 0; pct <= 100; pct += 25 {
		y := top + h - float32(pct)*h/100
		line := canvas.NewLine(grid)
		line.Position1, line.Position2 = fyne.NewPos(left, y), fyne.NewPos(left+w, y)
		l := label(fmt.Sprintf("%d %%", pct), fg)
		l.Alignment = fyne.TextAlignTrailing
		l.Move(fyne.NewPos(0, y-textH/2))
		l.Resize(fyne.NewSize(labelW, textH))
		objs = append(objs, line, l)
	}
	maxTicks := max(2, int(w/(fyne.MeasureText("Mon 22", textSize, fyne.TextStyle{}).Width+16)))
	for _, tk := range timeTicks(p.start, p.end, maxTicks) {
		x := left + float32(tk.at.Sub(p.start))/float32(p.end.Sub(p.start))*w
		line := canvas.NewLine(grid)
		line.Position1, line.Position2 = fyne.NewPos(x, top), fyne.NewPos(x, top+h+3)
		l := label(tk.label, fg)
		lw := fyne.MeasureText(tk.label, textSize, fyne.TextStyle{}).Width
		l.Move(fyne.NewPos(min(max(x-lw/2, left), left+w-lw), top+h+4))
		objs = append(objs, line, l)
	}
	legendX := left
	for _, s := range historySeries {
		c := th.Color(s.color, v)
		name := s.name
		pts := p.seriesPoints(s, w, h)
		if len(pts) == 0 {
			name += " (not readable)"
		}
		for i := 1; i < len(pts); i++ {
			if pts[i].gap {
				continue
			}
			seg := canvas.NewLine(c)
			seg.StrokeWidth = 1.5
			seg.Position1 = fyne.NewPos(left+pts[i-1].x, top+pts[i-1].y)
			seg.Position2 = fyne.NewPos(left+pts[i].x, top+pts[i].y)
			objs = append(objs, seg)
		}
		swatch := canvas.NewRectangle(c)
		swatch.Move(fyne.NewPos(legendX, 2+textH/2-4))
		swatch.Resize(fyne.NewSize(8, 8))
		l := label(name, fg)
		l.Move(fyne.NewPos(legendX+12, 2))
		legendX += 12 + fyne.MeasureText(name, textSize, fyne.TextStyle{}).Width + 16
		objs = append(objs, swatch, l)
	}
	return objs
}

// historyPanel is the workers view's lower part: the selected worker's last
// 24 hours, fetched from the manager and again every historyReload while a
// single worker stays selected.
type historyPanel struct {
	u        *UI
	title    *widget.Label
	note     *widget.Label
	plot     *historyPlot
	box      *fyne.Container
	workerID string // the one shown; "" when not one worker is selected
	gen      int    // answers of an older selection are dropped
	ticking  bool
}

func newHistoryPanel(u *UI) *historyPanel {
	p := &historyPanel{u: u, plot: newHistoryPlot()}
	p.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.note = widget.NewLabel("Select a worker to see its CPU, memory and GPU use over the last 24 hours.")
	p.box = container.NewBorder(p.title, nil, nil, nil, container.NewStack(p.plot, container.NewCenter(p.note)))
	p.plot.Hide()
	return p
}

func (p *historyPanel) object() fyne.CanvasObject { return p.box }

// show follows the workers view's selection: one worker is fetched and
// plotted; none or several show a hint.
func (p *historyPanel) show(selected []*model.Worker) {
	if len(selected) != 1 {
		p.workerID = ""
		p.gen++
		p.title.SetText("")
		p.note.SetText("Select a worker to see its CPU, memory and GPU use over the last 24 hours.")
		p.note.Show()
		p.plot.Hide()
		p.box.Refresh()
		return
	}
	w := selected[0]
	p.title.SetText(w.Name + " · last 24 hours" + renderSetup(w))
	if w.ID == p.workerID {
		return
	}
	p.workerID = w.ID
	p.note.SetText("Loading…")
	p.note.Show()
	p.plot.Hide()
	p.box.Refresh() // the note's new width re-centres it
	p.load()
	if !p.ticking {
		p.ticking = true
		go p.tick()
	}
}

// renderSetup says which Blenders and Cycles device a worker renders with,
// for the panel's title: " · Blender 4.1.1, 3.6.5 · Cycles on OPTIX".
func renderSetup(w *model.Worker) string {
	s := ""
	for i, b := range w.Blenders {
		if i == 0 {
			s += " · Blender "
		} else {
			s += ", "
		}
		s += b.Version
	}
	if w.CyclesDevice != "" {
		s += " · Cycles on " + w.CyclesDevice
	}
	return s
}

func (p *historyPanel) tick() {
	t := time.NewTicker(historyReload)
	defer t.Stop()
	for {
		select {
		case <-p.u.ctx.Done():
			return
		case <-t.C:
			p.u.do(func() {
				if p.workerID != "" {
					p.load()
				}
			})
		}
	}
}

// load fetches the shown worker's history; the answer is shown unless the
// selection changed meanwhile.
func (p *historyPanel) load() {
	p.gen++
	gen, id := p.gen, p.workerID
	go func() {
		ctx, cancel := context.WithTimeout(p.u.ctx, actionTimeout)
		defer cancel()
		h, err := p.u.client.WorkerHistory(ctx, id, time.Time{})
		p.u.do(func() { p.loaded(gen, h, err) })
	}()
}

func (p *historyPanel) loaded(gen int, h *model.HostHistory, err error) {
	if gen != p.gen {
		return
	}
	if err != nil {
		p.note.SetText("Could not fetch the worker's history: " + explain(err, p.u.client.BaseURL()))
		p.note.Show()
		p.plot.Hide()
		p.box.Refresh()
		return
	}
	p.plot.set(h, now())
	p.plot.Show()
	if len(h.Samples) == 0 {
		p.note.SetText("No figures yet: they come with the worker's heartbeats.")
		p.note.Show()
	} else {
		p.note.Hide()
	}
	p.box.Refresh()
}
