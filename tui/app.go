package tui

import (
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
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
	tabMarket
	tabTumbler
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

	serveKey func(wire.PrivKey) (market.API, error) // Options.ServeKey

	statusBusy, statusStale bool
	balBusy, balStale       bool
	relayBusy, relayStale   bool // a relay status read is out; another is wanted
	relayResume             bool // m stopped relaying: m turns it back on
	togglingBoth            bool // a relay toggle from m (its sentence is the miner's)
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
		ctx: d.ctx, api: opts.API, market: opts.Market, tumbler: opts.Tumbler, params: opts.Params, net: opts.Params.Net,
		st: styles.Default(true), keys: keymap.Default(), clock: clock, log: d.log,
		version: opts.Version, balances: map[string]node.AccountInfo{}, runExec: d.exec,
	}
	if s.runExec == nil {
		s.runExec = runEditor
	}
	s.now = clock()
	a := &app{s: s, d: d, inSetup: true, serveKey: opts.ServeKey}
	a.setup = newSetup(s, d, opts.WalletDir)
	a.screens = []screen{newHome(s), newBlocktree(s), newMining(s), newWalletScreen(s), newData(s), newMarket(s), newTumbler(s)}
	a.help = help.New()
	a.help.Styles = s.st.Help
	return a
}

// Init looks for the wallet, subscribes to events and starts polling.
func (a *app) Init() tea.Cmd {
	cmds := []tea.Cmd{a.setup.Init(), a.requestStatus(), subscribeCmd(a.s.ctx, a.s.api), pollCmd(a.d.poll),
		tea.RequestBackgroundColor}
	for _, sc := range a.screens {
		if i, ok := sc.(initer); ok {
			cmds = append(cmds, i.Init())
		}
	}
	return tea.Batch(cmds...)
}

// initer is a screen with commands to run at start (a subscription of
// its own).
type initer interface{ Init() tea.Cmd }

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
		if msg.ev.Kind == node.EventBlockConnected {
			cmds = append(cmds, a.requestRelay())
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
		var serve tea.Cmd
		if a.serveKey != nil && len(a.s.accounts) > 0 {
			a.s.marketStarting = true
			serve = serveKeyCmd(msg.w, a.s.accounts[0].Name, a.serveKey)
		}
		return a, tea.Batch(a.requestBalances(), a.requestRelay(), a.switchTo(tabHome), serve)
	case serveKeyMsg:
		a.s.marketStarting = false
		if msg.err != nil {
			a.s.log.Warn("start the market", "err", msg.err)
			a.s.fail("The market did not start: " + sentence(msg.err))
		} else if msg.m != nil {
			a.s.market = msg.m
			a.s.log.Info("market started")
		}
		return a, tea.Batch(a.requestRelay(), a.broadcast(msg))
	case relayStatusMsg:
		return a, tea.Batch(a.gotRelay(msg), a.broadcast(msg))
	case wantRelayMsg:
		return a, a.requestRelay()
	case exploreOpenMsg:
		if msg.bounty {
			cmd := a.switchTo(tabMarket)
			return a, tea.Batch(cmd, a.screens[tabMarket].(*marketScreen).openExplored())
		}
		cmd := a.switchTo(tabData)
		return a, tea.Batch(cmd, a.screens[tabData].(*dataScreen).openExplored(msg))
	case marketEventMsg:
		// the market screen waits for the next one; a job moved
		cmd := a.broadcast(msg)
		if msg.ev.Kind == market.EventJob || msg.ev.Kind == market.EventRelay {
			cmd = tea.Batch(cmd, a.requestRelay())
		}
		return a, cmd
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
	case key.Matches(msg, k.Market):
		return a.switchTo(tabMarket)
	case key.Matches(msg, k.Tumbler):
		return a.switchTo(tabTumbler)
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
	return tea.Batch(setMiningCmd(a.s.ctx, a.s.api, on, to), a.relayWithMining(on))
}
