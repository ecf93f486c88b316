package tui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
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
func (w *walletScreen) Deactivate()   { w.active = false }
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

func (w *walletScreen) fetchHistory() tea.Cmd {
	acct, ok := w.account()
	if !ok {
		return nil
	}
	if w.histReq != 0 {
		w.stale = true
		return nil
	}
	w.histReq = w.s.newID()
	return historyCmd(w.s.ctx, w.s.api, w.histReq, acct.Address, historyLimit)
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

func (w *walletScreen) focusField(i int) tea.Cmd {
	return w.send.focusOn(i)
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

// parsed validates the form: a checksummed address of this network and an
// amount in BVS.
func (w *walletScreen) parsed() (to wire.PubKey, amount uint64, ok bool) {
	ok = true
	to, err := wire.ParseAddress(w.s.net, w.to.Value())
	switch {
	case strings.TrimSpace(w.to.Value()) == "":
		w.toErr, ok = "Enter the address to send to.", false
	case err != nil:
		w.toErr, ok = addressProblem(err), false
	}
	amount, err = wire.ParseAmount(w.amount.Value())
	switch {
	case strings.TrimSpace(w.amount.Value()) == "":
		w.amountErr, ok = "Enter an amount, in BVS (e.g. 1.5).", false
	case err != nil:
		w.amountErr, ok = sentence(err)+" Use BVS with up to 8 decimals, e.g. 1.5.", false
	case amount == 0:
		w.amountErr, ok = "Enter an amount above zero.", false
	}
	return
}

// addressProblem explains a rejected address.
func addressProblem(err error) string {
	if errors.Is(err, wire.ErrBadAddress) {
		return "Invalid address: " + strings.TrimPrefix(err.Error(), wire.ErrBadAddress.Error()+": ")
	}
	return sentence(err)
}

func (w *walletScreen) fee(amount uint64, to wire.PubKey) uint64 {
	acct, _ := w.account()
	return minFee(w.s.params, wire.Transfer{To: to, Amount: amount}, w.s.balances[acct.Address].NextNonce)
}

func (w *walletScreen) submit() tea.Cmd {
	to, amount, ok := w.parsed()
	if !ok {
		if w.toErr != "" {
			return w.focusField(0)
		}
		return w.focusField(1)
	}
	acct, _ := w.account()
	fee := w.fee(amount, to)
	if bal, known := w.s.balances[acct.Address]; known {
		if total, err := wire.AddAmounts(amount, fee); err != nil || total > bal.Balance {
			w.amountErr = fmt.Sprintf("That is more than the spendable balance: %s, and the fee is %s.",
				view.Amount(bal.Balance), view.Amount(fee))
			return w.focusField(1)
		}
	}
	w.to.Blur()
	w.amount.Blur()
	w.preparedTo = wire.EncodeAddress(w.s.net, to)
	hw, name, api, params, ctx, from := w.s.wallet, acct.Name, w.s.api, w.s.params, w.s.ctx, acct.Address
	return w.flow.start(func(id reqID) tea.Cmd {
		return prepareTxCmd(ctx, api, params, id, from, wire.Transfer{To: to, Amount: amount}, "the transfer",
			func(nonce, fee uint64) (*wire.Tx, error) { return hw.Transfer(name, to, amount, nonce, fee) })
	})
}

// flowDone acts on what the send's review-and-sign flow reports.
func (w *walletScreen) flowDone(cmd tea.Cmd, r flowResult) tea.Cmd {
	switch r.outcome {
	case outcomeFailed:
		w.s.log.Warn("prepare transfer", "err", r.err)
		w.amountErr = sentence(r.err)
		return w.focusField(w.send.focus)
	case outcomeBack:
		return w.focusField(1)
	case outcomeRefused:
		w.s.log.Warn("submit transfer", "err", r.err)
		w.amountErr = "The node refused the transaction: " + sentence(r.err)
		return w.focusField(1)
	case outcomeDone:
		id := r.ids[len(r.ids)-1]
		w.s.log.Info("sent", "tx", id)
		w.s.info("Sent. Transaction " + view.Short(id.String(), 16) + " is pending until a block includes it.")
		w.to.Reset()
		w.amount.Reset()
		w.mode = wmHistory
		return w.fetchHistory()
	}
	return cmd
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

func (w *walletScreen) sendView() string {
	st := w.s.st
	acct, _ := w.account()
	bal := w.s.balances[acct.Address]
	lines := []string{
		" " + st.Title.Render("Send"),
		"",
		"  " + field(st, "from", st.Value.Render(acct.Name)+st.Muted.Render(" · "+view.Amount(bal.Balance)+" spendable")),
		"",
		"  " + field(st, "to", w.to.View()),
	}
	if w.toErr != "" {
		lines = append(lines, fieldError(st, w.toErr, w.width))
	}
	lines = append(lines, "  "+field(st, "amount", w.amount.View()))
	if w.amountErr != "" {
		lines = append(lines, fieldError(st, w.amountErr, w.width))
	}
	amount, _ := wire.ParseAmount(w.amount.Value())
	fee := w.fee(amount, wire.PubKey{})
	lines = append(lines, "  "+field(st, "fee", st.Value.Render(view.Amount(fee))+
		st.Muted.Render(fmt.Sprintf(" · the minimum, %d units per byte", w.s.params.MinFeePerByte))))
	lines = append(lines, "")
	if w.flow.active() {
		lines = append(lines, "  "+st.Muted.Render("Signing…"))
	} else {
		lines = append(lines, "  "+st.Muted.Render("enter reviews the transaction before anything is sent"))
	}
	return strings.Join(lines, "\n")
}

// review is the send's last look before anything is sent.
func (w *walletScreen) review() review {
	st := w.s.st
	tx := w.flow.plan.main()
	body := tx.Body.(wire.Transfer)
	total, _ := wire.AddAmounts(body.Amount, tx.Fee)
	f := func(label, value string) string { return field(st, label, value) }
	return review{
		title: "Send this transaction?",
		rows: []string{
			f("to", st.Value.Render(w.preparedTo)),
			f("amount", st.Strong.Render(view.Amount(body.Amount))),
			f("fee", st.Value.Render(view.Amount(tx.Fee))),
			f("total", st.Strong.Render(view.Amount(total))),
			f("nonce", st.Muted.Render(fmt.Sprint(tx.Nonce))),
			"",
			st.Warn.Render("A sent transaction cannot be taken back."),
		},
		yes: "send", no: "back to the form",
	}
}

func (w *walletScreen) historyView() string {
	st := w.s.st
	acct, _ := w.account()
	lines := []string{" " + st.Title.Render("History") + st.Muted.Render(" · "+acct.Name), ""}
	switch {
	case w.historyErr != nil:
		return strings.Join(append(lines, "  "+st.Bad.Render(sentence(w.historyErr))), "\n")
	case w.historyAddr != acct.Address:
		return strings.Join(append(lines, "  "+st.Muted.Render("loading…")), "\n")
	case len(w.history) == 0:
		return strings.Join(append(lines, "  "+st.Muted.Render("No transactions yet. Mine (m) or receive (r) some BVS.")), "\n")
	}
	hdr := fmt.Sprintf("  %-10s %-9s %18s  %-24s %s", "status", "type", "amount", "counterparty", "when")
	lines = append(lines, st.Column.Render(view.PadRight(hdr, w.width)))
	first, end := w.hist.window(len(w.history), w.historyRows())
	for i := first; i < end; i++ {
		tx := w.history[i]
		status := st.Warn.Render(view.PadRight("pending", 10))
		if !tx.Pending {
			status = st.Good.Render(view.PadRight(view.Int(tx.Confirmations)+" conf", 10))
		}
		amount, other := w.historyAmount(tx, acct.Address)
		when := ""
		if tx.Time != 0 {
			when = view.Ago(w.s.now, tx.Time)
		}
		row := fmt.Sprintf("  %s %-9s %s  %-24s %s", status, txKind(tx.Type), view.PadLeft(amount, 18), view.ShortAddr(other, 24), when)
		lines = append(lines, rowLine(st, row, i == w.hist.cursor, w.width))
	}
	return strings.Join(lines, "\n")
}

// historyRows is how many transactions the history shows: the body less
// its title, a blank line and the column header.
func (w *walletScreen) historyRows() int { return max(1, w.height-3) }

// historyAmount is the signed change to addr's balance and the other side.
func (w *walletScreen) historyAmount(tx node.TxInfo, addr string) (string, string) {
	switch {
	case tx.Type == "put":
		return "−" + view.Amount(tx.Fee), tx.Key
	case tx.From == addr && tx.To == addr:
		return "−" + view.Amount(tx.Fee), "to self"
	case tx.From == addr:
		total, _ := wire.AddAmounts(tx.Amount, tx.Fee)
		return "−" + view.Amount(total), tx.To
	case tx.Type == "coinbase":
		return "+" + view.Amount(tx.Amount), "block reward"
	default:
		return "+" + view.Amount(tx.Amount), tx.From
	}
}
