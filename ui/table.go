package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// column describes one column of a table over items of type T.
type column[T any] struct {
	title string
	width float32 // 0: the column takes the width the others leave
	kind  cellKind
	align fyne.TextAlign
	text  func(T) string                                                     // textCell
	icon  func(T) fyne.Resource                                              // iconCell
	done  func(T) (done, total int)                                          // progressCell
	graph func(T) (values []float64, color fyne.ThemeColorName, text string) // graphCell
	tip   func(T) string                                                     // hover text; nil: none
	cmp   func(a, b T) int                                                   // sort order; nil: not sortable
}

// table is a widget.Table showing a rowList: headers that sort when clicked,
// rows selected by click (Ctrl/Cmd toggles, Shift selects a range), and a
// highlight for the selected rows and the row under the pointer.
//
// widget.Table selects single cells; it is used here only for its recycled
// cells and scrolling, and the selection lives in the rowList.
type table[T any] struct {
	list *rowList[T]
	cols []column[T]
	w    *widget.Table
	tips *tipLayer

	sortCol  int // -1: the list's default order
	sortDesc bool
	hover    int // the row under the pointer, -1: none

	// onSelect runs after the user changed the selection.
	onSelect func()
}

func newTable[T any](list *rowList[T], cols []column[T], tips *tipLayer) *table[T] {
	t := &table[T]{list: list, cols: cols, tips: tips, sortCol: -1, hover: -1}
	t.w = &widget.Table{
		Length:        func() (int, int) { return list.Len(), len(cols) },
		CreateCell:    func() fyne.CanvasObject { return newCell(tips, t.setHover) },
		UpdateCell:    t.updateCell,
		OnSelected:    t.selected,
		ShowHeaderRow: true,
		CreateHeader:  t.createHeader,
		UpdateHeader:  t.updateHeader,
	}
	t.w.ExtendBaseWidget(t.w)
	for i, c := range cols {
		if c.width > 0 {
			t.w.SetColumnWidth(i, c.width)
		}
	}
	return t
}

// object returns the table in a layout that gives the flexible column the
// width the window leaves, since widget.Table sizes columns only by hand.
func (t *table[T]) object() fyne.CanvasObject {
	f := &fillColumnLayout{table: t.w, widths: t.widths()}
	f.ExtendBaseWidget(f)
	return f
}

func (t *table[T]) widths() []float32 {
	w := make([]float32, len(t.cols))
	for i, c := range t.cols {
		w[i] = c.width
	}
	return w
}

func (t *table[T]) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	c := o.(*cell)
	if id.Row >= t.list.Len() || id.Col >= len(t.cols) {
		return // a repaint racing a shrink; the next one is right
	}
	it, col := t.list.Row(id.Row), t.cols[id.Col]
	c.row = id.Row
	c.highlight(t.list.isSelected(id.Row), id.Row == t.hover)
	switch col.kind {
	case iconCell:
		c.showIcon(col.icon(it))
	case progressCell:
		done, total := col.done(it)
		f := fraction(done, total)
		c.showProgress(f, percent(f))
	case graphCell:
		c.showGraph(col.graph(it))
	default:
		c.showText(col.text(it), col.align)
	}
	c.tip = ""
	if col.tip != nil {
		c.tip = col.tip(it)
	}
}

func (t *table[T]) selected(id widget.TableCellID) {
	t.w.Unselect(id) // the rowList keeps the selection; the table's own marks one cell only
	t.apply(t.list.click(id.Row, currentClickMode()))
	if t.onSelect != nil {
		t.onSelect()
	}
}

// currentClickMode reads the modifier keys held during a click.
func currentClickMode() clickMode {
	d, ok := fyne.CurrentApp().Driver().(desktop.Driver)
	if !ok {
		return clickOne
	}
	m := d.CurrentKeyModifiers()
	switch {
	case m&fyne.KeyModifierShift != 0:
		return clickRange
	case m&(fyne.KeyModifierControl|fyne.KeyModifierSuper) != 0:
		return clickToggle
	}
	return clickOne
}

func (t *table[T]) setHover(row int, in bool) {
	old := t.hover
	switch {
	case in:
		t.hover = row
	case t.hover == row:
		t.hover = -1
	}
	if t.hover != old {
		t.repaintRows(old, t.hover)
	}
}

// repaintRows repaints the given rows (negative ones are skipped).
func (t *table[T]) repaintRows(rows ...int) {
	for _, r := range rows {
		if r < 0 || r >= t.list.Len() {
			continue
		}
		for c := range t.cols {
			t.w.RefreshItem(widget.TableCellID{Row: r, Col: c})
		}
	}
}

// maxItemRefresh is how many changed rows are repainted one by one. Each
// RefreshItem lays out all visible cells again, so past a couple of rows one
// Refresh of the visible cells is cheaper.
const maxItemRefresh = 2

// apply repaints what a change touched.
func (t *table[T]) apply(ch change) {
	switch {
	case ch.empty():
	case ch.all || len(ch.rows) > maxItemRefresh:
		t.w.Refresh()
	default:
		t.repaintRows(ch.rows...)
	}
}

// scrollToRow shows row r. A table that was never laid out is left alone:
// widget.Table computes the offset from its current size, and from a zero
// size it scrolls past every row and draws none.
func (t *table[T]) scrollToRow(r int) {
	if t.w.Size().Height > 0 {
		t.w.ScrollTo(widget.TableCellID{Row: r, Col: 0})
	}
}

// sort orders by column col; clicking the sorted column again reverses it.
func (t *table[T]) sort(col int) {
	if t.cols[col].cmp == nil {
		return
	}
	if t.sortCol == col {
		t.sortDesc = !t.sortDesc
	} else {
		t.sortCol, t.sortDesc = col, false
	}
	t.apply(t.list.sortBy(t.cols[col].cmp, t.sortDesc))
}

func (t *table[T]) createHeader() fyne.CanvasObject {
	b := widget.NewButton("", nil)
	b.Alignment = widget.ButtonAlignLeading
	b.IconPlacement = widget.ButtonIconTrailingText
	b.Importance = widget.LowImportance
	return b
}

func (t *table[T]) updateHeader(id widget.TableCellID, o fyne.CanvasObject) {
	b := o.(*widget.Button)
	if id.Col < 0 || id.Col >= len(t.cols) {
		return
	}
	col := id.Col
	b.SetText(t.cols[col].title)
	switch {
	case t.sortCol != col:
		b.SetIcon(nil)
	case t.sortDesc:
		b.SetIcon(theme.MenuDropDownIcon())
	default:
		b.SetIcon(theme.MenuDropUpIcon())
	}
	b.OnTapped = func() { t.sort(col) }
}

// minFillWidth keeps the flexible column readable in a narrow window; the
// table scrolls sideways instead.
const minFillWidth = 100

// fillColumnLayout wraps a widget.Table and, when resized, gives its one
// flexible column (width 0) the room the fixed ones leave.
type fillColumnLayout struct {
	widget.BaseWidget
	table  *widget.Table
	widths []float32
	last   float32
}

func (f *fillColumnLayout) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(f.table)
}

func (f *fillColumnLayout) Resize(s fyne.Size) {
	f.BaseWidget.Resize(s)
	used := float32(0)
	fill := -1
	for i, w := range f.widths {
		used += w + theme.Padding() // each column is followed by a separator as wide as the padding
		if w == 0 {
			fill = i
		}
	}
	if fill >= 0 {
		w := max(minFillWidth, s.Width-used-theme.ScrollBarSize())
		if w != f.last {
			f.last = w
			f.table.SetColumnWidth(fill, w)
		}
	}
	f.table.Resize(s)
}

func (f *fillColumnLayout) MinSize() fyne.Size { return f.table.MinSize() }
