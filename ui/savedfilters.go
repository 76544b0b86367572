package ui

import (
	"encoding/json"
	"log/slog"
	"maps"
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
	// Project is the jobs' metadata project ("" for any), so that an
	// artist's "my project" view is one click.
	Project string `json:"project,omitempty"`
}

// damagedFiltersKey keeps saved filters that could not be read, so that the
// next save does not overwrite the only copy.
const damagedFiltersKey = savedFiltersKey + ".damaged"

// loadSavedFilters returns the saved filters, none when none were saved.
// Filters that cannot be read (a preferences file edited by hand, say) do not
// vanish in silence: the log says so, the text moves to damagedFiltersKey
// for the person to recover, and the list starts empty, so the warning comes
// once rather than on every load.
func loadSavedFilters(p fyne.Preferences) []savedFilter {
	raw := p.String(savedFiltersKey)
	if raw == "" {
		return nil
	}
	var out []savedFilter
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		slog.Warn("the saved job filters cannot be read; their text is kept in the preferences under "+damagedFiltersKey,
			"err", err)
		p.SetString(damagedFiltersKey, raw)
		p.RemoveValue(savedFiltersKey)
		return nil
	}
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
	f := savedFilter{Name: name, Text: v.search.Text, Project: v.filter.project}
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
	v.setProject(f.Project)
	v.search.SetText(f.Text) // OnChanged refilters
}

// allProjects is the project filter's entry for "any project".
const allProjects = "All projects"

// newProjectFilter builds the select that filters the jobs by project; its
// entries are the projects of the jobs known (updateProjects).
func (v *jobsView) newProjectFilter() *widget.Select {
	sel := widget.NewSelect([]string{allProjects}, nil)
	sel.PlaceHolder = allProjects
	sel.OnChanged = func(name string) {
		if name == allProjects {
			name = ""
		}
		if name != v.filter.project {
			v.filter.project = name
			v.refilter()
		}
	}
	return sel
}

// setProject filters by project p ("" for any), listing it even when no job
// known has it yet (a saved filter applied before the jobs arrived).
func (v *jobsView) setProject(p string) {
	v.filter.project = p
	v.updateProjects()
	if p == "" {
		p = allProjects
	}
	v.project.SetSelected(p)
	v.refilter()
}

// updateProjects lists the projects of the known jobs (and the one filtered
// by) in the project filter, sorted, and shows the filter once there is one.
func (v *jobsView) updateProjects() {
	seen := map[string]bool{}
	if v.filter.project != "" {
		seen[v.filter.project] = true
	}
	for _, j := range v.list.all {
		if p := j.Metadata[projectKey]; p != "" {
			seen[p] = true
		}
	}
	projects := slices.Sorted(maps.Keys(seen))
	if opts := append([]string{allProjects}, projects...); !slices.Equal(opts, v.project.Options) {
		v.project.SetOptions(opts)
	}
	if len(projects) > 0 && !v.projRow.Visible() {
		v.projRow.Show()
	}
}
