package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// cellKind is what a column shows.
type cellKind int

const (
	textCell cellKind = iota
	iconCell
	progressCell
	graphCell // a sparkline with the latest value beside it
)

// cell is the one template every table cell is made from: a background that
// carries the row's selection and hover highlight, and an icon, a label or a
// progress bar, whichever its column shows. One template for all columns lets
// the table recycle cells freely.
type cell struct {
	widget.BaseWidget

	bg       *canvas.Rectangle
	icon     *widget.Icon
	label    *widget.Label
	progress *widget.ProgressBar
	barText  string
	graph    *sparkline
	value    *widget.Label // the graph's latest value

	row   int
	tip   string
	tips  *tipLayer
	hover func(row int, in bool) // tells the table which row the pointer is over
}

var _ desktop.Hoverable = (*cell)(nil)

func newCell(tips *tipLayer, hover func(row int, in bool)) *cell {
	c := &cell{
		bg:       canvas.NewRectangle(color.Transparent),
		icon:     widget.NewIcon(nil),
		label:    widget.NewLabel(""),
		progress: widget.NewProgressBar(),
		graph:    newSparkline(),
		value:    widget.NewLabel(""),
		tips:     tips,
		hover:    hover,
	}
	c.label.Truncation = fyne.TextTruncateEllipsis
	c.progress.TextFormatter = func() string { return c.barText }
	c.value.Alignment = fyne.TextAlignTrailing
	c.graph.Hide()
	c.value.Hide()
	c.ExtendBaseWidget(c)
	return c
}

// highlight colours the background for a selected or hovered row.
func (c *cell) highlight(selected, hovered bool) {
	var name fyne.ThemeColorName
	switch {
	case selected:
		name = theme.ColorNameSelection
	case hovered:
		name = theme.ColorNameHover
	}
	if name == "" {
		c.bg.FillColor = color.Transparent // not nil: Fyne's software painter cannot paint a nil colour
	} else {
		c.bg.FillColor = theme.Color(name)
	}
	c.bg.Refresh()
}

// hideAll hides every part but the background, before one is shown.
func (c *cell) hideAll() {
	c.icon.Hide()
	c.label.Hide()
	c.progress.Hide()
	c.graph.Hide()
	c.value.Hide()
}

// showText makes the cell a label. A label that shows that text already is
// left alone: scrolling a long table rebinds every visible cell each frame,
// and laying its text out again was most of a frame's time.
func (c *cell) showText(s string, align fyne.TextAlign) {
	c.icon.Hide()
	c.progress.Hide()
	c.graph.Hide()
	c.value.Hide()
	if c.label.Visible() && c.label.Text == s && c.label.Alignment == align {
		return
	}
	if c.label.Text != s || c.label.Alignment != align {
		c.label.Alignment = align
		c.label.SetText(s) // one refresh for both
	}
	c.label.Show()
}

// showIcon makes the cell an icon.
func (c *cell) showIcon(res fyne.Resource) {
	c.hideAll()
	c.icon.SetResource(res)
	c.icon.Show()
}

// showProgress makes the cell a progress bar reading text.
func (c *cell) showProgress(value float64, text string) {
	c.hideAll()
	if c.progress.Value != value || c.barText != text {
		c.barText = text
		c.progress.SetValue(value)
	}
	c.progress.Show()
}

// showGraph makes the cell a sparkline of values with text beside it.
func (c *cell) showGraph(values []float64, color fyne.ThemeColorName, text string) {
	c.hideAll()
	c.graph.set(values, color)
	c.value.SetText(text)
	if len(values) > 0 {
		c.graph.Show() // no empty band for a worker without figures: the dash says it
	}
	c.value.Show()
	c.Refresh() // lay the graph out: its width depends on the text's
}

// MouseIn starts the hover text and the row's hover highlight.
func (c *cell) MouseIn(*desktop.MouseEvent) {
	if c.hover != nil {
		c.hover(c.row, true)
	}
	if c.tip != "" && c.tips != nil {
		c.tips.show(c, c.tip)
	}
}

// MouseMoved is part of desktop.Hoverable.
func (c *cell) MouseMoved(*desktop.MouseEvent) {}

// MouseOut ends them.
func (c *cell) MouseOut() {
	if c.hover != nil {
		c.hover(c.row, false)
	}
	if c.tips != nil {
		c.tips.hide()
	}
}

func (c *cell) CreateRenderer() fyne.WidgetRenderer {
	return &cellRenderer{c: c, objects: []fyne.CanvasObject{c.bg, c.icon, c.label, c.progress, c.graph, c.value}}
}

type cellRenderer struct {
	c       *cell
	objects []fyne.CanvasObject
}

func (r *cellRenderer) Layout(size fyne.Size) {
	c := r.c
	c.bg.Resize(size)
	c.label.Resize(size)
	is := theme.IconInlineSize()
	c.icon.Resize(fyne.NewSquareSize(is))
	c.icon.Move(fyne.NewPos((size.Width-is)/2, (size.Height-is)/2))
	// The bar is slimmer than the row so that rows stay visibly apart.
	pad := theme.Padding()
	h := min(c.progress.MinSize().Height, size.Height-2*pad)
	c.progress.Resize(fyne.NewSize(size.Width-2*pad, h))
	c.progress.Move(fyne.NewPos(pad, (size.Height-h)/2))
	// The value takes the room its text needs, at most half the cell; the
	// graph the rest, as tall as a line of text.
	vw := min(fyne.MeasureText(c.value.Text, theme.TextSize(), fyne.TextStyle{}).Width+4*pad, size.Width/2)
	c.value.Resize(fyne.NewSize(vw, size.Height))
	c.value.Move(fyne.NewPos(size.Width-vw, 0))
	gh := min(theme.TextSize()+2*pad, size.Height-2*pad)
	c.graph.Resize(fyne.NewSize(max(0, size.Width-vw-pad), gh))
	c.graph.Move(fyne.NewPos(pad, (size.Height-gh)/2))
}

func (r *cellRenderer) MinSize() fyne.Size {
	s := r.c.label.MinSize().Max(r.c.progress.MinSize())
	return s.Max(fyne.NewSquareSize(theme.IconInlineSize() + 2*theme.Padding()))
}

func (r *cellRenderer) Refresh() {
	r.c.bg.Refresh()
	r.Layout(r.c.Size())
}

func (r *cellRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *cellRenderer) Destroy()                     {}
