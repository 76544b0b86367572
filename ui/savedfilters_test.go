package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

// Saved filters that cannot be read are kept aside, not lost: the next save
// starts a new list and leaves the damaged text where a person can find it.
func TestDamagedSavedFiltersAreKept(t *testing.T) {
	a := test.NewTempApp(t)
	p := a.Preferences()
	const damaged = `[{"name":"failed","groups":[3],"text":"sh0`
	p.SetString(savedFiltersKey, damaged)
	if fs := loadSavedFilters(p); len(fs) != 0 {
		t.Fatalf("damaged filters read as %+v", fs)
	}
	if got := p.String(damagedFiltersKey); got != damaged {
		t.Fatalf("kept aside %q, want %q", got, damaged)
	}
	if got := p.String(savedFiltersKey); got != "" {
		t.Fatalf("the damaged text is still where filters load from: %q", got)
	}
	v := newJobsView(newTipLayer(), newJobActions(nil))
	v.saveFilter(p, "mine")
	if fs := loadSavedFilters(p); len(fs) != 1 || fs[0].Name != "mine" {
		t.Fatalf("after saving: %+v", fs)
	}
	if got := p.String(damagedFiltersKey); got != damaged {
		t.Fatalf("saving overwrote the damaged filters: %q", got)
	}
}
