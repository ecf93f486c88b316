package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/tui/internal/view"
	"github.com/charmbracelet/x/ansi"
)

// Drawing the keyspaces view: the list, one keyspace in full with its script.

// View draws the view in its size; title is the data screen's switcher.
func (v *keyspacesView) View(title string) string {
	switch v.mode {
	case ksShow:
		return v.detailView(v.shown, v.showErr, v.width, v.height, true)
	case ksBuy:
		if v.buyFlow.shown() {
			return v.buyFlow.View(v.buyReview(), v.width, v.height)
		}
		return v.buyView()
	case ksScript:
		return v.scriptFlow.View(v.scriptReview(), v.width, v.height)
	}
	if v.width < splitWidth {
		return v.listView(title, v.width)
	}
	lw := v.width * 2 / 5
	left := view.Lines(v.listView(title, lw), lw, v.height)
	ks, _ := v.selected()
	var right string
	if ks != nil {
		right = v.detailView(ks, nil, v.width-lw-3, v.height, false)
	} else {
		right = v.s.st.Muted.Render(" Your keyspaces show here, with their scripts.")
	}
	sep := strings.TrimRight(strings.Repeat(v.s.st.Tree.Render("│")+"\n", v.height), "\n")
	return lipgloss.JoinHorizontal(lipgloss.Top, left, " ", sep, " ", right)
}

func (v *keyspacesView) listView(title string, w int) string {
	st := v.s.st
	lines := []string{title}
	switch v.mode {
	case ksOpen:
		lines = append(lines, " "+v.openName.View())
	case ksEditing:
		lines = append(lines, " "+st.Muted.Render(view.Truncate("access.js of "+v.editName+": in the editor, then checked…", w-2)))
	default:
		owner := "–"
		if len(v.s.accounts) > 0 {
			owner = v.s.accounts[0].Name
		}
		lines = append(lines, " "+st.Label.Render("owned by ")+st.Value.Render(owner)+st.Subtle.Render("  (b buys one, o looks up any)"))
	}
	lines = append(lines, "")
	switch {
	case v.s.mineTo() == "":
		return strings.Join(append(lines, "  "+st.Muted.Render("Open a wallet to see your keyspaces.")), "\n")
	case v.listErr != nil:
		return strings.Join(append(lines, "  "+st.Bad.Render(view.Truncate(sentence(v.listErr), w-2))), "\n")
	case !v.loaded:
		return strings.Join(append(lines, "  "+st.Muted.Render("loading…")), "\n")
	case len(v.list) == 0:
		lines = append(lines, "  "+st.Muted.Render("You own no keyspace yet."))
		for _, l := range strings.Split(ansi.Wrap(priceRule, max(20, w-4), ""), "\n") {
			lines = append(lines, "  "+st.Muted.Render(l))
		}
		return strings.Join(append(lines, "", "  "+st.Muted.Render("b buys one.")), "\n")
	}
	nameW := 8
	for _, ks := range v.list {
		nameW = max(nameW, ansi.StringWidth(ks.Name))
	}
	nameW = min(nameW, max(8, w-2-20))
	lines = append(lines, st.Column.Render(view.PadRight(fmt.Sprintf("  %-*s %9s %9s", nameW, "name", "script", "bought"), w)))
	first, end := v.sel.window(len(v.list), v.listRows())
	for i := first; i < end; i++ {
		ks := v.list[i]
		scr := "none"
		if ks.Script != "" {
			scr = view.Bytes(len(ks.Script))
		}
		row := fmt.Sprintf("%-*s %9s %9s", nameW, view.Truncate(ks.Name, nameW), scr, "#"+view.Int(ks.Height))
		lines = append(lines, rowLine(st, "  "+row, i == v.sel.cursor, w))
	}
	if v.editErr != "" {
		lines = append(lines, "", fieldErrorAt(st, v.editErr, w, 2))
	}
	return strings.Join(lines, "\n")
}

// priceRule says what names cost.
const priceRule = "Names of 8 bytes or more cost 1 BVS; each byte shorter doubles the price. " +
	"Sub-keyspaces (erik/blog) cost 0.01 BVS. The price is burned."

// detailView draws one keyspace: its facts, then its script with line
// numbers, scrolled by sOffset when scroll is set.
func (v *keyspacesView) detailView(ks *node.KeyspaceInfo, err error, w, h int, scroll bool) string {
	st := v.s.st
	f := func(label, value string) string { return "  " + field(st, label, value) }
	title := v.showName
	if ks != nil {
		title = ks.Name
	}
	lines := []string{" " + st.Title.Render(view.Truncate(title, w-2))}
	switch {
	case err != nil:
		return strings.Join(append(lines, "", " "+st.Bad.Render(view.Truncate(sentence(err), w-2))), "\n")
	case ks == nil:
		return strings.Join(append(lines, "", " "+st.Muted.Render("loading…")), "\n")
	case !ks.Exists:
		lines = append(lines,
			f("status", st.Good.Render("free")+st.Muted.Render(" · nobody owns it")),
			f("price", st.Strong.Render(view.Amount(ks.Price))+st.Muted.Render(" (burned)")),
		)
		if ks.Parent != "" {
			lines = append(lines, f("inside", st.Value.Render(ks.Parent)+st.Muted.Render(" · its owner's script decides who may create it")))
		}
		return strings.Join(append(lines, "", "  "+st.Muted.Render("b buys it.")), "\n")
	}
	owner := st.Value.Render(view.ShortAddr(ks.Owner, max(12, w-16)))
	if ks.Owner == v.s.mineTo() {
		owner = st.Value.Render(view.ShortAddr(ks.Owner, max(12, w-22))) + st.Good.Render("  you")
	}
	bought := st.Value.Render("block #" + view.Int(ks.Height))
	if tip, ok := v.s.tipHeight(); ok && tip >= ks.Height {
		bought += st.Muted.Render(" · " + view.Count(tip-ks.Height+1, "confirmation", "confirmations"))
	}
	lines = append(lines, f("owner", owner), f("bought", bought),
		f("price", st.Value.Render(view.Amount(ks.Price))+st.Muted.Render(" to buy it today (burned)")))
	if ks.Parent != "" {
		lines = append(lines, f("inside", st.Value.Render(ks.Parent)))
	}
	mine := ks.Owner == v.s.mineTo()
	if ks.Script == "" {
		s := st.Value.Render("none") + st.Muted.Render(" · only the owner may write")
		if mine {
			s += st.Subtle.Render(" · e adds one")
		}
		return strings.Join(append(lines, f("script", s)), "\n")
	}
	s := st.Value.Render(view.Short(ks.ScriptHash, 12)) + st.Muted.Render(" · "+view.Bytes(len(ks.Script)))
	if mine {
		s += st.Subtle.Render(" · e edits it")
	}
	lines = append(lines, f("script", s), "")
	src := strings.Split(strings.TrimRight(strings.ReplaceAll(ks.Script, "\t", "  "), "\n"), "\n")
	room := max(1, h-len(lines)-1)
	off := 0
	if scroll {
		v.sOffset = min(v.sOffset, max(0, len(src)-room))
		off = v.sOffset
	}
	end := min(len(src), off+room)
	pos := ""
	if len(src) > room {
		pos = fmt.Sprintf("lines %d–%d of %d", off+1, end, len(src))
	}
	head := " " + st.Strong.Render("access.js")
	if pos != "" {
		head += "  " + st.Subtle.Render(pos)
	}
	lines = append(lines, head)
	numW := len(fmt.Sprint(len(src)))
	for i := off; i < end; i++ {
		gutter := st.Subtle.Render(fmt.Sprintf(" %*d │ ", numW, i+1))
		lines = append(lines, gutter+view.Truncate(src[i], max(1, w-numW-4)))
	}
	return strings.Join(lines, "\n")
}
