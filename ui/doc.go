// Package ui is Farmhand's desktop face: the main window (jobs, one job's
// tasks and logs, workers) and the tray icon that turns this computer's worker
// on and off.
//
// It talks to the farm only through the API client, like the command line
// does, so it never links the manager or its database, and it never imports
// fyne.io/fyne/v2/app: the caller creates the app (package app, file
// gui_on.go), which keeps this package testable with Fyne's test driver,
// without a display and without cgo.
//
// The tables follow one split (after Rymdport's bridge): a rowList is the
// view-model — every item, and the filtered, sorted rows shown, updated from
// events — and a table turns it into a widget. Live events are coalesced and
// applied on the UI goroutine about 15 times a second, and only the rows that
// changed are repainted.
package ui
