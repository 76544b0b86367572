//go:build !headless

package app

// guiBuilt: the default build is the desktop one.
const guiBuilt = true
