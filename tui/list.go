package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/tui/internal/view"
	"github.com/bitverse/bitverse/tui/keymap"
	"github.com/bitverse/bitverse/tui/styles"
)

// cursorList is the list component: the selected row of a list of n rows
// and the first row shown, moved by the list keys, with the window of
// rows that fit kept around the cursor. The owner holds the rows and
// draws them (rowLine marks the selected one), so one list can show keys,
// keyspaces, transactions or chains. (The blocks of a chain, which may be
// millions, have their own paging list: blockList.)
type cursorList struct {
	cursor int // the selected row
	offset int // the first row shown
}

// listKeys is which list keys a list takes: every list moves by rows
// and pages; some also jump to the first and last row.
type listKeys int

const (
	listMove listKeys = iota // up, down, page up, page down
	listJump                 // and first (g), last (G)
)

// key moves the cursor for a list key; n is the number of rows and page
// how many show at once. It reports whether msg was a list key.
func (l *cursorList) key(km keymap.KeyMap, msg tea.KeyPressMsg, n, page int, keys listKeys) bool {
	switch {
	case key.Matches(msg, km.Up):
		l.cursor--
	case key.Matches(msg, km.Down):
		l.cursor++
	case key.Matches(msg, km.PageUp):
		l.cursor -= max(1, page)
	case key.Matches(msg, km.PageDown):
		l.cursor += max(1, page)
	case keys == listJump && key.Matches(msg, km.Top):
		l.cursor = 0
	case keys == listJump && key.Matches(msg, km.Bottom):
		l.cursor = n - 1
	default:
		return false
	}
	l.clamp(n)
	return true
}

// clamp keeps the cursor on a row (0 when there is none).
func (l *cursorList) clamp(n int) { l.cursor = max(0, min(l.cursor, n-1)) }

// window returns the rows [first, end) to draw, rows at a time, moving
// the offset so that the cursor is shown.
func (l *cursorList) window(n, rows int) (first, end int) {
	rows = max(1, rows)
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+rows {
		l.offset = l.cursor - rows + 1
	}
	l.offset = max(0, min(l.offset, n-rows))
	return l.offset, min(n, l.offset+rows)
}

// rowLine draws row (which starts with two spaces of margin) in width w:
// the selected row is highlighted and marked with ▸ in its margin.
func rowLine(st styles.Styles, row string, selected bool, w int) string {
	if selected {
		return st.Selected.Render(view.PadRight("▸"+row[1:], w))
	}
	return view.Truncate(row, w)
}
