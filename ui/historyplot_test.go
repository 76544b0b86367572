package ui

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"farmhand/farm/model"
)

// dayOfHistory is a made-up day of a render node, one sample per 30 s up to
// testNow: CPU busy in waves, memory rising, the GPU busy only while it
// rendered (from 18 h to 4 h ago), and no heartbeat at all for an hour
// around 10 h ago (the computer was off).
func dayOfHistory() *model.HostHistory {
	h := &model.HostHistory{WorkerID: "w1", StepSeconds: 30}
	for t := testNow.Add(-24 * time.Hour).Add(30 * time.Second); !t.After(testNow); t = t.Add(30 * time.Second) {
		ago := testNow.Sub(t)
		if ago > 9*time.Hour+30*time.Minute && ago < 10*time.Hour+30*time.Minute {
			continue
		}
		x := float64(t.Unix()) / 3600
		s := model.HostSample{Time: t, CPUPercent: 55 + 35*math.Sin(x), MemUsedMB: uint64(4000 + 8000*(24-ago.Hours())/24),
			MemTotalMB: 16384, Heartbeats: 6}
		if ago < 18*time.Hour && ago > 4*time.Hour {
			g := 80 + 15*math.Sin(x*3)
			s.GPUPercent, s.GPUMemUsedMB, s.GPUMemTotalMB = &g, 6000, 12288
		}
		h.Samples = append(h.Samples, s)
	}
	return h
}

func TestTimeTicks(t *testing.T) {
	// testNow is Friday 27 November 2026, 15:00; the tests run in UTC.
	var got []string
	for _, tk := range timeTicks(testNow.Add(-24*time.Hour), testNow, 8) {
		got = append(got, tk.label)
	}
	want := []string{"15:00", "18:00", "21:00", "Fri 27", "03:00", "06:00", "09:00", "12:00", "15:00"}
	if !slices.Equal(got, want) {
		t.Errorf("24 h in 8 ticks: %q, want %q", got, want)
	}
	got = nil
	for _, tk := range timeTicks(testNow.Add(-100*time.Minute), testNow, 4) {
		got = append(got, tk.label)
	}
	if want := []string{"13:30", "14:00", "14:30", "15:00"}; !slices.Equal(got, want) {
		t.Errorf("100 min in 4 ticks: %q, want %q", got, want)
	}
}

func TestHistoryPlotBreaksLinesAtGaps(t *testing.T) {
	test.NewTempApp(t)
	p := newHistoryPlot()
	p.set(dayOfHistory(), testNow)
	cpu := p.seriesPoints(historySeries[0], 480, 100)
	gpu := p.seriesPoints(historySeries[2], 480, 100)
	gaps := func(pts []plotPoint) int {
		n := 0
		for _, pt := range pts {
			if pt.gap {
				n++
			}
		}
		return n
	}
	// One point per pixel column; the hour without heartbeats breaks the line.
	if len(cpu) < 450 || len(cpu) > 480 || gaps(cpu) != 2 {
		t.Errorf("CPU: %d points, %d line starts; want about 460 and 2", len(cpu), gaps(cpu))
	}
	// The GPU was read for 14 of the 24 hours, less the gap.
	if len(gpu) < 240 || len(gpu) > 280 || gaps(gpu) != 2 || gpu[0].x < 110 || gpu[0].x > 130 {
		t.Errorf("GPU: %d points from x=%v, %d line starts; want about 260 from x=120 and 2", len(gpu), gpu[0].x, gaps(gpu))
	}
	for _, pt := range cpu {
		if pt.y < 0 || pt.y > 100 {
			t.Fatalf("a CPU point lies outside the plot: %+v", pt)
		}
	}
}

// plotTexts are the texts the plot draws.
func plotTexts(p *historyPlot) []string {
	var out []string
	for _, o := range test.WidgetRenderer(p).Objects() {
		if txt, ok := o.(*canvas.Text); ok {
			out = append(out, txt.Text)
		}
	}
	return out
}

// TestWorkersViewHistoryPlot selects a worker in the workers view, gives the
// panel the manager's answer and checks the plot's axes, legend and lines;
// with FARMHAND_UPDATE_SCREENSHOTS=1 it writes docs/screenshots/workers-history.png.
func TestWorkersViewHistoryPlot(t *testing.T) {
	u := newTestUI(t, nil)
	u.setMe(admin)
	w := test.NewTempWindow(t, u.workers.object())
	w.Resize(fyne.NewSize(1260, 760))
	for i := range 40 { // the table's own graphs fill, as in TestWorkersView
		ws := farmWorkers(i)
		ws[0].Blenders = []model.BlenderInstall{{Path: "/usr/bin/blender", Version: "4.1.1"}, {Path: "/opt/blender-3.6/blender", Version: "3.6.5"}}
		ws[0].CyclesDevice = "OPTIX"
		u.workers.setAll(ws)
	}
	p := u.workers.hist
	if p.plot.Visible() || !strings.Contains(p.note.Text, "Select a worker") {
		t.Fatalf("with no worker selected the panel shows %q", p.note.Text)
	}
	u.workers.table.apply(u.workers.list.selectIDs("w1"))
	u.workers.selectionMayHaveChanged()
	if p.workerID != "w1" || p.note.Text != "Loading…" {
		t.Fatalf("after selecting render-01: worker %q, note %q", p.workerID, p.note.Text)
	}
	if want := "render-01 · last 24 hours · Blender 4.1.1, 3.6.5 · Cycles on OPTIX"; p.title.Text != want {
		t.Errorf("title %q, want %q", p.title.Text, want)
	}
	p.loaded(p.gen, dayOfHistory(), nil)
	if !p.plot.Visible() || p.note.Visible() {
		t.Fatal("the plot is not shown after the history came")
	}
	texts := plotTexts(p.plot)
	for _, want := range []string{"0 %", "25 %", "50 %", "75 %", "100 %", "18:00", "Fri 27", "12:00", "CPU", "Memory", "GPU"} {
		if !slices.Contains(texts, want) {
			t.Errorf("the plot lacks the label %q; it has %q", want, texts)
		}
	}
	img := w.Canvas().Capture()
	if n := colorPixels(img, test.Theme().Color(theme.ColorNameWarning, theme.VariantDark)); n < 200 {
		t.Errorf("the GPU line has %d pixels of its colour in the window; want it drawn", n)
	}
	if os.Getenv("FARMHAND_UPDATE_SCREENSHOTS") == "1" {
		writePNG(t, filepath.Join("..", "docs", "screenshots", "workers-history.png"), img)
	}

	// A stale answer (another worker was selected since) is dropped, and a
	// worker without a readable GPU says so rather than drawing zero.
	old := p.gen
	h := dayOfHistory()
	for i := range h.Samples {
		h.Samples[i].GPUPercent = nil
	}
	p.loaded(old-1, &model.HostHistory{WorkerID: "w1"}, nil)
	if !slices.Contains(plotTexts(p.plot), "CPU") {
		t.Fatal("a stale answer replaced the plot")
	}
	p.loaded(old, h, nil)
	if texts := plotTexts(p.plot); !slices.Contains(texts, "GPU (not readable)") {
		t.Errorf("without GPU figures the legend says %q", texts)
	}
	u.workers.table.apply(u.workers.list.selectIDs("w1", "w2"))
	u.workers.selectionMayHaveChanged()
	if p.plot.Visible() || p.workerID != "" {
		t.Error("with two workers selected the plot still shows")
	}
}

// colorPixels counts the pixels of img within a small distance of c.
func colorPixels(img image.Image, c color.Color) int {
	r0, g0, b0, _ := c.RGBA()
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if absDiff(r, r0) < 0x1800 && absDiff(g, g0) < 0x1800 && absDiff(bl, b0) < 0x1800 {
				n++
			}
		}
	}
	return n
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
