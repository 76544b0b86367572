package ui

import "slices"

// rowList is the view-model behind one table: every item the farm reported,
// and the rows shown — the items that pass the filter, in sort order — with a
// selection kept by id so that it survives sorting and updates.
//
// It knows nothing of widgets: updates report which rows changed so that the
// table repaints only those. It is not safe for concurrent use; like the
// widgets it feeds, it lives on the UI goroutine.
type rowList[T any] struct {
	id    func(T) string
	tie   func(a, b T) int      // the default order; must be total
	newer func(old, cur T) bool // whether cur may replace old; nil: always

	cmp   func(a, b T) int // the order the user picked; nil: tie alone
	match func(T) bool     // the filter; nil: everything

	all   map[string]T
	rows  []T
	rowOf map[string]int

	sel    map[string]bool
	anchor string // where a shift-click range starts
	lock   bool   // keep rows in place while something is selected
	stale  bool   // rows wait for a rebuild that the lock held back
}

func newRowList[T any](id func(T) string, tie func(a, b T) int) *rowList[T] {
	return &rowList[T]{id: id, tie: tie, all: map[string]T{}, rowOf: map[string]int{}, sel: map[string]bool{}}
}

// change says what an update did to the rows: which ones to repaint, or all.
type change struct {
	rows []int
	all  bool // rows were added, removed or reordered
}

func (c *change) merge(o change) {
	c.all = c.all || o.all
	if !c.all {
		c.rows = append(c.rows, o.rows...)
	}
}

func (c change) empty() bool { return !c.all && len(c.rows) == 0 }

// Len returns the number of rows shown.
func (l *rowList[T]) Len() int { return len(l.rows) }

// Row returns the item shown in row r.
func (l *rowList[T]) Row(r int) T { return l.rows[r] }

// Get returns the item with the given id, shown or not.
func (l *rowList[T]) Get(id string) (T, bool) {
	v, ok := l.all[id]
	return v, ok
}

// Total returns how many items there are, shown or not.
func (l *rowList[T]) Total() int { return len(l.all) }

// setAll replaces every item, as after a (re)load. An item that an event
// made newer than the loaded one while the answer was on its way is kept.
func (l *rowList[T]) setAll(items []T) change {
	all := make(map[string]T, len(items))
	ordered := make([]T, 0, len(items))
	for _, it := range items {
		id := l.id(it)
		if old, ok := l.all[id]; ok && l.newer != nil && !l.newer(old, it) {
			it = old
		}
		all[id] = it
		ordered = append(ordered, it)
	}
	l.all = all
	if len(ordered) != len(all) { // an id twice: the map has the last of each
		l.rebuild()
		return change{all: true}
	}
	// Lists arrive in their default order (a job's tasks by index): sorting
	// them as they came costs one pass, where the map's random order cost a
	// full sort of 100,000 rows.
	l.rebuildFrom(ordered)
	return change{all: true}
}

// order compares two items by the user's order, then the default one.
func (l *rowList[T]) order(a, b T) int {
	if l.cmp != nil {
		if c := l.cmp(a, b); c != 0 {
			return c
		}
	}
	return l.tie(a, b)
}

// rebuild filters and sorts all items into rows, and drops selected ids that
// are no longer shown: what cannot be seen must not be acted on.
func (l *rowList[T]) rebuild() {
	// The rows shown first, in their order, then the others: after a small
	// change the sort has little to move.
	items := make([]T, 0, len(l.all))
	for _, it := range l.rows {
		if cur, ok := l.all[l.id(it)]; ok {
			items = append(items, cur)
		}
	}
	for id, it := range l.all {
		if r, shown := l.rowOf[id]; !shown || r >= len(l.rows) || l.id(l.rows[r]) != id {
			items = append(items, it)
		}
	}
	l.rebuildFrom(items)
}

// rebuildFrom makes the rows the items that pass the filter, sorted; items
// is the caller's, to reuse.
func (l *rowList[T]) rebuildFrom(items []T) {
	rows := items[:0]
	for _, it := range items {
		if l.match == nil || l.match(it) {
			rows = append(rows, it)
		}
	}
	slices.SortFunc(rows, l.order)
	l.setRows(rows)
}

// setRows makes rows the rows shown.
func (l *rowList[T]) setRows(rows []T) {
	l.rows = rows
	l.rowOf = make(map[string]int, len(rows))
	for i, it := range rows {
		l.rowOf[l.id(it)] = i
	}
	for id := range l.sel {
		if _, ok := l.rowOf[id]; !ok {
			delete(l.sel, id)
		}
	}
	l.stale = false
}

// frozen reports whether rows must stay where they are.
func (l *rowList[T]) frozen() bool { return l.lock && len(l.sel) > 0 }

// inPlace reports whether it may sit in row r without breaking the order.
func (l *rowList[T]) inPlace(r int, it T) bool {
	return (r == 0 || l.order(l.rows[r-1], it) <= 0) && (r == len(l.rows)-1 || l.order(it, l.rows[r+1]) <= 0)
}

// upsert adds or replaces items. An item whose row stays put is only
// repainted; items that move, appear or leave are put in place in one pass
// over the rows. Frozen rows stay where they are: changed items are
// repainted in place and the reordering waits for the selection to end.
func (l *rowList[T]) upsert(items []T) change {
	var ch change
	var moved map[string]bool
	for _, it := range items {
		id := l.id(it)
		if old, ok := l.all[id]; ok && l.newer != nil && !l.newer(old, it) {
			continue // an answer overtaken by an event, or the other way round
		}
		l.all[id] = it
		want := l.match == nil || l.match(it)
		r, shown := l.rowOf[id]
		switch {
		case l.frozen():
			if shown {
				l.rows[r] = it
				ch.rows = append(ch.rows, r)
				l.stale = l.stale || !want || !l.inPlace(r, it)
			} else if want {
				l.rowOf[id] = len(l.rows)
				l.rows = append(l.rows, it)
				ch.all, l.stale = true, true
			}
		case shown && want && l.inPlace(r, it):
			l.rows[r] = it
			ch.rows = append(ch.rows, r)
		case shown || want:
			if moved == nil {
				moved = map[string]bool{}
			}
			moved[id] = true
		}
	}
	if moved != nil {
		l.reorder(moved)
		return change{all: true}
	}
	return ch
}

// reorder takes the moved items out of the rows and merges back those that
// pass the filter, in order: O(rows + moved·log moved), where a full rebuild
// sorts everything. With most items moved, the full sort is as good.
func (l *rowList[T]) reorder(moved map[string]bool) {
	if l.stale || len(moved) > len(l.rows)/4 {
		l.rebuild()
		return
	}
	keep := make([]T, 0, len(l.rows))
	for _, it := range l.rows {
		if !moved[l.id(it)] {
			keep = append(keep, it)
		}
	}
	var in []T
	for id := range moved {
		if it := l.all[id]; l.match == nil || l.match(it) {
			in = append(in, it)
		}
	}
	slices.SortFunc(in, l.order)
	rows := make([]T, 0, len(keep)+len(in))
	for len(keep) > 0 && len(in) > 0 {
		if l.order(in[0], keep[0]) < 0 {
			rows, in = append(rows, in[0]), in[1:]
		} else {
			rows, keep = append(rows, keep[0]), keep[1:]
		}
	}
	l.setRows(append(append(rows, keep...), in...))
}

// remove drops items by id.
func (l *rowList[T]) remove(ids ...string) change {
	gone := false
	for _, id := range ids {
		if _, ok := l.all[id]; !ok {
			continue
		}
		delete(l.all, id)
		delete(l.sel, id)
		if _, shown := l.rowOf[id]; shown {
			gone = true
		}
	}
	if !gone {
		return change{}
	}
	l.rebuild() // removing a row shifts every row below it
	return change{all: true}
}

// sortBy sets the user's order; desc reverses it. The user's own request
// moves rows even when they are locked.
func (l *rowList[T]) sortBy(cmp func(a, b T) int, desc bool) change {
	l.cmp = cmp
	if cmp != nil && desc {
		l.cmp = func(a, b T) int { return cmp(b, a) }
	}
	l.rebuild()
	return change{all: true}
}

// filter sets which items are shown; nil shows all.
func (l *rowList[T]) filter(match func(T) bool) change {
	l.match = match
	l.rebuild()
	return change{all: true}
}

// setLock keeps rows in place while something is selected, so that a row the
// user is about to act on does not move away under the pointer.
func (l *rowList[T]) setLock(on bool) change {
	l.lock = on
	return l.thaw()
}

// thaw applies a rebuild the lock held back, once rows may move again.
func (l *rowList[T]) thaw() change {
	if l.stale && !l.frozen() {
		l.rebuild()
		return change{all: true}
	}
	return change{}
}

// Selection.

// clickMode is how a click changes the selection, after the keys held.
type clickMode int

const (
	clickOne    clickMode = iota // select only this row
	clickToggle                  // Ctrl/Cmd: add or remove this row
	clickRange                   // Shift: select from the last click to this row
)

// click changes the selection as a click on row r with mode does.
func (l *rowList[T]) click(r int, mode clickMode) change {
	if r < 0 || r >= len(l.rows) {
		return change{}
	}
	id := l.id(l.rows[r])
	switch mode {
	case clickToggle:
		if l.sel[id] {
			delete(l.sel, id)
		} else {
			l.sel[id] = true
		}
		l.anchor = id
	case clickRange:
		from, ok := l.rowOf[l.anchor]
		if !ok {
			from = r
		}
		clear(l.sel)
		for i := min(from, r); i <= max(from, r); i++ {
			l.sel[l.id(l.rows[i])] = true
		}
	default:
		clear(l.sel)
		l.sel[id] = true
		l.anchor = id
	}
	ch := l.thaw()
	ch.all = true // the highlight moves over several rows
	return ch
}

// selectAll selects every row shown.
func (l *rowList[T]) selectAll() change {
	for _, it := range l.rows {
		l.sel[l.id(it)] = true
	}
	return change{all: true}
}

// selectIDs selects exactly the given ids that are shown.
func (l *rowList[T]) selectIDs(ids ...string) change {
	clear(l.sel)
	for _, id := range ids {
		if _, ok := l.rowOf[id]; ok {
			l.sel[id] = true
			l.anchor = id
		}
	}
	ch := l.thaw()
	ch.all = true
	return ch
}

// clearSelection selects nothing.
func (l *rowList[T]) clearSelection() change {
	clear(l.sel)
	ch := l.thaw()
	ch.all = true
	return ch
}

// isSelected reports whether row r is selected.
func (l *rowList[T]) isSelected(r int) bool { return l.sel[l.id(l.rows[r])] }

// selected returns the selected items in row order.
func (l *rowList[T]) selected() []T {
	out := make([]T, 0, len(l.sel))
	for _, it := range l.rows {
		if l.sel[l.id(it)] {
			out = append(out, it)
		}
	}
	return out
}

// selectedCount returns how many items are selected.
func (l *rowList[T]) selectedCount() int { return len(l.sel) }

// rowOfID returns the row showing id.
func (l *rowList[T]) rowOfID(id string) (int, bool) {
	r, ok := l.rowOf[id]
	return r, ok
}
