package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/addon"
)

// addonButton saves the manager's Blender add-on (the one road: fetched over
// the API, so it matches the manager) where the person picks, and says how
// to install it.
func (v *settingsView) addonButton() *widget.Button {
	u := v.u
	return widget.NewButtonWithIcon("Blender add-on…", theme.DownloadIcon(), func() {
		d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
			if err != nil {
				dialog.ShowError(err, u.win)
				return
			}
			if w == nil {
				return // canceled
			}
			go v.saveAddon(w)
		}, u.win)
		d.SetFileName("farmhand-blender-addon.zip")
		d.Show()
	})
}

// saveAddon fetches the zip and writes it, off the UI goroutine.
func (v *settingsView) saveAddon(w fyne.URIWriteCloser) {
	u := v.u
	ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
	defer cancel()
	data, err := u.client.AddonZip(ctx)
	if err == nil {
		_, err = w.Write(data)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	u.do(func() {
		if err != nil {
			dialog.ShowError(fmt.Errorf("saving the Blender add-on: %s", explain(err, u.client.BaseURL())), u.win)
			return
		}
		dialog.ShowInformation("Blender add-on saved", "Saved to "+w.URI().Path()+"\n\n"+addon.InstallHelp, u.win)
	})
}
