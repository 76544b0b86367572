package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// item is a minimal row for testing rowList on its own.
type item struct {
	id      string
	n       int
	tag     string
	updated time.Time
}

func newItems() *rowList[*item] {
	l := newRowList(func(it *item) string { return it.id }, func(a, b *item) int { return strings.Compare(a.id, b.id) })
	l.newer = func(old, cur *item) bool { return !cur.updated.Before(old.updated) }
	return l
}

func ids(l *rowList[*item]) string {
	var s []string
	for i := range l.Len() {
		s = append(s, l.Row(i).id)
	}
	return strings.Join(s, " ")
}

func byN(a, b *item) int { return a.n - b.n }

func TestRowListUpdateInPlaceOrRebuild(t *testing.T) {
	l := newItems()
	l.setAll([]*item{{id: "a", n: 1}, {id: "b", n: 2}, {id: "c", n: 3}})
	l.sortBy(byN, false)

	ch := l.upsert([]*item{{id: "b", n: 2, tag: "x"}})
	if ch.all || !slices.Equal(ch.rows, []int{1}) {
		t.Errorf("a change that keeps the order repaints its row only, got %+v", ch)
	}
	ch = l.upsert([]*item{{id: "a", n: 9}})
	if !ch.all || ids(l) != "b c a" {
		t.Errorf("a change that moves a row rebuilds: %+v, rows %s", ch, ids(l))
	}
	ch = l.upsert([]*item{{id: "d", n: 0}})
	if !ch.all || ids(l) != "d b c a" {
		t.Errorf("a new item rebuilds: %+v, rows %s", ch, ids(l))
	}
	l.sortBy(byN, true)
	if ids(l) != "a c b d" {
		t.Errorf("descending: %s", ids(l))
	}
}

func TestRowListIgnoresOlderUpdates(t *testing.T) {
	l := newItems()
	t1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.setAll([]*item{{id: "a", tag: "new", updated: t1}})
	l.upsert([]*item{{id: "a", tag: "old", updated: t1.Add(-time.Second)}})
	if it, _ := l.Get("a"); it.tag != "new" {
		t.Errorf("an older update replaced a newer one: %q", it.tag)
	}
	// A reload answer older than an event that overtook it keeps the event's.
	l.upsert([]*item{{id: "a", tag: "event", updated: t1.Add(time.Second)}})
	l.setAll([]*item{{id: "a", tag: "loaded", updated: t1}})
	if it, _ := l.Get("a"); it.tag != "event" {
		t.Errorf("a stale reload replaced a newer event: %q", it.tag)
	}
}

func TestRowListFilterDropsHiddenSelection(t *testing.T) {
	l := newItems()
	l.setAll([]*item{{id: "a", tag: "x"}, {id: "b", tag: "y"}, {id: "c", tag: "x"}})
	l.selectAll()
	l.filter(func(it *item) bool { return it.tag == "x" })
	if ids(l) != "a c" || l.selectedCount() != 2 {
		t.Errorf("rows %s, %d selected; want a c, 2", ids(l), l.selectedCount())
	}
	l.filter(nil)
	if l.selectedCount() != 2 || l.sel["b"] {
		t.Error("showing b again must not select it again")
	}
}

func TestRowListClickModes(t *testing.T) {
	l := newItems()
	l.setAll([]*item{{id: "a"}, {id: "b"}, {id: "c"}, {id: "d"}, {id: "e"}})
	sel := func() string {
		var s []string
		for _, it := range l.selected() {
			s = append(s, it.id)
		}
		return strings.Join(s, " ")
	}
	for _, step := range []struct {
		row  int
		mode clickMode
		want string
	}{
		{1, clickOne, "b"},
		{3, clickToggle, "b d"},
		{4, clickRange, "d e"}, // from the last click (d) to e, instead of what was selected
		{1, clickToggle, "b d e"},
		{1, clickToggle, "d e"},
		{0, clickOne, "a"},
		{2, clickRange, "a b c"},
		{9, clickOne, "a b c"}, // out of range: nothing changes
	} {
		l.click(step.row, step.mode)
		if got := sel(); got != step.want {
			t.Fatalf("click row %d mode %d: selected %q, want %q", step.row, step.mode, got, step.want)
		}
	}
}

func TestRowListLockKeepsRowsStill(t *testing.T) {
	l := newItems()
	l.setAll([]*item{{id: "a", n: 1, tag: "x"}, {id: "b", n: 2, tag: "x"}, {id: "c", n: 3, tag: "x"}})
	l.sortBy(byN, false)
	l.filter(func(it *item) bool { return it.tag == "x" })
	l.setLock(true)
	l.click(1, clickOne) // b

	// b would move to the end and a would leave the filter: while locked and
	// selected, both stay and are repainted where they are.
	ch := l.upsert([]*item{{id: "b", n: 9, tag: "x"}, {id: "a", n: 1, tag: "gone"}})
	if ch.all || ids(l) != "a b c" {
		t.Fatalf("locked rows moved: %+v, rows %s", ch, ids(l))
	}
	l.clearSelection()
	if ids(l) != "c b" {
		t.Errorf("after the selection ends the held-back rebuild applies: rows %s, want c b", ids(l))
	}
	// Unlocked, the same kind of change moves rows at once.
	l.setLock(false)
	l.click(0, clickOne)
	l.upsert([]*item{{id: "c", n: 10, tag: "x"}})
	if ids(l) != "b c" {
		t.Errorf("unlocked rows did not move: %s", ids(l))
	}
}

func TestRowListRemove(t *testing.T) {
	l := newItems()
	l.setAll([]*item{{id: "a"}, {id: "b"}})
	l.click(0, clickOne)
	if ch := l.remove("a", "zz"); !ch.all || ids(l) != "b" || l.selectedCount() != 0 {
		t.Errorf("remove: %+v rows %s selected %d", ch, ids(l), l.selectedCount())
	}
	if ch := l.remove("zz"); !ch.empty() {
		t.Errorf("removing nothing changed something: %+v", ch)
	}
}

// TestRowListReorderMatchesRebuild checks the one-pass reordering against a
// full sort, for moves, arrivals and departures at once.
func TestRowListReorderMatchesRebuild(t *testing.T) {
	l := newItems()
	var all []*item
	for i := range 200 {
		all = append(all, &item{id: fmt.Sprintf("%03d", i), n: i % 7, tag: "x"})
	}
	l.setAll(all)
	l.sortBy(byN, false)
	l.filter(func(it *item) bool { return it.tag == "x" })
	var changed []*item
	for i := 0; i < 200; i += 9 {
		it := *all[i]
		it.n = (it.n + 3) % 7
		if i%27 == 0 {
			it.tag = "y" // leaves the filter
		}
		changed = append(changed, &it)
	}
	changed = append(changed, &item{id: "new", n: 2, tag: "x"})
	l.upsert(changed)
	got := ids(l)
	l.rebuild()
	if want := ids(l); got != want {
		t.Errorf("reorder:\n%s\nfull sort:\n%s", got, want)
	}
}
