package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/tui/internal/view"
	"github.com/bitverse/bitverse/tui/keymap"
	"github.com/bitverse/bitverse/tui/styles"
	"github.com/bitverse/bitverse/wallet"
)

// Tabs, in the order the tab bar shows them.
const (
	tabHome = iota
	tabBlocktree
	tabMining
	tabWallet
	tabData
)

// walletReadyMsg says the wallet is open (and, after a create, its backup
// confirmed): the setup is over.
type walletReadyMsg struct {
	w        walletHandle
	accounts []wallet.Account
}

// app is the root model: it owns the shared state, the setup flow and the
// screens, polls the node's status, listens to its events, and draws the
// chrome around the active screen.
type app struct {
	s *common
	d deps

	width, height int
	ready         bool

	setup   *setupScreen
	inSetup bool
	screens []screen
	active  int

	help        help.Model
	showHelp    bool
	confirmQuit bool

	statusBusy, statusStale bool
	balBusy, balStale       bool
}

func newApp(opts Options, d deps) *app {
	if opts.Params == nil {
		opts.Params = consensus.Devnet()
	}
	clock := opts.Now
	if clock == nil {
		clock = time.Now
	}
	s := &common{
		ctx: d.ctx, api: opts.API, params: opts.Params, net: opts.Params.Net,
		st: styles.Default(true), keys: keymap.Default(), clock: clock, log: d.log,
		version: opts.Version, balances: map[string]node.AccountInfo{}, runExec: d.exec,
	}
	if s.runExec == nil {
		s.runExec = runEditor
	}
	s.now = clock()
	a := &app{s: s, d: d, inSetup: true}
	a.setup = newSetup(s, d, opts.WalletDir)
	a.screens = []screen{newHome(s), newBlocktree(s), newMining(s), newWalletScreen(s), newData(s)}
	a.help = help.New()
	a.help.Styles = s.st.Help
	return a
}

// Init looks for the wallet, subscribes to events and starts polling.
func (a *app) Init() tea.Cmd {
	return tea.Batch(a.setup.Init(), a.requestStatus(), subscribeCmd(a.s.ctx, a.s.api), pollCmd(a.d.poll),
		tea.RequestBackgroundColor)
}

// Update routes msg; see the screen interface for who gets what.
func (a *app) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	a.s.now = a.s.clock()
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height, a.ready = msg.Width, msg.Height, true
		a.layout()
		return a, nil
	case tea.KeyPressMsg:
		return a, a.key(msg)
	case tea.BackgroundColorMsg:
		a.restyle(msg.IsDark())
		return a, nil
	case pollMsg:
		return a, tea.Batch(a.requestStatus(), pollCmd(a.d.poll))
	case statusMsg:
		a.statusBusy = false
		if msg.err != nil {
			if a.s.statusErr == nil {
				a.s.log.Warn("status", "err", msg.err)
			}
			a.s.statusErr = msg.err
		} else {
			a.s.status, a.s.haveStatus, a.s.statusErr = msg.st, true, nil
		}
		var again tea.Cmd
		if a.statusStale {
			a.statusStale = false
			again = a.requestStatus()
		}
		return a, tea.Batch(again, a.broadcast(msg))
	case eventsMsg:
		return a, waitEventCmd(a.s.ctx, msg.ch)
	case eventsFailedMsg:
		a.s.log.Warn("subscribe to events", "err", msg.err)
		return a, resubscribeLater()
	case eventsClosedMsg:
		if a.s.ctx.Err() != nil {
			return a, nil
		}
		return a, resubscribeLater()
	case resubscribeMsg:
		return a, subscribeCmd(a.s.ctx, a.s.api)
	case eventMsg:
		cmds := []tea.Cmd{waitEventCmd(a.s.ctx, msg.ch), a.requestStatus()}
		switch msg.ev.Kind {
		case node.EventBlockConnected, node.EventBlockDisconnected, node.EventTxAdded:
			cmds = append(cmds, a.requestBalances())
		}
		cmds = append(cmds, a.broadcast(msg))
		return a, tea.Batch(cmds...)
	case balancesMsg:
		a.balBusy = false
		if msg.err != nil {
			a.s.log.Warn("balances", "err", msg.err)
		}
		for addr, info := range msg.infos {
			a.s.balances[addr] = info
		}
		var again tea.Cmd
		if a.balStale {
			a.balStale = false
			again = a.requestBalances()
		}
		return a, tea.Batch(again, a.broadcast(msg))
	case miningSetMsg:
		if msg.err != nil {
			a.s.log.Warn("set mining", "on", msg.on, "err", msg.err)
			a.s.fail(sentence(msg.err))
		} else if msg.on {
			a.s.info("Mining started: rewards go to " + view.ShortAddr(a.s.mineTo(), 24) + ".")
		} else {
			a.s.info("Mining stopped.")
		}
		return a, a.requestStatus()
	case walletReadyMsg:
		a.s.wallet = msg.w
		a.s.accounts = msg.accounts
		a.inSetup = false
		a.s.log.Info("wallet ready", "accounts", len(a.s.accounts))
		return a, tea.Batch(a.requestBalances(), a.switchTo(tabHome))
	case accountsMsg:
		var cmd tea.Cmd
		if msg.err == nil {
			a.s.accounts = msg.accounts
			cmd = a.requestBalances()
		}
		return a, tea.Batch(cmd, a.broadcast(msg))
	case walletExistsMsg, walletOpenedMsg:
		return a, a.setup.Update(msg)
	}
	return a, a.broadcast(msg)
}

// restyler is a screen whose widgets copied styles when it was made.
type restyler interface{ restyle() }

// restyle switches to the styles for a dark or light background, as the
// terminal reported it.
func (a *app) restyle(isDark bool) {
	a.s.st = styles.Default(isDark)
	a.help.Styles = a.s.st.Help
	a.setup.restyle()
	for _, sc := range a.screens {
		if r, ok := sc.(restyler); ok {
			r.restyle()
		}
	}
}

// broadcast gives msg to the setup and every screen.
func (a *app) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(a.screens)+1)
	if a.inSetup {
		cmds = append(cmds, a.setup.Update(msg))
	}
	for _, sc := range a.screens {
		cmds = append(cmds, sc.Update(msg))
	}
	return tea.Batch(cmds...)
}

func (a *app) requestStatus() tea.Cmd {
	if a.statusBusy {
		a.statusStale = true
		return nil
	}
	a.statusBusy = true
	return statusCmd(a.s.ctx, a.s.api)
}

func (a *app) requestBalances() tea.Cmd {
	if len(a.s.accounts) == 0 {
		return nil
	}
	if a.balBusy {
		a.balStale = true
		return nil
	}
	a.balBusy = true
	addrs := make([]string, len(a.s.accounts))
	for i, acct := range a.s.accounts {
		addrs[i] = acct.Address
	}
	return balancesCmd(a.s.ctx, a.s.api, addrs)
}

func (a *app) switchTo(i int) tea.Cmd {
	if i == a.active && !a.inSetup {
		return a.screens[i].Activate()
	}
	a.screens[a.active].Deactivate()
	a.active = i
	a.showHelp = false
	return a.screens[i].Activate()
}

func (a *app) activeScreen() screen { return a.screens[a.active] }

func (a *app) capturing() bool {
	if a.inSetup {
		return a.setup.Capturing()
	}
	return a.activeScreen().Capturing()
}

func (a *app) dirty() bool {
	if a.inSetup {
		return a.setup.Dirty()
	}
	for _, sc := range a.screens {
		if sc.Dirty() {
			return true
		}
	}
	return false
}

func (a *app) key(msg tea.KeyPressMsg) tea.Cmd {
	k := a.s.keys
	if a.confirmQuit {
		switch {
		case key.Matches(msg, k.Yes, k.ForceQuit):
			return tea.Quit
		case key.Matches(msg, k.No):
			a.confirmQuit = false
		}
		return nil
	}
	if key.Matches(msg, k.ForceQuit) {
		if a.dirty() {
			a.confirmQuit = true
			return nil
		}
		return tea.Quit
	}
	if a.capturing() {
		return a.forwardKey(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		if a.dirty() {
			a.confirmQuit = true
			return nil
		}
		return tea.Quit
	case key.Matches(msg, k.Help):
		a.showHelp = !a.showHelp
		return nil
	case a.showHelp && key.Matches(msg, k.Cancel):
		a.showHelp = false
		return nil
	}
	if a.inSetup {
		return a.setup.Update(msg)
	}
	switch {
	case key.Matches(msg, k.NextTab):
		return a.switchTo((a.active + 1) % len(a.screens))
	case key.Matches(msg, k.PrevTab):
		return a.switchTo((a.active + len(a.screens) - 1) % len(a.screens))
	case key.Matches(msg, k.Home):
		return a.switchTo(tabHome)
	case key.Matches(msg, k.Blocktree):
		return a.switchTo(tabBlocktree)
	case key.Matches(msg, k.Mining):
		return a.switchTo(tabMining)
	case key.Matches(msg, k.Wallet):
		return a.switchTo(tabWallet)
	case key.Matches(msg, k.Data):
		return a.switchTo(tabData)
	case key.Matches(msg, k.ToggleMining):
		return a.toggleMining()
	}
	return a.forwardKey(msg)
}

func (a *app) forwardKey(msg tea.KeyPressMsg) tea.Cmd {
	if a.inSetup {
		return a.setup.Update(msg)
	}
	return a.activeScreen().Update(msg)
}

func (a *app) toggleMining() tea.Cmd {
	to := a.s.mineTo()
	if to == "" {
		a.s.fail("Open a wallet first: mining pays to its first address.")
		return nil
	}
	on := !a.s.status.Mining
	if on {
		a.s.info("Starting the miner…")
	} else {
		a.s.info("Stopping the miner…")
	}
	return setMiningCmd(a.s.ctx, a.s.api, on, to)
}

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
	var b strings.Builder
	b.WriteString(" ")
	for i, sc := range a.screens {
		label := string(rune('1'+i)) + " " + sc.Title()
		if i == a.active {
			b.WriteString(st.ActiveTab.Render(label))
		} else {
			b.WriteString(st.Tab.Render(label))
		}
	}
	return view.Truncate(b.String(), a.width)
}

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
		groups = append(groups, []key.Binding{k.NextTab, k.PrevTab, k.Home, k.Blocktree, k.Mining, k.Wallet, k.Data},
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
