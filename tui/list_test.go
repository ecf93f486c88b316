package tui

import (
	"testing"

	"github.com/bitverse/bitverse/tui/keymap"
)

// TestCursorList: the list keys move the cursor within the rows, page by
// page, first and last only for lists that jump, and the window follows
// the cursor and never runs past the last row.
func TestCursorList(t *testing.T) {
	t.Parallel()
	km := keymap.Default()
	cases := []struct {
		keys        []string
		n, page     int
		jump        listKeys
		cursor      int
		first, end  int // window of 3 rows
		lastHandled bool
	}{
		{[]string{"down", "down"}, 10, 3, listMove, 2, 0, 3, true},
		{[]string{"down", "down", "down"}, 10, 3, listMove, 3, 1, 4, true},
		{[]string{"up"}, 10, 3, listMove, 0, 0, 3, true},
		{[]string{"pgdown", "pgdown", "pgdown", "pgdown"}, 10, 3, listMove, 9, 7, 10, true},
		{[]string{"end"}, 10, 3, listJump, 9, 7, 10, true},
		{[]string{"end"}, 10, 3, listMove, 0, 0, 3, false},
		{[]string{"down"}, 0, 3, listJump, 0, 0, 0, true},
		{[]string{"x"}, 10, 3, listJump, 0, 0, 3, false},
	}
	for i, c := range cases {
		var l cursorList
		var handled bool
		for _, k := range c.keys {
			handled = l.key(km, keyMsg(k), c.n, c.page, c.jump)
		}
		first, end := l.window(c.n, 3)
		if l.cursor != c.cursor || first != c.first || end != c.end || handled != c.lastHandled {
			t.Errorf("case %d: cursor %d window [%d,%d) handled %v; want %d [%d,%d) %v",
				i, l.cursor, first, end, handled, c.cursor, c.first, c.end, c.lastHandled)
		}
	}
	// A list that shrinks under its window shows its last rows.
	l := cursorList{cursor: 9, offset: 7}
	l.clamp(4)
	if first, end := l.window(4, 3); l.cursor != 3 || first != 1 || end != 4 {
		t.Errorf("shrunk to 4: cursor %d window [%d,%d)", l.cursor, first, end)
	}
}
