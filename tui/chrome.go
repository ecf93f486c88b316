package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// The chrome the root draws around the active screen: the header, the tab
// bar, the message line, the help line, the full help and the quit dialog.

// Layout: header, tab bar, a blank line, the body, the message line and the
// help line.
const chromeHeight = 5

func (a *app) bodySize() (int, int) { return a.width, max(1, a.height-chromeHeight) }

func (a *app) layout() {
	w, h := a.bodySize()
	a.setup.SetSize(w, h)
	for _, sc := range a.screens {
		sc.SetSize(w, h)
	}
	a.help.SetWidth(w)
}

// View draws the whole window.
func (a *app) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.WindowTitle = "bitverse"
	if !a.ready {
		return v
	}
	v.SetContent(a.render())
	return v
}

// render draws the window as a string (View wraps it; tests read it).
func (a *app) render() string {
	w, h := a.bodySize()
	var body string
	switch {
	case a.confirmQuit:
		body = a.quitDialog(w, h)
	case a.showHelp:
		body = a.fullHelp(w, h)
	case a.inSetup:
		body = a.setup.View()
	default:
		body = a.activeScreen().View()
	}
	parts := []string{
		a.headerLine(),
		a.tabLine(),
		"",
		view.Lines(body, w, h),
		a.messageLine(),
		a.helpLine(),
	}
	return strings.Join(parts, "\n")
}

func (a *app) headerLine() string {
	st := a.s.st
	left := st.Logo.Render("◆ bitverse") + " " + st.Network.Render(a.s.net.Name)
	if a.s.version != "" {
		left += " " + st.Subtle.Render(a.s.version)
	}
	var right []string
	switch {
	case a.s.statusErr != nil && !a.s.haveStatus:
		right = append(right, st.Bad.Render("node unreachable"))
	case a.s.haveStatus:
		s := a.s.status
		if s.Sync.Syncing {
			right = append(right, st.Warn.Render("syncing"))
		}
		if s.Mining {
			right = append(right, st.Good.Render("● mining")+" "+st.Value.Render(view.HashRate(s.HashRate)))
		} else {
			right = append(right, st.Subtle.Render("○ idle"))
		}
		right = append(right, st.Label.Render("height ")+st.Value.Render(view.Int(s.Height)))
		right = append(right, st.Label.Render("peers ")+st.Value.Render(view.Int(s.Peers)))
	}
	r := strings.Join(right, st.Subtle.Render(" · "))
	gap := a.width - lipgloss.Width(left) - lipgloss.Width(r) - 2
	if gap < 1 {
		return view.Truncate(" "+left, a.width)
	}
	return " " + left + strings.Repeat(" ", gap) + r + " "
}

func (a *app) tabLine() string {
	st := a.s.st
	if a.inSetup {
		return " " + st.ActiveTab.Render("Wallet setup")
	}
	// Narrow windows get the short titles, then numbers alone for the
	// screens not shown, before anything is cut.
	for _, short := range []int{0, 1, 2} {
		var b strings.Builder
		b.WriteString(" ")
		for i, sc := range a.screens {
			title := sc.Title()
			if s, ok := shortTitles[title]; ok && short > 0 {
				title = s
			}
			label := string(rune('1'+i)) + " " + title
			if short > 1 && i != a.active {
				label = string(rune('1' + i))
			}
			if i == a.active {
				b.WriteString(st.ActiveTab.Render(label))
			} else {
				b.WriteString(st.Tab.Render(label))
			}
		}
		if line := b.String(); lipgloss.Width(line) <= a.width || short == 2 {
			return view.Truncate(line, a.width)
		}
	}
	return ""
}

// shortTitles are the tab titles used when the full ones do not fit.
var shortTitles = map[string]string{"Keyspaces & data": "Data"}

// messages fade after this long.
const messageTTL = 10 * time.Second

func (a *app) messageLine() string {
	s := a.s
	if s.message == "" || s.now.Sub(s.messageAt) > messageTTL {
		return ""
	}
	style := s.st.InfoLine
	if s.messageErr {
		style = s.st.ErrorLine
	}
	return " " + view.Truncate(style.Render(s.message), a.width-2)
}

func (a *app) helpLine() string {
	k := a.s.keys
	var bs []key.Binding
	switch {
	case a.confirmQuit:
		bs = []key.Binding{k.Yes, k.No}
	case a.inSetup:
		bs = a.setup.ShortHelp()
		if !a.setup.Capturing() {
			bs = append(bs, k.Quit)
		}
	default:
		bs = append(bs, a.activeScreen().ShortHelp()...)
		if a.activeScreen().Capturing() {
			bs = append(bs, k.ForceQuit)
		} else {
			bs = a.fitHelp(bs, []key.Binding{k.NextTab, k.Help, k.Quit})
		}
	}
	a.help.SetWidth(a.width - 2)
	// The help bubble still adds an item when not even its ellipsis fits,
	// so cut the line to the window as well.
	return " " + view.Truncate(a.help.ShortHelpView(bs), a.width-2)
}

// fitHelp appends the global bindings to the screen's and, when the line
// would not fit, drops the screen's last ones (and then tab, which the tab
// bar shows) so that "? help" always shows: ? lists every key.
func (a *app) fitHelp(screen, global []key.Binding) []key.Binding {
	hm := a.help
	hm.SetWidth(0)
	fits := func(bs []key.Binding) bool { return lipgloss.Width(hm.ShortHelpView(bs)) <= a.width-2 }
	all := append(append([]key.Binding(nil), screen...), global...)
	if fits(all) {
		return all
	}
	global = global[1:] // tab
	for n := len(screen); n > 0; n-- {
		bs := append(append([]key.Binding(nil), screen[:n]...), global...)
		if fits(bs) {
			return bs
		}
	}
	return global
}

func (a *app) fullHelp(w, h int) string {
	k := a.s.keys
	var groups [][]key.Binding
	if a.inSetup {
		groups = [][]key.Binding{a.setup.ShortHelp(), {k.Help, k.Quit, k.ForceQuit}}
	} else {
		groups = append(groups, a.activeScreen().FullHelp()...)
		groups = append(groups, []key.Binding{k.NextTab, k.PrevTab, k.Home, k.Blocktree, k.Mining, k.Wallet, k.Data, k.Market},
			[]key.Binding{k.ToggleMining, k.Help, k.Quit, k.ForceQuit})
	}
	title := a.s.st.Title.Render("Keys") + a.s.st.Subtle.Render("  (? or esc to close)")
	return lipgloss.NewStyle().Padding(0, 2).Render(title + "\n\n" + a.packHelp(groups, w-4))
}

// packHelp lays help columns out in rows that fit width w (the help
// bubble alone would cut the columns that do not fit).
func (a *app) packHelp(groups [][]key.Binding, w int) string {
	hm := a.help
	hm.ShowAll = true
	hm.SetWidth(0)
	// A binding listed by the screen is not listed again with the globals
	// (a key that means something else there, like tab in a form, is).
	seen := map[key.Help]bool{}
	var uniq [][]key.Binding
	for _, g := range groups {
		var u []key.Binding
		for _, b := range g {
			if k := b.Help(); !seen[k] {
				seen[k] = true
				u = append(u, b)
			}
		}
		if len(u) > 0 {
			uniq = append(uniq, u)
		}
	}
	groups = uniq
	var rows []string
	var row [][]key.Binding
	for _, g := range groups {
		try := append(append([][]key.Binding(nil), row...), g)
		if len(row) > 0 && lipgloss.Width(hm.FullHelpView(try)) > w {
			rows = append(rows, hm.FullHelpView(row))
			row = [][]key.Binding{g}
			continue
		}
		row = try
	}
	if len(row) > 0 {
		rows = append(rows, hm.FullHelpView(row))
	}
	return strings.Join(rows, "\n\n")
}

func (a *app) quitDialog(w, h int) string {
	st := a.s.st
	msg := st.Strong.Render("Quit and lose what you typed?") + "\n\n" +
		st.Muted.Render("A form has unsaved input.") + "\n\n" +
		st.Label.Render("y") + " quit   " + st.Label.Render("n") + " stay"
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, st.Modal.Render(msg))
}
