package tui

import (
	"errors"
	"fmt"
	"github.com/bitverse/bitverse/wallet/plan"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// Sending coins: the form (a checksummed address, an amount, the minimum
// fee), then the review-and-sign flow.

func (w *walletScreen) focusField(i int) tea.Cmd {
	return w.send.focusOn(i)
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
	w.send.blur()
	w.preparedTo = wire.EncodeAddress(w.s.net, to)
	hw, name, api, params, ctx, from := w.s.wallet, acct.Name, w.s.api, w.s.params, w.s.ctx, acct.PubKey
	return w.flow.start(func(id reqID) tea.Cmd {
		return prepareCmd(ctx, api, params, id, from, plan.Send{To: to, Amount: amount},
			func(tx *wire.Tx) error { return hw.Sign(name, tx) }, preparedMsg{})
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
	lines = append(lines, "", formFooter(st, w.flow.active(), "Signing…",
		"enter reviews the transaction before anything is sent"))
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
