package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// tipDelay is how long the pointer rests on a cell before its hover text shows.
const tipDelay = 500 * time.Millisecond

// tipLayer shows hover texts ("12 of 40 steps") on top of the window.
//
// Fyne 2.7 has no tooltips, and a canvas overlay would not do: while an
// overlay is up, Fyne sends every click to it, so the click meant for the row
// under the tip would be lost. The layer is instead the top of a stack inside
// the window content; it is neither tappable nor hoverable, so the pointer's
// events pass through it to the table underneath.
type tipLayer struct {
	layer *fyne.Container
	box   *fyne.Container
	text  *canvas.Text
	gen   int // increases with every show and hide, so a late timer can tell it is stale
}

func newTipLayer() *tipLayer {
	t := &tipLayer{text: canvas.NewText("", theme.Color(theme.ColorNameForeground))}
	t.text.TextSize = theme.CaptionTextSize()
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
	bg.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	bg.StrokeWidth = 1
	bg.CornerRadius = theme.InputRadiusSize()
	t.box = container.NewStack(bg, container.NewPadded(t.text))
	t.box.Hide()
	t.layer = container.NewWithoutLayout(t.box)
	return t
}

// show puts text under obj after tipDelay, unless hide comes first.
func (t *tipLayer) show(obj fyne.CanvasObject, text string) {
	t.gen++
	gen := t.gen
	time.AfterFunc(tipDelay, func() {
		fyne.Do(func() {
			if gen == t.gen {
				t.place(obj, text)
			}
		})
	})
}

// place shows the tip now, below obj and inside the layer.
func (t *tipLayer) place(obj fyne.CanvasObject, text string) {
	d := fyne.CurrentApp().Driver()
	pos := d.AbsolutePositionForObject(obj).Subtract(d.AbsolutePositionForObject(t.layer))
	t.text.Text = text
	t.text.Refresh()
	size := t.box.MinSize()
	pos.Y += obj.Size().Height
	if room := t.layer.Size(); room.Width > 0 {
		pos.X = max(0, min(pos.X, room.Width-size.Width))
		if pos.Y+size.Height > room.Height {
			pos.Y -= obj.Size().Height + size.Height
		}
	}
	t.box.Move(pos)
	t.box.Resize(size)
	t.box.Show()
}

func (t *tipLayer) hide() {
	t.gen++
	if t.box.Visible() {
		t.box.Hide()
	}
}
