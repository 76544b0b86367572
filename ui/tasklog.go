package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"farmhand/farm/model"
)

// Log sizes: what is fetched when a log opens, and how much is kept while it
// grows live (older lines are dropped, the full log stays on the manager).
const (
	logTailLines = 2000
	logMaxLines  = 20000
)

// logView shows one task's log and follows it live: the tasklog events of
// that task are appended as they come, and the view stays at the bottom while
// "Follow" is on.
type logView struct {
	u      *UI
	taskID string
	gen    int
	title  *widget.Label
	note   *widget.Label
	lines  []string
	tail   string // a last line without its newline yet
	list   *widget.List
	follow *widget.Check
	copy   *widget.Button
	full   *widget.Button
	// live says whether events may be appended: not while the fetched text is
	// on its way, or they would be shown twice.
	live bool
}

func newLogView(u *UI) *logView {
	v := &logView{u: u}
	v.title = widget.NewLabelWithStyle("Log", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.title.Truncation = fyne.TextTruncateEllipsis
	v.note = widget.NewLabel("Click a task to see its log.")
	v.list = widget.NewList(v.length, v.createLine, v.updateLine)
	v.list.HideSeparators = true
	v.follow = widget.NewCheck("Follow", func(on bool) {
		if on {
			v.scrollToEnd()
		}
	})
	v.follow.Checked = true
	v.copy = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), v.copyAll)
	v.full = widget.NewButton("Whole log", func() { v.load(false) })
	v.full.Hide()
	return v
}

func (v *logView) object() fyne.CanvasObject {
	head := container.NewBorder(nil, nil, nil, container.NewHBox(v.full, v.copy, v.follow), v.title)
	body := container.NewStack(v.list, container.NewCenter(v.note))
	return container.NewBorder(head, nil, nil, nil, body)
}

func (v *logView) length() int { return len(v.lines) + boolInt(v.tail != "") }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// createLine makes a log line: plain monospaced text, without a label's
// padding, so that a log reads as densely as in a terminal.
func (v *logView) createLine() fyne.CanvasObject {
	t := canvas.NewText("", theme.Color(theme.ColorNameForeground))
	t.TextStyle = fyne.TextStyle{Monospace: true}
	t.TextSize = theme.CaptionTextSize() + 1
	return t
}

func (v *logView) updateLine(id widget.ListItemID, o fyne.CanvasObject) {
	text := v.tail
	if id < len(v.lines) {
		text = v.lines[id]
	}
	t := o.(*canvas.Text)
	t.Text = text
	t.Refresh()
}

// open shows task t's log; opening the shown task again only renames it.
func (v *logView) open(t *model.Task) {
	v.title.SetText(fmt.Sprintf("Log of %s (task %d)", t.Name, t.Index+1))
	if t.ID == v.taskID {
		return
	}
	v.taskID = t.ID
	v.load(true)
}

// clear shows no log.
func (v *logView) clear() {
	v.taskID, v.live = "", false
	v.gen++
	v.set("")
	v.title.SetText("Log")
	v.note.SetText("Click a task to see its log.")
	v.note.Show()
	v.full.Hide()
}

// load fetches the log: its last lines, or all of it.
func (v *logView) load(tailOnly bool) {
	v.gen++
	v.live = false
	gen, id, u := v.gen, v.taskID, v.u
	v.note.SetText("Loading…")
	v.note.Show()
	go func() {
		ctx, cancel := context.WithTimeout(u.ctx, actionTimeout)
		defer cancel()
		var text string
		var err error
		if tailOnly {
			text, err = u.client.TaskLogTail(ctx, id, logTailLines)
		} else {
			text, err = u.client.TaskLog(ctx, id)
		}
		u.do(func() {
			if gen != v.gen {
				return
			}
			if err != nil {
				v.set("")
				v.note.SetText("Could not load the log: " + explain(err, u.client.BaseURL()))
				return
			}
			v.set(text)
			v.live = true
			v.full.Hidden = !tailOnly || len(v.lines) < logTailLines
			v.full.Refresh()
			if text == "" {
				v.note.SetText("Nothing logged yet.")
			} else {
				v.note.Hide()
			}
		})
	}()
}

// set replaces the text shown.
func (v *logView) set(text string) {
	v.lines, v.tail = nil, ""
	v.add(text)
	v.scrollToEnd()
}

// scrollToEnd repaints the list and shows its last line. The Refresh comes
// first: it makes the list's renderer, without which ScrollToBottom panics.
func (v *logView) scrollToEnd() {
	v.list.Refresh()
	v.list.ScrollToBottom()
}

// appendChunk adds live log text, if it belongs to the shown task.
func (v *logView) appendChunk(c *model.TaskLogChunk) {
	if c == nil || c.TaskID != v.taskID || !v.live {
		return
	}
	v.add(c.Text)
	v.note.Hide()
	if v.follow.Checked {
		v.scrollToEnd()
	} else {
		v.list.Refresh()
	}
}

// add splits text into lines, continuing an unfinished last line.
func (v *logView) add(text string) {
	if text == "" {
		return
	}
	parts := strings.Split(v.tail+text, "\n")
	v.tail = parts[len(parts)-1]
	v.lines = append(v.lines, parts[:len(parts)-1]...)
	if over := len(v.lines) - logMaxLines; over > 0 {
		v.lines = append([]string(nil), v.lines[over:]...)
	}
}

func (v *logView) copyAll() {
	text := strings.Join(v.lines, "\n")
	if v.tail != "" {
		text += "\n" + v.tail
	}
	v.u.app.Clipboard().SetContent(text)
}
