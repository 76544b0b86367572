//go:build headless

package app

// guiBuilt is false in the headless build (go build -tags headless), which
// links no GUI toolkit and needs no cgo.
const guiBuilt = false
