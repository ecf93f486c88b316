package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/tui/internal/view"
	"github.com/bitverse/bitverse/wallet"
)

type walletMode int

const (
	wmAccounts walletMode = iota
	wmReceive
	wmSend // the form, then its review (flow)
	wmHistory
	wmTx         // one transaction of the history
	wmNewAccount // naming a new account
	wmAdding     // the wallet derives and saves it
)

// historyLimit is how many transactions the history shows.
const historyLimit = 200

// walletScreen lists the accounts with their balances, shows an address
// with its QR code, sends coins (form, fee, confirmation) and lists the
// history with confirmations.
type walletScreen struct {
	s             *common
	width, height int
	active        bool
	mode          walletMode
	cursor        int // selected account

	to, amount, name textinput.Model
	nameErr          string
	send             form // to, amount
	toErr, amountErr string
	flow             *signFlow
	preparedTo       string

	history     []node.TxInfo
	historyAddr string
	historyErr  error
	hist        cursorList
	histReq     reqID // the history request out, 0 when none
	stale       bool
}

func newWalletScreen(s *common) *walletScreen {
	w := &walletScreen{s: s, flow: newSignFlow(s)}
	w.to = newInput(s.st, "", "bvd1…", 64)
	w.to.CharLimit = 120
	w.amount = newInput(s.st, "", "in BVS, e.g. 1.5", 24)
	w.amount.CharLimit = 32
	w.name = newInput(s.st, "", "savings", 24)
	w.name.CharLimit = 32
	w.send = newForm(&w.to, &w.amount)
	return w
}

func (w *walletScreen) restyle() {
	w.to.SetStyles(w.s.st.Input)
	w.amount.SetStyles(w.s.st.Input)
	w.name.SetStyles(w.s.st.Input)
}

func (w *walletScreen) Title() string { return "Wallet" }

func (w *walletScreen) Deactivate() { w.active = false }

func (w *walletScreen) SetSize(wd, h int) {
	w.width, w.height = wd, h
	w.to.SetWidth(min(66, max(20, wd-15)))
}

func (w *walletScreen) Activate() tea.Cmd {
	w.active = true
	if w.mode == wmHistory || w.mode == wmTx {
		return w.fetchHistory()
	}
	return nil
}

func (w *walletScreen) Capturing() bool {
	return w.mode == wmSend && !w.flow.active() || w.mode == wmNewAccount
}

func (w *walletScreen) Dirty() bool {
	return w.mode == wmSend && (w.to.Value() != "" || w.amount.Value() != "")
}

func (w *walletScreen) ShortHelp() []key.Binding {
	k := w.s.keys
	switch w.mode {
	case wmAccounts:
		return []key.Binding{k.Move, k.Receive, k.Send, k.History, k.NewAccount}
	case wmNewAccount:
		return []key.Binding{k.Submit, k.Cancel}
	case wmSend:
		if w.flow.active() {
			return w.flow.ShortHelp()
		}
		return []key.Binding{k.NextField, k.Submit, k.Cancel}
	case wmHistory:
		return []key.Binding{k.Move, k.Open, k.Back}
	}
	return []key.Binding{k.Back}
}

func (w *walletScreen) FullHelp() [][]key.Binding {
	k := w.s.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Open, k.Back},
		{k.Receive, k.Send, k.History, k.NewAccount},
		{k.NextField, k.PrevField, k.Submit, k.Cancel, k.Yes, k.No},
	}
}

func (w *walletScreen) account() (wallet.Account, bool) {
	if w.cursor < len(w.s.accounts) {
		return w.s.accounts[w.cursor], true
	}
	return wallet.Account{}, false
}

func (w *walletScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case eventMsg:
		if w.active && (w.mode == wmHistory || w.mode == wmTx) && msg.ev.Kind != node.EventPeers && msg.ev.Kind != node.EventMining {
			return w.fetchHistory()
		}
	case historyMsg:
		if msg.id != w.histReq {
			return nil
		}
		w.histReq = 0
		w.history, w.historyAddr, w.historyErr = msg.txs, msg.addr, msg.err
		w.hist.clamp(len(w.history))
		if w.stale {
			w.stale = false
			return w.fetchHistory()
		}
	case preparedMsg, submittedMsg, txConfirmedMsg:
		return w.flowDone(w.flow.Update(msg))
	case accountsMsg:
		if w.mode != wmAdding {
			return nil
		}
		if msg.err != nil {
			w.s.log.Warn("new account", "err", msg.err)
			w.mode, w.nameErr = wmNewAccount, sentence(msg.err)
			return w.name.Focus()
		}
		w.mode = wmAccounts
		for i, a := range msg.accounts {
			if a.Name == msg.added {
				w.cursor = i
			}
		}
		w.s.info("Account " + msg.added + " added.")
		w.name.Reset()
	case tea.KeyPressMsg:
		return w.key(msg)
	}
	return nil
}

func (w *walletScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := w.s.keys
	switch w.mode {
	case wmAccounts:
		switch {
		case key.Matches(msg, k.Up):
			w.cursor = max(0, w.cursor-1)
		case key.Matches(msg, k.Down):
			w.cursor = max(0, min(len(w.s.accounts)-1, w.cursor+1))
		case key.Matches(msg, k.Receive):
			w.mode = wmReceive
		case key.Matches(msg, k.Send):
			if len(w.s.accounts) == 0 {
				return nil
			}
			w.mode, w.toErr, w.amountErr = wmSend, "", ""
			return w.focusField(0)
		case key.Matches(msg, k.History), key.Matches(msg, k.Open):
			w.mode, w.hist = wmHistory, cursorList{}
			return w.fetchHistory()
		case key.Matches(msg, k.NewAccount):
			if w.s.wallet == nil {
				return nil
			}
			w.mode, w.nameErr = wmNewAccount, ""
			w.name.Reset()
			return w.name.Focus()
		}
	case wmNewAccount:
		switch {
		case key.Matches(msg, k.Cancel):
			w.name.Blur()
			w.mode = wmAccounts
			return nil
		case key.Matches(msg, k.Submit):
			name := strings.TrimSpace(w.name.Value())
			if name == "" {
				w.nameErr = "Name the account, e.g. savings."
				return nil
			}
			w.name.Blur()
			w.mode = wmAdding
			return newAccountCmd(w.s.wallet, name)
		}
		var cmd tea.Cmd
		w.name, cmd = w.name.Update(msg)
		w.nameErr = ""
		return cmd
	case wmReceive:
		if key.Matches(msg, k.Back) {
			w.mode = wmAccounts
		}
	case wmSend:
		if w.flow.active() {
			return w.flowDone(w.flow.Key(msg))
		}
		switch {
		case key.Matches(msg, k.Cancel):
			w.mode = wmAccounts
			w.send.blur()
			return nil
		case key.Matches(msg, k.Submit):
			if w.send.focus == 0 && w.amount.Value() == "" {
				return w.focusField(1)
			}
			return w.submit()
		case key.Matches(msg, k.NextField), key.Matches(msg, k.PrevField):
			return w.send.next()
		}
		if w.send.focus == 0 {
			w.toErr = ""
		} else {
			w.amountErr = ""
		}
		cmd, _ := w.send.update(msg)
		return cmd
	case wmHistory:
		if w.hist.key(k, msg, len(w.history), w.historyRows(), listJump) {
			return nil
		}
		switch {
		case key.Matches(msg, k.Back):
			w.mode = wmAccounts
		case key.Matches(msg, k.Open):
			if len(w.history) > 0 {
				w.mode = wmTx
			}
		case key.Matches(msg, k.Refresh):
			return w.fetchHistory()
		}
	case wmTx:
		if key.Matches(msg, k.Back) {
			w.mode = wmHistory
		}
	}
	return nil
}

func (w *walletScreen) View() string {
	var body string
	switch w.mode {
	case wmAccounts, wmNewAccount, wmAdding:
		body = w.accountsView()
	case wmReceive:
		body = w.receiveView()
	case wmSend:
		if w.flow.shown() {
			body = w.flow.View(w.review(), w.width, w.height)
		} else {
			body = w.sendView()
		}
	case wmHistory:
		body = w.historyView()
	case wmTx:
		if w.hist.cursor < len(w.history) {
			body = " " + w.s.st.Title.Render("Transaction") + "\n\n" + txDetails(w.s, w.history[w.hist.cursor])
		}
	}
	return view.Lines(body, w.width, w.height)
}

func (w *walletScreen) accountsView() string {
	st := w.s.st
	if w.s.wallet == nil {
		return st.Muted.Render("  no wallet open")
	}
	addrW := 62
	if w.width < 120 {
		addrW = max(12, w.width-62)
	}
	lines := []string{" " + st.Title.Render("Accounts"), ""}
	hdr := fmt.Sprintf("  %-10s %-*s %18s %18s", "name", addrW, "address", "balance", "immature")
	lines = append(lines, st.Column.Render(view.PadRight(hdr, w.width)))
	for i, a := range w.s.accounts {
		b, known := w.s.balances[a.Address]
		bal, imm := "…", "…"
		if known {
			bal, imm = view.Amount(b.Balance), view.Amount(b.Immature)
		}
		row := fmt.Sprintf("  %-10s %-*s %18s %18s", view.Truncate(a.Name, 10), addrW, view.ShortAddr(a.Address, addrW), bal, imm)
		if i == w.cursor {
			lines = append(lines, st.Selected.Render(view.PadRight("▸"+row[1:], w.width)))
		} else {
			lines = append(lines, view.Truncate(row, w.width))
		}
	}
	spend, imm, pend := w.s.totals()
	lines = append(lines, "", "  "+field(st, "total", st.Strong.Render(view.Amount(spend))+st.Muted.Render(" spendable · "+view.Amount(imm)+" maturing")))
	if pend > 0 {
		lines = append(lines, "  "+field(st, "pending", st.Warn.Render(fmt.Sprintf("%d outgoing transaction(s)", pend))))
	}
	switch w.mode {
	case wmNewAccount, wmAdding:
		lines = append(lines, "", "  "+st.Title.Render("New account"), "  "+field(st, "name", w.name.View()))
		if w.nameErr != "" {
			lines = append(lines, fieldError(st, w.nameErr, w.width))
		}
		if w.mode == wmAdding {
			lines = append(lines, "  "+st.Muted.Render("Deriving the account's key and saving the wallet…"))
		}
	default:
		lines = append(lines, "", "  "+st.Muted.Render("r receive · s send · h history · a new account"))
	}
	return strings.Join(lines, "\n")
}

func (w *walletScreen) receiveView() string {
	st := w.s.st
	acct, ok := w.account()
	if !ok {
		return ""
	}
	qr, err := view.QR(acct.Address)
	qrW := lipgloss.Width(qr)
	if err != nil {
		qr, qrW = "", 0
	}
	textW := w.width - qrW - 4
	if textW < 24 { // too narrow for both: the address alone
		qr, textW = "", w.width-2
	}
	info := []string{
		st.Title.Render("Receive"),
		"",
		st.Label.Render("account ") + st.Value.Render(acct.Name),
		"",
		st.Muted.Render("Send BVS to this address:"),
	}
	for a := acct.Address; a != ""; {
		n := min(len(a), textW)
		info = append(info, st.Strong.Render(a[:n]))
		a = a[n:]
	}
	info = append(info, "",
		st.Muted.Render(view.Truncate("The checksum catches typos: a", textW)),
		st.Muted.Render(view.Truncate("mistyped address is refused.", textW)))
	if qr == "" {
		return indent(strings.Join(info, "\n"), 1)
	}
	return indent(lipgloss.JoinHorizontal(lipgloss.Top, st.QR.Render(qr), "  ", strings.Join(info, "\n")), 1)
}
