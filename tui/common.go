package tui

import (
	"context"
	"log/slog"
	"os/exec"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/keymap"
	"github.com/bitverse/bitverse/tui/styles"
	"github.com/bitverse/bitverse/tumbler"
	"github.com/bitverse/bitverse/wallet"
)

// screen is one page of the UI. The root model owns the screens, routes
// messages to them and draws the chrome (header, tabs, message line, help)
// around the active one.
type screen interface {
	// Title is the tab's name.
	Title() string
	// SetSize gives the screen the cells it may draw in.
	SetSize(width, height int)
	// Update handles a message. Keys reach only the active screen; every
	// other message reaches all screens.
	Update(msg tea.Msg) tea.Cmd
	// View draws the screen in exactly the size it was given.
	View() string
	// Activate is called when the screen becomes visible; it returns the
	// commands that refresh what it shows.
	Activate() tea.Cmd
	// Deactivate is called when another screen becomes visible.
	Deactivate()
	// Capturing reports whether a text field has focus: the root then leaves
	// all keys but ctrl+c to the screen.
	Capturing() bool
	// Dirty reports unsaved input, so that quitting asks first.
	Dirty() bool
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

// common is the one value every component gets, as soft-serve's
// common.Common: the context, the node, the network's parameters, styles,
// keys, the clock and the logger, plus the state every screen reads (the
// node's status, the wallet and its balances, the message line). Only the
// root's Update writes the state (components get a pointer and read it in
// Update and View, on the same goroutine); components write only the
// message line (info, fail) and take request IDs (newID).
type common struct {
	ctx    context.Context
	api    node.API
	market market.API // nil: the node has no market (yet)
	// tumbler is the tumbler service (nil: the node runs none).
	tumbler tumbler.API
	// marketStarting: the embedded node's market starts with the
	// wallet's key (Options.ServeKey) and has not answered yet.
	marketStarting bool
	params         *consensus.Params
	net            wire.Network
	st             styles.Styles
	keys           keymap.KeyMap
	clock          func() time.Time
	log            *slog.Logger
	version        string

	now time.Time // the clock, read once per message

	// runExec hands the terminal to a program (the script editor) and
	// returns its callback's message when it exits: runEditor.
	runExec func(*exec.Cmd, tea.ExecCallback) tea.Cmd

	status     node.Status
	haveStatus bool
	statusErr  error

	// relay is this node's relaying (relay_market.go), nil until read;
	// relayErr why the last read failed (errNoRelaying: no relay role).
	relay    *relayStatus
	relayErr error
	relayGen int // relay toggles asked for (components count them, as newID)

	wallet   walletHandle
	accounts []wallet.Account
	balances map[string]node.AccountInfo // by address

	message    string // the message line
	messageErr bool
	messageAt  time.Time

	lastID reqID // the last request ID given out
}

// reqID identifies one request a component made: the command's reply
// carries it back, and the component takes only replies to the requests
// it is waiting for (every reply reaches every screen).
type reqID uint64

// newID returns a request ID never given out before.
func (s *common) newID() reqID {
	s.lastID++
	return s.lastID
}

// info and fail set the message line.
func (s *common) info(msg string) {
	s.message, s.messageErr, s.messageAt = msg, false, s.now
}

func (s *common) fail(msg string) {
	s.message, s.messageErr, s.messageAt = msg, true, s.now
}

// mineTo is the address rewards go to: the first account's.
func (s *common) mineTo() string {
	if len(s.accounts) == 0 {
		return ""
	}
	return s.accounts[0].Address
}

// totals sums the balances of all accounts.
func (s *common) totals() (spendable, immature uint64, pending int) {
	for _, a := range s.accounts {
		if b, ok := s.balances[a.Address]; ok {
			spendable += b.Balance
			immature += b.Immature
			pending += b.Pending
		}
	}
	return
}

// tipHeight is the root chain's height, and whether it is known yet.
func (s *common) tipHeight() (uint64, bool) { return s.status.Height, s.haveStatus }

// txKind is a transaction type in at most 9 cells, for table columns.
func txKind(t string) string {
	switch t {
	case "keyspace-buy":
		return "ks buy"
	case "keyspace-script":
		return "ks script"
	case "keyspace-transfer":
		return "ks give"
	}
	return t
}

// isMine reports whether addr is one of the wallet's accounts.
func (s *common) isMine(addr string) bool {
	for _, a := range s.accounts {
		if a.Address == addr {
			return true
		}
	}
	return false
}

// account is the wallet's account at addr.
func (s *common) account(addr string) (wallet.Account, bool) {
	for _, a := range s.accounts {
		if a.Address == addr {
			return a, true
		}
	}
	return wallet.Account{}, false
}
