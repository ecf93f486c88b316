package tui

import (
	"fmt"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// Buying a keyspace: the form (the name is checked here, then on the node),
// then the review-and-sign flow.

// buyDone acts on what the purchase's review-and-sign flow reports.
func (v *keyspacesView) buyDone(cmd tea.Cmd, r flowResult) tea.Cmd {
	switch r.outcome {
	case outcomePrepared:
		v.preparedScript = r.prep.script
	case outcomeFailed:
		v.s.log.Warn("prepare keyspace buy", "err", r.err)
		v.buyErr = sentence(r.err)
		if _, _, _, ok := refusal(r.err); ok {
			v.buyErr = refusedSentence("the purchase", r.err)
		}
		if r.prep.onScript {
			return v.focusField(1)
		}
		return v.focusField(v.buy.focus)
	case outcomeBack:
		return v.focusField(1)
	case outcomeRefused:
		name := r.plan.main().Body.(wire.KeyspaceBuy).Name
		v.s.log.Warn("submit keyspace buy", "name", name, "err", r.err)
		v.buyErr = refusedSentence("the purchase of "+name, r.err)
		return v.focusField(0)
	case outcomeDone:
		name := r.plan.main().Body.(wire.KeyspaceBuy).Name
		id := r.ids[len(r.ids)-1]
		v.s.log.Info("keyspace buy", "name", name, "tx", id)
		v.s.info("Bought " + name + ": it is yours once a block includes it (tx " + view.Short(id.String(), 12) + ").")
		v.resetBuy()
		v.mode = ksList
		return v.fetch()
	}
	return cmd
}

func (v *keyspacesView) resetBuy() {
	v.buyName.Reset()
	v.buyScript.Reset()
	v.buyName.Blur()
	v.buyScript.Blur()
	v.buyFlow.reset()
	v.checked, v.checking, v.checkReq, v.buyErr, v.preparedScript = nil, "", 0, "", nil
}

func (v *keyspacesView) focusField(i int) tea.Cmd {
	return v.buy.focusOn(i)
}

func (v *keyspacesView) startBuy(name string) tea.Cmd {
	if v.s.wallet == nil || len(v.s.accounts) == 0 {
		v.s.fail("Open a wallet first: a keyspace is bought by your account.")
		return nil
	}
	v.resetBuy()
	v.mode = ksBuy
	v.buyName.SetValue(name)
	v.buyName.CursorEnd()
	return v.focusField(0)
}

func (v *keyspacesView) buyKey(msg tea.KeyPressMsg) tea.Cmd {
	k := v.s.keys
	if v.buyFlow.active() {
		return v.buyDone(v.buyFlow.Key(msg))
	}
	switch {
	case key.Matches(msg, k.Cancel):
		v.buy.blur()
		v.mode = ksList
		return nil
	case key.Matches(msg, k.Submit):
		return v.submitBuy()
	case key.Matches(msg, k.NextField), key.Matches(msg, k.PrevField):
		return v.buy.next()
	}
	cmd, _ := v.buy.update(msg)
	if v.checked != nil && v.checked.Name != strings.TrimSpace(v.buyName.Value()) {
		v.checked = nil
	}
	v.buyErr = ""
	return cmd
}

// nameProblem says what is wrong with a keyspace name.
func nameProblem(name string, err error) string {
	if name == "" {
		return "Enter the name of a keyspace, such as erik (or erik/blog for a sub-keyspace)."
	}
	if name == wire.PublicKeyspace || strings.HasPrefix(name, wire.PublicKeyspace+"/") {
		return "public is open to everyone: nobody can own it or anything under it."
	}
	why := err.Error()
	if i := strings.LastIndex(why, wire.ErrMalformed.Error()+": "); i >= 0 {
		why = why[i+len(wire.ErrMalformed.Error())+2:]
	}
	return "Not a keyspace name: " + why + ". A name is one or more segments of a key, such as erik or erik/blog."
}

// submitBuy moves the form on: the name is checked here, then looked up
// on the node; once it is known to be free, enter reads the script file
// and has the purchase signed, and the confirmation shows it.
func (v *keyspacesView) submitBuy() tea.Cmd {
	name := strings.TrimSpace(v.buyName.Value())
	if err := wire.ValidKeyspaceName(name); err != nil {
		v.buyErr = nameProblem(name, err)
		return v.focusField(0)
	}
	if v.checked == nil || v.checked.Name != name {
		if v.checking == name {
			return nil
		}
		v.checking, v.checkReq, v.buyErr = name, v.s.newID(), ""
		return keyspaceCmd(v.s.ctx, v.s.api, v.checkReq, name)
	}
	if v.checked.Exists {
		v.buyErr = fmt.Sprintf("%s is taken: it belongs to %s. Try another name.", name, v.who(v.checked.Owner))
		return v.focusField(0)
	}
	if v.buy.focus == 0 {
		return v.focusField(1)
	}
	acct := v.s.accounts[0]
	path := strings.TrimSpace(v.buyScript.Value())
	v.buyName.Blur()
	v.buyScript.Blur()
	v.buyErr = ""
	hw, acctName, price := v.s.wallet, acct.Name, v.checked.Price
	ctx, api, params, from := v.s.ctx, v.s.api, v.s.params, acct.PubKey
	return v.buyFlow.start(func(id reqID) tea.Cmd {
		return prepareBuyCmd(ctx, api, params, id, from, name, price, path,
			func(tx *wire.Tx) error { return hw.Sign(acctName, tx) })
	})
}

func (v *keyspacesView) buyView() string {
	st := v.s.st
	acct := v.s.accounts[0]
	bal := v.s.balances[acct.Address]
	name := strings.TrimSpace(v.buyName.Value())
	lines := []string{" " + st.Title.Render("Buy a keyspace"), "", "  " + field(st, "name", v.buyName.View())}
	var info string
	switch {
	case v.checking != "" && v.checking == name:
		info = st.Muted.Render("looking " + name + " up…")
	case v.checked != nil && v.checked.Name == name && !v.checked.Exists:
		info = st.Good.Render("✓ free") + st.Muted.Render(" · costs ") + st.Strong.Render(view.Amount(v.checked.Price)) + st.Muted.Render(" (burned)")
		if v.checked.Parent != "" {
			info += st.Muted.Render(" · inside " + v.checked.Parent)
		}
	case v.checked != nil && v.checked.Name == name:
		owner := view.ShortAddr(v.checked.Owner, 24)
		if v.checked.Owner == v.s.mineTo() {
			owner = "you"
		}
		info = st.Bad.Render("✗ taken") + st.Muted.Render(" · owned by "+owner)
	case name != "" && wire.ValidKeyspaceName(name) == nil:
		info = st.Muted.Render("enter asks the node whether it is free, and its price")
	default:
		info = st.Muted.Render("8 bytes or more: 1 BVS; each byte shorter doubles it")
	}
	lines = append(lines, "  "+field(st, "", info), "", "  "+field(st, "script", v.buyScript.View()))
	lines = append(lines, "  "+field(st, "", st.Muted.Render("a file with an access.js; none: only you may write")))
	fee := minFee(v.s.params, wire.KeyspaceBuy{Name: name}, bal.NextNonce)
	lines = append(lines, "", "  "+field(st, "fee", st.Value.Render("from "+view.Amount(fee))+
		st.Muted.Render(fmt.Sprintf(" · paid by %s (%s spendable)", acct.Name, view.Amount(bal.Balance)))))
	if v.buyErr != "" {
		lines = append(lines, "", fieldError(st, v.buyErr, v.width))
	}
	lines = append(lines, "", formFooter(st, v.buyFlow.active(), "Reading the script and signing…",
		"enter checks the name, then shows the purchase before anything is sent"))
	return strings.Join(lines, "\n")
}

// buyReview is the purchase's last look before anything is sent.
func (v *keyspacesView) buyReview() review {
	st := v.s.st
	tx := v.buyFlow.plan.main()
	body := tx.Body.(wire.KeyspaceBuy)
	total, _ := wire.AddAmounts(body.MaxPrice, tx.Fee)
	scr := st.Value.Render("none") + st.Muted.Render(" · only you may write")
	if len(v.preparedScript) > 0 {
		scr = st.Value.Render(view.Truncate(filepath.Base(strings.TrimSpace(v.buyScript.Value())), 30)) +
			st.Muted.Render(" · "+view.Bytes(len(v.preparedScript)))
	}
	f := func(label, value string) string { return field(st, label, value) }
	return review{
		title: "Buy this keyspace?",
		rows: []string{
			f("name", st.Strong.Render(view.Truncate(body.Name, 40))),
			f("price", st.Value.Render(view.Amount(body.MaxPrice))+st.Muted.Render(" (burned: nobody receives it)")),
			f("fee", st.Value.Render(view.Amount(tx.Fee))),
			f("total", st.Strong.Render(view.Amount(total))),
			f("script", scr),
			f("paid by", st.Value.Render(v.s.accounts[0].Name)),
		},
		yes: "buy", no: "back to the form",
	}
}
