package ui

import (
	"encoding/json"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// savedFiltersKey is where named job filters live in the app's preferences,
// so that a person's "failed" or "sh050" view survives a restart.
const savedFiltersKey = "jobs.savedFilters"

// saveThisFilter is the menu entry that saves the current filter.
const saveThisFilter = "Save this filter…"

// savedFilter is a named job filter.
type savedFilter struct {
	Name   string `json:"name"`
	Groups []int  `json:"groups"`
	Text   string `json:"text"`
}

func loadSavedFilters(p fyne.Preferences) []savedFilter {
	var out []savedFilter
	json.Unmarshal([]byte(p.String(savedFiltersKey)), &out)
	return out
}

func storeSavedFilters(p fyne.Preferences, fs []savedFilter) {
	b, _ := json.Marshal(fs)
	p.SetString(savedFiltersKey, string(b))
}

// newSavedFilters builds the select that applies a saved filter, or saves the
// current one under a name.
func (v *jobsView) newSavedFilters() *widget.Select {
	app := fyne.CurrentApp()
	sel := widget.NewSelect(nil, nil)
	sel.PlaceHolder = "Saved filters"
	refresh := func() {
		var names []string
		for _, f := range loadSavedFilters(app.Preferences()) {
			names = append(names, f.Name)
		}
		sel.SetOptions(append(names, saveThisFilter))
	}
	sel.OnChanged = func(name string) {
		if name == "" {
			return
		}
		if name == saveThisFilter {
			sel.ClearSelected()
			v.askFilterName(func(n string) { v.saveFilter(app.Preferences(), n); refresh() })
			return
		}
		for _, f := range loadSavedFilters(app.Preferences()) {
			if f.Name == name {
				v.applyFilter(f)
			}
		}
	}
	refresh()
	return sel
}

func (v *jobsView) askFilterName(save func(string)) {
	windows := fyne.CurrentApp().Driver().AllWindows()
	if len(windows) == 0 {
		return
	}
	name := widget.NewEntry()
	name.SetPlaceHolder("e.g. failed renders")
	dialog.ShowForm("Save this filter", "Save", "Cancel", []*widget.FormItem{widget.NewFormItem("Name", name)},
		func(ok bool) {
			if n := strings.TrimSpace(name.Text); ok && n != "" {
				save(n)
			}
		}, windows[0])
}

// saveFilter stores the current filter under name, replacing one of that name.
func (v *jobsView) saveFilter(p fyne.Preferences, name string) {
	f := savedFilter{Name: name, Text: v.search.Text}
	for g := range v.filter.groups {
		f.Groups = append(f.Groups, g)
	}
	slices.Sort(f.Groups)
	fs := slices.DeleteFunc(loadSavedFilters(p), func(o savedFilter) bool { return o.Name == name })
	storeSavedFilters(p, append(fs, f))
}

// applyFilter sets the chips and the text of a saved filter.
func (v *jobsView) applyFilter(f savedFilter) {
	for i := range v.chips {
		if v.filter.groups[i] != slices.Contains(f.Groups, i) {
			v.toggleGroup(i)
		}
	}
	v.search.SetText(f.Text) // OnChanged refilters
}
