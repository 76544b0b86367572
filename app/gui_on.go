//go:build !headless

package app

import "errors"

// guiBuilt: the windows are not part of this build yet; every role runs
// headless and says so.
const guiBuilt = false

func showWindows(windowsParams) error {
	return errors.New("this farmhand was built without windows")
}
