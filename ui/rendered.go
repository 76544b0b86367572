package ui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // the manager serves last-rendered images as JPEG
	_ "image/png"
	"net/http"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/api/client"
	"farmhand/farm/model"
)

// fetchImage fetches and decodes a job's last-rendered image ("full" or
// "thumb") off the UI goroutine. A job without an image yet gives nil, nil.
func fetchImage(ctx context.Context, cl *client.Client, jobID, size string) (image.Image, error) {
	ctx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	data, err := cl.LastRenderedImage(ctx, jobID, size)
	if client.StatusOf(err) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("the image could not be read: %w", err)
	}
	return img, nil
}

// renderedView is the farm's latest frame, whichever job it belongs to,
// replaced live as workers upload new ones.
type renderedView struct {
	u     *UI
	title *widget.Label
	about *widget.Label
	img   *canvas.Image
	note  *widget.Label
	gen   int // answers of older requests are dropped
}

func newRenderedView(u *UI) *renderedView {
	v := &renderedView{u: u}
	v.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.title.Truncation = fyne.TextTruncateEllipsis
	v.about = widget.NewLabel("")
	v.img = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleSmooth}
	v.note = widget.NewLabel("Nothing rendered yet.\nThe farm's latest frame shows here as soon as a worker renders one.")
	v.note.Alignment = fyne.TextAlignCenter
	return v
}

func (v *renderedView) object() fyne.CanvasObject {
	head := container.NewBorder(nil, nil, nil, v.about, v.title)
	return container.NewBorder(head, nil, nil, nil, container.NewStack(v.img, container.NewCenter(v.note)))
}

// load asks which job rendered last, then shows its image.
func (v *renderedView) load() {
	v.gen++
	gen, u := v.gen, v.u
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		r, err := u.client.LastRendered(ctx)
		cancel()
		if err != nil || r == nil || r.JobID == "" {
			u.do(func() {
				if gen == v.gen && client.StatusOf(err) != http.StatusNotFound && err != nil {
					v.note.SetText("Could not fetch the latest frame: " + explain(err, u.client.BaseURL()))
				}
			})
			return
		}
		img, err := fetchImage(u.ctx, u.client, r.JobID, "full")
		u.do(func() { v.show(gen, r, img, err) })
	}()
}

// newImage follows a last-rendered event.
func (v *renderedView) newImage(r *model.RenderedImage) {
	v.gen++
	gen, u := v.gen, v.u
	go func() {
		img, err := fetchImage(u.ctx, u.client, r.JobID, "full")
		u.do(func() { v.show(gen, r, img, err) })
	}()
}

// show puts an image up; a failed fetch leaves the last one showing.
func (v *renderedView) show(gen int, r *model.RenderedImage, img image.Image, err error) {
	if gen != v.gen {
		return
	}
	if err != nil {
		v.about.SetText("Could not fetch the newest frame: " + explain(err, v.u.client.BaseURL()))
		return
	}
	if img == nil {
		return
	}
	name := r.JobID
	if j, ok := v.u.jobs.list.Get(r.JobID); ok {
		name = j.Name
	}
	v.title.SetText(name)
	size := img.Bounds().Size()
	if r.Width > 0 {
		size = image.Pt(r.Width, r.Height)
	}
	v.about.SetText(fmt.Sprintf("%d × %d · rendered %s", size.X, size.Y, longTime(r.Updated)))
	v.note.Hide()
	v.img.Image = img
	v.img.Refresh()
}
