package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// TestResizeKeepsTheWindow visits every screen and mode at several sizes,
// down to far below 80×24, and checks that the drawing fills the window
// exactly: as many lines as rows, none wider than the columns.
func TestResizeKeepsTheWindow(t *testing.T) {
	t.Parallel()
	sizes := []struct{ w, h int }{{80, 24}, {120, 40}, {100, 30}, {200, 60}, {60, 20}, {40, 12}, {20, 6}}
	visits := [][]string{
		{"1"}, {"?"}, {"?", "2"}, {"enter"}, {"enter"}, {"down", "enter"}, {"esc", "esc", "esc"},
		{"3"}, {"4"}, {"r"}, {"esc", "h"}, {"enter"}, {"esc", "esc", "s"}, {"esc"},
		{"5"}, {"enter"}, {"esc", "/"}, {"esc", "p"},
		{"esc", "K"}, {"enter"}, {"esc", "o"}, {"esc", "b"}, {"esc", "K"},
		{"esc", "6"}, {"r", "(", "k", ")", "enter"}, {"enter"}, {"n"}, {"b"}, {"enter"}, {"esc", "d"}, {"n", "o"}, {"/"}, {"esc", "r", "esc", "esc"},
	}
	h := newReadyHarness(t, 500, 80, 24)
	ownedKeyspaces(h.api)
	marketChain(h.api)
	h.api.market.setTable("(k)", marketRows(3)...)
	h.exec(h.a.requestBalances())
	h.api.history[testAddr] = h.api.block(500, true).Txs
	check := func(step string) {
		t.Helper()
		for _, sz := range sizes {
			h.send(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
			lines := strings.Split(ansi.Strip(h.a.render()), "\n")
			if len(lines) != sz.h {
				t.Fatalf("%s at %dx%d: %d lines:\n%s", step, sz.w, sz.h, len(lines), strings.Join(lines, "\n"))
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > sz.w {
					t.Fatalf("%s at %dx%d: line %d is %d wide:\n%s", step, sz.w, sz.h, i, w, strings.Join(lines, "\n"))
				}
			}
		}
		h.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	}
	check("home")
	for _, v := range visits {
		h.press(v...)
		check(strings.Join(v, " "))
	}
}
