package tui

import (
	"fmt"
	"github.com/bitverse/bitverse/wallet/plan"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
	"github.com/charmbracelet/x/ansi"
)

// The put form of the data screen: a key, a value and a depth, then the
// review-and-sign flow (on a branch whose write credit is short, a root
// stamp of the shortfall first).

// putRefusal is a write a keyspace refused: by its access script, with the
// script's reason, or because nobody owns the keyspace.
type putRefusal struct {
	keyspace, reason string
	code             consensus.ErrorCode
}

// flowDone acts on what the write's review-and-sign flow reports.
func (d *dataScreen) flowDone(cmd tea.Cmd, r flowResult) tea.Cmd {
	stampStep := func() bool { return r.plan != nil && r.plan.stamp() != nil && r.step == 0 }
	switch r.outcome {
	case outcomeFailed:
		d.s.log.Warn("prepare put", "err", r.err)
		if ks, reason, code, ok := refusal(r.err); ok {
			// The node's rules refuse it: shown before anything is signed.
			d.refused = &putRefusal{keyspace: ks, reason: reason, code: code}
			return d.focusField(0)
		}
		d.putErr = sentence(r.err)
		return d.focusField(d.put.focus)
	case outcomeBack:
		return d.focusField(putFieldValue)
	case outcomeRefused:
		if stampStep() {
			d.s.log.Warn("submit stamp", "err", r.err)
			d.putErr = "The node refused the stamp of write credit: " + sentence(r.err)
			return d.focusField(putFieldValue)
		}
		d.s.log.Warn("submit put", "err", r.err)
		if ks, reason, code, ok := refusal(r.err); ok {
			d.refused = &putRefusal{keyspace: ks, reason: reason, code: code}
		} else {
			d.putErr = "The node refused the write: " + sentence(r.err)
		}
		return d.focusField(0)
	case outcomeWaiting:
		st := r.plan.stamp()
		body := st.Body.(wire.Stamp)
		id := r.ids[len(r.ids)-1]
		d.s.log.Info("stamp", "chain", body.Chain.String(), "amount", body.Amount, "fee", st.Fee, "tx", id)
		d.s.info(fmt.Sprintf("Stamping %s of write credit on chain %s (fee %s, tx %s); waiting for a root block…",
			view.Amount(body.Amount), body.Chain, view.Amount(st.Fee), view.Short(id.String(), 12)))
	case outcomeLost:
		d.s.log.Warn("wait for stamp", "err", r.err)
		d.putErr = "The stamp did not confirm: " + sentence(r.err)
		return d.focusField(putFieldValue)
	case outcomeStopped:
		d.putErr = "Stopped waiting. The stamp stays submitted and pays for the write once a root block holds it; enter writes again then."
		return d.focusField(putFieldValue)
	case outcomeDone:
		k := d.putKey.Value()
		put := r.plan.main()
		id := r.ids[len(r.ids)-1]
		d.s.log.Info("put", "key", k, "chain", put.Chain.String(), "tx", id)
		where := ""
		if !put.Chain.IsRoot() {
			where = " on chain " + put.Chain.String()
		}
		if st := r.plan.stamp(); st != nil {
			where += fmt.Sprintf(" (its credit stamped for %s + fee %s)", view.Amount(st.Body.(wire.Stamp).Amount), view.Amount(st.Fee))
		}
		d.s.info("Written: " + k + where + " is pending until a block includes it (tx " + view.Short(id.String(), 12) + ").")
		d.putKey.Reset()
		d.putValue.Reset()
		d.mode = dmBrowse
		d.prefix.SetValue(k)
		return tea.Batch(d.fetchKeys(), d.get(k))
	}
	return cmd
}

func (d *dataScreen) focusField(i int) tea.Cmd {
	return d.put.focusOn(i)
}

// putChain is the chain a write of the form's key at its depth goes to.
func (d *dataScreen) putChain() wire.ChainID {
	return wire.ForPath(wire.KeyPath(strings.TrimSpace(d.putKey.Value())), uint8(d.putDepth))
}

// depthKey changes the depth while its field has focus.
func (d *dataScreen) depthKey(msg tea.KeyPressMsg) {
	k := d.s.keys
	maxD := int(d.s.params.MaxDepth)
	switch s := msg.String(); {
	case key.Matches(msg, k.Deeper):
		d.putDepth = min(maxD, d.putDepth+1)
	case key.Matches(msg, k.Shallower):
		d.putDepth = max(0, d.putDepth-1)
	case len(s) == 1 && s[0] >= '0' && int(s[0]-'0') <= maxD:
		d.putDepth = int(s[0] - '0')
	default:
		return
	}
	d.putErr, d.refused = "", nil
}

func (d *dataScreen) submitPut() tea.Cmd {
	k, v := strings.TrimSpace(d.putKey.Value()), d.putValue.Value()
	if err := wire.ValidKey(k); err != nil {
		d.putErr = sentence(err)
		return d.focusField(0)
	}
	acct := d.s.accounts[0]
	hw, name := d.s.wallet, acct.Name
	ctx, api, params, from := d.s.ctx, d.s.api, d.s.params, acct.PubKey
	in := plan.Put{Key: k, Value: []byte(v), Depth: uint8(d.putDepth)}
	d.put.blur()
	return d.flow.start(func(id reqID) tea.Cmd {
		return prepareCmd(ctx, api, params, id, from, in, func(tx *wire.Tx) error { return hw.Sign(name, tx) }, preparedMsg{})
	})
}

func (d *dataScreen) putView() string {
	st := d.s.st
	acct := d.s.accounts[0]
	lines := []string{
		" " + st.Title.Render("Put a value"),
		"",
		"  " + field(st, "key", d.putKey.View()),
		"  " + field(st, "value", d.putValue.View()),
		"  " + field(st, "depth", d.depthView()),
	}
	body := wire.Put{Key: d.putKey.Value(), Value: []byte(d.putValue.Value())}
	if d.putDepth == 0 {
		fee := minFee(d.s.params, body, d.s.balances[acct.Address].NextNonce)
		lines = append(lines, "  "+field(st, "fee", st.Value.Render(view.Amount(fee))+
			st.Muted.Render(fmt.Sprintf(" · paid by %s (%s spendable)", acct.Name, view.Amount(d.s.balances[acct.Address].Balance)))))
	} else {
		fee := minFeeOn(d.s.params, d.putChain(), body, 0)
		lines = append(lines, "  "+field(st, "fee", st.Value.Render(view.Amount(fee))+
			st.Muted.Render(" · from write credit on chain "+d.putChain().String()+" (stamped if short)")))
	}
	if d.putErr != "" {
		lines = append(lines, "", fieldError(st, d.putErr, d.width))
	}
	if r := d.refused; r != nil {
		lines = append(lines, "", d.refusalView(r))
	}
	lines = append(lines, "", formFooter(st, d.flow.active(), "Signing…",
		"enter reviews the write before sending · depth: tab to it, +/- changes it"))
	return strings.Join(lines, "\n")
}

// review is the write's last look before anything is sent.
func (d *dataScreen) review() review {
	st := d.s.st
	pl := d.flow.plan
	tx := pl.main()
	body := tx.Body.(wire.Put)
	f := func(label, value string) string { return field(st, label, value) }
	rows := []string{
		f("key", st.Value.Render(view.Truncate(body.Key, 50))),
		f("value", st.Value.Render(view.Bytes(len(body.Value)))),
	}
	if tx.Chain.IsRoot() {
		rows = append(rows,
			f("depth", st.Value.Render("0 (root /)")),
			f("fee", st.Strong.Render(view.Amount(tx.Fee))))
	} else {
		rows = append(rows,
			f("depth", st.Value.Render(fmt.Sprintf("%d (chain %s)", tx.Chain.Depth, tx.Chain))),
			f("fee", st.Strong.Render(view.Amount(tx.Fee))+st.Muted.Render(" from write credit ("+view.Amount(pl.available)+" left)")))
		if s := pl.stamp(); s != nil {
			amount := s.Body.(wire.Stamp).Amount
			total, _ := wire.AddAmounts(amount, s.Fee)
			rows = append(rows,
				f("stamp", st.Strong.Render(view.Amount(amount))+st.Muted.Render(" of credit + fee "+view.Amount(s.Fee))),
				f("", st.Muted.Render("= "+view.Amount(total)+" from your balance, first;")),
				f("", st.Muted.Render("the write waits for a root block to hold it")))
		}
	}
	return review{title: "Write this value?", rows: rows, yes: "write", no: "back to the form"}
}

// refusalView says which keyspace refused the write and why, in the
// script's own words, and what to do.
func (d *dataScreen) refusalView(r *putRefusal) string {
	st := d.s.st
	ks := r.keyspace
	if ks == "" {
		ks = "its keyspace"
	}
	var head, why, next string
	switch {
	case r.code == consensus.ErrNoKeyspace:
		head = "✗ Nobody owns the keyspace " + ks + " yet."
		next = "Buy it (esc, then K, then b), or write under public/."
	case strings.Contains(r.reason, "only its owner may write"):
		head = "✗ Only the owner of " + ks + " may write there."
		why = ks + " has no access script, so nobody else may write into it."
		next = "Write under public/ or into a keyspace of your own (esc, then K, lists yours)."
	default:
		head = "✗ The access script of " + ks + " refused this write:"
		why = r.reason
		next = "Change the key or the value and try again; esc, then K, then o " + ks + " shows the script."
	}
	w := max(20, d.width-6)
	out := []string{"  " + st.Bad.Render(head)}
	if why != "" {
		for _, l := range strings.Split(ansi.Wrap(why, w, ""), "\n") {
			out = append(out, "    "+st.Strong.Render(l))
		}
	}
	for _, l := range strings.Split(ansi.Wrap(next, w, ""), "\n") {
		out = append(out, "  "+st.Muted.Render(l))
	}
	return strings.Join(out, "\n")
}

// depthView draws the depth field: the depth and the chain the key goes to.
func (d *dataScreen) depthView() string {
	st := d.s.st
	n := st.Value.Render(fmt.Sprint(d.putDepth)) + st.Muted.Render(" ·")
	if d.put.focus == putFieldDepth && d.mode == dmPut && !d.flow.active() {
		n = st.Selected.Render(fmt.Sprintf("‹ %d ›", d.putDepth))
	}
	if d.putDepth == 0 {
		return n + st.Muted.Render(" the root chain / · paid from your balance")
	}
	id := d.putChain()
	where := "chain " + id.String()
	if strings.TrimSpace(d.putKey.Value()) == "" {
		where = "the chain of the key's first " + view.Count(d.putDepth, "bit", "bits")
	}
	return n + st.Muted.Render(" "+where+" · blocks every "+view.Duration(d.s.params.IntervalAt(uint8(d.putDepth)))+
		" · paid from write credit")
}
