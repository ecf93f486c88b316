package tui

import (
	"testing"

	"github.com/bitverse/bitverse/tui/styles"
)

// TestFormFocus: tab and shift+tab move the focus around the fields,
// wrapping; a field the owner draws (nil) takes no typing; typing goes to
// the focused input only.
func TestFormFocus(t *testing.T) {
	t.Parallel()
	st := styles.Default(true)
	a, b := newInput(st, "", "", 20), newInput(st, "", "", 20)
	f := newForm(&a, &b, nil)
	f.focusOn(0)
	if !a.Focused() || b.Focused() {
		t.Fatal("focusOn(0) did not focus the first field only")
	}
	f.update(keyMsg("x"))
	f.next()
	f.update(keyMsg("y"))
	if a.Value() != "x" || b.Value() != "y" || f.focus != 1 || a.Focused() || !b.Focused() {
		t.Fatalf("typing: %q %q, focus %d", a.Value(), b.Value(), f.focus)
	}
	f.next()
	if _, ok := f.update(keyMsg("z")); ok || f.focus != 2 || a.Focused() || b.Focused() {
		t.Fatalf("the owner's field: ok %v, focus %d", ok, f.focus)
	}
	f.next()
	if f.focus != 0 {
		t.Fatalf("next from the last field: focus %d, want 0", f.focus)
	}
	f.prev()
	if f.focus != 2 {
		t.Fatalf("prev from the first field: focus %d, want 2", f.focus)
	}
	f.reset()
	f.blur()
	if a.Value() != "" || b.Value() != "" || a.Focused() || b.Focused() {
		t.Fatal("reset and blur left something")
	}
}
