package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// closedMsg says a settle or dispute was submitted.
type closedMsg struct{ bounty wire.Hash }

// marketMine is "my bounties and jobs": the bounties the wallet's first
// account funded or works on, newest first, with their state and a
// countdown in blocks (to the deadline, or to the end of the settle
// window); s settles and d disputes the selected one through the
// planner and the review-and-sign flow.
type marketMine struct {
	s             *common
	width, height int

	list        []bountyInfo
	listErr     error
	loaded      bool
	req         reqID // the list out
	busy, stale bool
	sel         cursorList

	relayed []wire.Hash // the relay jobs the list was asked with

	flow    *signFlow
	closing bountyInfo // what the flow settles or disputes
	dispute bool
}

func newMarketMine(s *common) *marketMine { return &marketMine{s: s, flow: newSignFlow(s)} }

func (v *marketMine) SetSize(w, h int) { v.width, v.height = w, h }

func (v *marketMine) ShortHelp() []key.Binding {
	k := v.s.keys
	if v.flow.active() {
		return v.flow.ShortHelp()
	}
	return []key.Binding{relabel(k.Open, "result"), k.Settle, k.Dispute, k.Move}
}

func (v *marketMine) fetch() tea.Cmd {
	addr := v.s.mineTo()
	if addr == "" {
		return nil
	}
	if v.busy {
		v.stale = true
		return nil
	}
	v.busy, v.req, v.relayed = true, v.s.newID(), relayBounties(v.s.relay)
	return mineBountiesCmd(v.s.ctx, v.s.api, v.req, bountyFilter{Party: addr, Limit: marketListLimit}, v.relayed)
}

func (v *marketMine) selected() (bountyInfo, bool) {
	if v.sel.cursor < len(v.list) {
		return v.list[v.sel.cursor], true
	}
	return bountyInfo{}, false
}

func (v *marketMine) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case bountiesMsg:
		if msg.id != v.req {
			return nil
		}
		v.busy = false
		if msg.err != nil {
			v.listErr = msg.err
		} else {
			v.list, v.listErr, v.loaded = msg.list, nil, true
			v.sel.clamp(len(v.list))
		}
		if v.stale {
			v.stale = false
			return v.fetch()
		}
	case relayStatusMsg:
		// a relay job the list lacks: read it again
		if v.loaded && !slices.Equal(relayBounties(v.s.relay), v.relayed) {
			return v.fetch()
		}
	case preparedMsg, submittedMsg, txConfirmedMsg:
		return v.flowDone(v.flow.Update(msg))
	}
	return nil
}

func (v *marketMine) key(msg tea.KeyPressMsg) tea.Cmd {
	k := v.s.keys
	if v.flow.active() {
		return v.flowDone(v.flow.Key(msg))
	}
	if v.sel.key(k, msg, len(v.list), v.rows(), listJump) {
		return nil
	}
	b, ok := v.selected()
	if !ok {
		return nil
	}
	switch {
	case key.Matches(msg, k.Settle):
		return v.startClose(b.ID, false)
	case key.Matches(msg, k.Dispute):
		return v.startClose(b.ID, true)
	}
	return nil
}

// find is the listed bounty id.
func (v *marketMine) find(id wire.Hash) (bountyInfo, bool) {
	for _, b := range v.list {
		if b.ID == id {
			return b, true
		}
	}
	return bountyInfo{}, false
}

// startClose settles (or disputes) bounty, after checking here what can
// be: who may, and when. The planner checks again against the node.
func (v *marketMine) startClose(id wire.Hash, dispute bool) tea.Cmd {
	if v.s.wallet == nil || len(v.s.accounts) == 0 {
		v.s.fail("Open a wallet first: a settlement is signed by your account.")
		return nil
	}
	b, ok := v.find(id)
	if !ok {
		v.s.fail("This bounty is not in your list yet: wait for a block to hold it, then try again.")
		return nil
	}
	if problem := closeProblem(b, v.s, dispute); problem != "" {
		v.s.fail(problem)
		return nil
	}
	signer := b.Requester
	if !v.s.isMine(signer) {
		signer = b.Worker
	}
	acct, ok := v.s.account(signer)
	if !ok {
		v.s.fail("None of your accounts is a party to this bounty.")
		return nil
	}
	v.closing, v.dispute = b, dispute
	if dispute {
		v.s.info("Planning the dispute…")
	} else {
		v.s.info("Planning the settlement…")
	}
	hw, name := v.s.wallet, acct.Name
	ctx, api, params, from := v.s.ctx, v.s.api, v.s.params, acct.PubKey
	return v.flow.start(func(id reqID) tea.Cmd {
		return closeCmd(ctx, api, params, id, from, b.ID, dispute, func(tx *wire.Tx) error { return hw.Sign(name, tx) })
	})
}

// closeProblem says why b cannot be settled (or disputed) by this wallet
// now, or "" if it can.
func closeProblem(b bountyInfo, s *common, dispute bool) string {
	tip, _ := s.tipHeight()
	height := tip + 1 // the block a settlement sent now goes into
	requester, worker := s.isMine(b.Requester), s.isMine(b.Worker)
	if b.State != bountyCommitted {
		return fmt.Sprintf("This bounty is %s: only a committed result can be settled or disputed.", b.State)
	}
	if dispute {
		switch {
		case !requester:
			return "Only the requester can dispute a result."
		case height >= b.SettleAfter:
			return "The settle window is over: the result can no longer be disputed."
		}
		return ""
	}
	switch {
	case requester:
		return ""
	case worker && height < b.SettleAfter:
		return fmt.Sprintf("The requester may still dispute: you may settle from block #%s (in %s).",
			view.Int(b.SettleAfter), view.Count(b.SettleAfter-tip, "block", "blocks"))
	case worker:
		return ""
	}
	return "None of your accounts is a party to this bounty."
}

func (v *marketMine) flowDone(cmd tea.Cmd, r flowResult) tea.Cmd {
	what := "settlement"
	if v.dispute {
		what = "dispute"
	}
	switch r.outcome {
	case outcomePrepared:
		v.s.info("") // the review shows the plan
	case outcomeFailed:
		v.s.log.Warn("prepare "+what, "err", r.err)
		v.s.fail("The " + what + " cannot be made: " + sentence(r.err))
	case outcomeRefused:
		v.s.log.Warn("submit "+what, "err", r.err)
		v.s.fail(refusedSentence("the "+what, r.err))
	case outcomeDone:
		id := v.closing.ID
		if v.dispute {
			v.s.info("Dispute sent for bounty " + view.Short(id.String(), 12) + ": the worker's stake goes back to it, the amount is burned.")
		} else {
			v.s.info("Settlement sent for bounty " + view.Short(id.String(), 12) + ": the worker is paid once a block holds it.")
		}
		return tea.Batch(v.fetch(), func() tea.Msg { return closedMsg{bounty: id} })
	}
	return cmd
}

// rows is how many bounties the list shows: what the selected one's
// details leave.
func (v *marketMine) rows() int { return max(1, v.height-3-len(v.details())) }

// details are the lines under the list about the selected bounty: one,
// and its lineup when it has hops.
func (v *marketMine) details() []string {
	b, ok := v.selected()
	if !ok {
		return nil
	}
	out := []string{" " + v.s.st.Muted.Render(view.Truncate(v.detail(b), v.width-2))}
	if b.Hops > 0 {
		out = append(out, lineupView(v.s, b, v.width, max(2, v.height/3))...)
	}
	return out
}

// role says what the wallet is to b.
func role(s *common, b bountyInfo) string {
	r, w := s.isMine(b.Requester), s.isMine(b.Worker)
	switch {
	case r && w:
		return "both"
	case r:
		return "request"
	case w:
		return "job"
	}
	for _, a := range s.accounts {
		if relays(b, a.Address) {
			return "relay"
		}
	}
	return "–"
}

// countdown says what b waits for, in blocks from height.
func countdown(s *common, b bountyInfo, height uint64) string {
	left := func(to uint64) string {
		if to <= height {
			return "now"
		}
		return "in " + view.Count(to-height, "block", "blocks")
	}
	if b.State == bountyCommitted || b.State == bountyAccepted {
		if sl, ok := mySlot(s, b); ok {
			return fmt.Sprintf("your slot %d of %d: %s", sl.Slot+1, b.Hops, sl.State)
		}
	}
	switch b.State {
	case bountyOpen, bountyAccepted:
		if height >= b.Deadline {
			return "past its deadline: refundable"
		}
		return "deadline " + left(b.Deadline)
	case bountyCommitted:
		// A dispute must land below SettleAfter: in one of the blocks
		// from the next one up to SettleAfter-1.
		if height+1 >= b.SettleAfter {
			return "window over: the worker may settle"
		}
		if s.isMine(b.Requester) {
			return "dispute window: " + view.Count(b.SettleAfter-height-1, "block", "blocks")
		}
		return "you may settle " + left(b.SettleAfter-1)
	}
	if b.Closed > 0 {
		return "closed at #" + view.Int(b.Closed)
	}
	return ""
}

func (v *marketMine) View() string {
	if v.flow.shown() {
		return v.flow.View(v.review(), v.width, v.height)
	}
	st := v.s.st
	height, _ := v.s.tipHeight()
	var lines []string
	switch {
	case v.s.mineTo() == "":
		return " " + st.Muted.Render("Open a wallet to see your bounties.")
	case v.listErr != nil:
		return " " + st.Bad.Render(view.Truncate(sentence(v.listErr), v.width-2))
	case !v.loaded:
		return " " + st.Muted.Render("loading…")
	case len(v.list) == 0:
		return " " + st.Muted.Render(view.Truncate("No bounties yet: fund a row of a price table (r), or accept an open bounty (o).", v.width-2))
	}
	lines = append(lines, st.Column.Render(view.PadRight(fmt.Sprintf("  %-9s  %-7s  %-9s  %12s  %s", "bounty", "role", "state", "amount", "when"), v.width)))
	first, end := v.sel.window(len(v.list), v.rows())
	for i := first; i < end; i++ {
		b := v.list[i]
		line := fmt.Sprintf("  %-9s  %-7s  %-9s  %12s  %s", view.Short(b.ID.String(), 8), role(v.s, b), b.State,
			view.Amount(b.Amount), countdown(v.s, b, height))
		lines = append(lines, rowLine(st, line, i == v.sel.cursor, v.width))
	}
	if d := v.details(); len(d) > 0 {
		lines = append(append(lines, ""), d...)
	}
	return strings.Join(lines, "\n")
}

// detail is a line about the selected bounty.
func (v *marketMine) detail(b bountyInfo) string {
	parts := []string{"request " + view.Short(b.Request.String(), 12), fmt.Sprintf("row %d", b.Row)}
	if b.Hops > 0 {
		parts[1] += fmt.Sprintf(" (%s)", view.Count(int(b.Hops), "hop", "hops"))
	}
	if b.Worker != "" {
		parts = append(parts, "worker "+view.ShortAddr(b.Worker, 20))
	}
	if b.Stake > 0 {
		parts = append(parts, "stake "+view.Amount(b.Stake))
	}
	if b.Committed > 0 {
		parts = append(parts, "committed #"+view.Int(b.Committed))
	}
	return strings.Join(parts, " · ")
}

// review is a settlement's or a dispute's last look.
func (v *marketMine) review() review {
	st := v.s.st
	b := v.closing
	tx := v.flow.plan.main()
	f := func(label, value string) string { return field(st, label, value) }
	rows := []string{
		f("bounty", st.Strong.Render(view.Short(b.ID.String(), 16))),
		f("worker", st.Value.Render(view.ShortAddr(b.Worker, 40))),
		f("amount", st.Value.Render(view.Amount(b.Amount))),
	}
	if v.dispute {
		rows = append(rows,
			f("outcome", st.Warn.Render("the amount is burned: nobody receives it")),
			f("", st.Muted.Render("the worker's stake goes back; its record counts a dispute")),
			f("fee", st.Value.Render(view.Amount(tx.Fee))))
		return review{title: "Dispute this result?", rows: rows, yes: "dispute", no: "back"}
	}
	rows = append(rows,
		f("outcome", st.Good.Render("the worker is paid "+view.Amount(b.Amount))+st.Muted.Render(" and gets its stake back")),
		f("fee", st.Value.Render(view.Amount(tx.Fee))))
	return review{title: "Settle this bounty?", rows: rows, yes: "settle", no: "back"}
}
