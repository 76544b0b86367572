package ui

// Before any Fyne package initialises: a C.UTF-8 locale would otherwise make
// Fyne print a locale error at every start (see package plainlocale).
import _ "farmhand/internal/plainlocale"
