package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// The history of an account, with confirmations.

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
	case tx.Type == "tumble":
		// What addr put in and took out; the other side is the batch.
		var in, out uint64
		for _, l := range tx.Inputs {
			if l.Address == addr {
				in += l.Amount
			}
		}
		for _, l := range tx.Outputs {
			if l.Address == addr {
				out += l.Amount
			}
		}
		other := fmt.Sprintf("tumble of %d inputs", len(tx.Inputs))
		if out >= in {
			return "+" + view.Amount(out-in), other
		}
		return "−" + view.Amount(in-out), other
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
