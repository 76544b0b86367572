package ui

import "testing"

// setAll sorts whatever order a list arrives in, keeps the last of an id
// sent twice, and keeps the user's sort and filter.
func TestRowListSetAllOrders(t *testing.T) {
	l := newItems()
	l.setAll([]*item{{id: "c", n: 1}, {id: "a", n: 3}, {id: "b", n: 2}})
	if got := ids(l); got != "a b c" {
		t.Errorf("rows %q, want a b c", got)
	}
	l.setAll([]*item{{id: "a", n: 3}, {id: "b", n: 2}, {id: "a", n: 9, tag: "last"}})
	if got := ids(l); got != "a b" || l.Total() != 2 {
		t.Errorf("rows %q of %d, want a b of 2", got, l.Total())
	}
	if it, _ := l.Get("a"); it.tag != "last" {
		t.Errorf("a is %+v, want the last one sent", it)
	}
	l.sortBy(byN, false)
	l.filter(func(it *item) bool { return it.id != "c" })
	l.setAll([]*item{{id: "a", n: 3}, {id: "b", n: 2}, {id: "c", n: 1}, {id: "d", n: 0}})
	if got := ids(l); got != "d b a" {
		t.Errorf("rows %q, want d b a (by n, without c)", got)
	}
}
