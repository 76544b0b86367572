package ui

import (
	"context"
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/api/wire"
	"farmhand/farm/model"
	"farmhand/farm/transfer"
)

// storageText says where a job's files live, for the job's page (issue 13).
func storageText(j *model.Job) string {
	if j.Storage == wire.StorageUpload {
		if j.FilesMissing > 0 {
			return fmt.Sprintf("upload (the manager holds the files; %d still to come)", j.FilesMissing)
		}
		return "upload (the manager holds the files)"
	}
	return "shared (workers read the paths in the settings)"
}

// downloadView is the Output tab's "Download output…" button of a job whose
// files the manager holds (storage "upload"): a folder chooser, then the
// job's output files fetched into it with a progress bar, as 'farmhand
// output' does (files already there are skipped, partial ones resumed).
type downloadView struct {
	u      *UI
	job    *model.Job
	button *widget.Button
	bar    *widget.ProgressBar
	note   *widget.Label
	box    *fyne.Container
	cancel context.CancelFunc
	// choose asks for the folder; a variable so that tests name one.
	choose func(func(dir string))
}

func newDownloadView(u *UI) *downloadView {
	d := &downloadView{u: u, bar: widget.NewProgressBar(), note: widget.NewLabel("")}
	d.note.Wrapping = fyne.TextWrapWord
	d.button = widget.NewButtonWithIcon("Download output…", theme.DownloadIcon(), func() { d.choose(d.start) })
	d.choose = d.chooseFolder
	d.bar.Hide()
	d.box = container.NewVBox(container.NewHBox(d.button), d.bar, d.note)
	d.box.Hide()
	return d
}

func (d *downloadView) object() fyne.CanvasObject { return d.box }

// show follows the job the panel shows: the button is there only for an
// upload job, whose output no shared folder holds.
func (d *downloadView) show(j *model.Job) {
	if d.job == nil || d.job.ID != j.ID {
		d.stop()
		d.note.SetText("")
		d.bar.Hide()
	}
	d.job = j
	if j.Storage == wire.StorageUpload {
		d.box.Show()
	} else {
		d.box.Hide()
	}
}

func (d *downloadView) chooseFolder(then func(string)) {
	dialog.ShowFolderOpen(func(uri fyne.ListableURI, err error) {
		if err != nil {
			d.u.showError("Could not open the folder", err)
			return
		}
		if uri != nil {
			then(uri.Path())
		}
	}, d.u.win)
}

// start downloads the job's output into dir in the background; the bar and
// note say how far it is and how it ended.
func (d *downloadView) start(dir string) {
	if d.job == nil {
		return
	}
	d.stop()
	ctx, cancel := context.WithCancel(d.u.ctx)
	d.cancel = cancel
	id, u := d.job.ID, d.u
	d.button.Disable()
	d.bar.SetValue(0)
	d.bar.Show()
	d.note.SetText("Downloading into " + dir + "…")
	go func() {
		sum, err := transfer.DownloadOutput(ctx, u.client, id, dir, func(p transfer.Progress) {
			u.do(func() { d.progress(id, p) })
		})
		u.do(func() { d.finished(id, dir, sum, err) })
	}()
}

func (d *downloadView) progress(id string, p transfer.Progress) {
	if d.job == nil || d.job.ID != id {
		return
	}
	d.bar.SetValue(fraction(int(p.Done), int(p.Total)))
	d.note.SetText(fmt.Sprintf("%d of %d files, %.1f of %.1f MB", p.Files, p.FileCount, float64(p.Done)/1e6, float64(p.Total)/1e6))
}

func (d *downloadView) finished(id, dir string, sum transfer.DownloadSummary, err error) {
	if d.job == nil || d.job.ID != id {
		return
	}
	d.button.Enable()
	switch {
	case errors.Is(err, context.Canceled):
		d.note.SetText("Download stopped.")
	case err != nil:
		d.note.SetText("Download failed: " + explain(err, d.u.client.BaseURL()) + ". Download again to resume.")
	default:
		d.bar.SetValue(1)
		d.note.SetText(fmt.Sprintf("%d files downloaded into %s (%d were there already).", sum.Fetched, dir, sum.Skipped))
	}
}

// stop ends a running download (another job was opened).
func (d *downloadView) stop() {
	if d.cancel != nil {
		d.cancel()
		d.cancel = nil
		d.button.Enable()
	}
}
