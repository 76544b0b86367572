//go:build headless

package app

import "errors"

// guiBuilt is false in the headless build (go build -tags headless), which
// links no GUI toolkit and needs no cgo.
const guiBuilt = false

func showWindows(windowsParams) error {
	return errors.New("this farmhand was built without windows")
}
