package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// fundedMsg says a bounty funded from the price table was submitted.
type fundedMsg struct{ bounty wire.Hash }

// exampleRequest is the placeholder of the request box.
const exampleRequest = `("photo filters/black and white")("erik/photos/3j903")`

// marketRequest is the request section: a box to type a request
// expression, its quote, and its price table, read again (one call at a
// time) whenever an offer for it arrives; enter on a row funds it through
// the planner and the review-and-sign flow. With no quote it lists the
// live requests this node has seen; enter on one quotes it here.
type marketRequest struct {
	s             *common
	width, height int

	input    textinput.Model
	quoting  reqID // the Quote out
	quote    *market.Quote
	quoteErr error

	table                 *market.Table
	tableErr              error
	tableBusy, tableStale bool
	rows                  cursorList

	requests []market.RequestInfo
	live     cursorList

	flow    *signFlow
	fundRow market.Row // the row the flow funds
	fundIdx int
	fundDL  uint64 // its deadline
	// funded are the bounties funded here: their results open by
	// themselves; last is the latest, whose progress shows under the
	// table.
	funded map[wire.Hash]bool
	last   wire.Hash
	// private is the form's checkbox: enter on a row settles it through
	// the next tumbler round instead of funding a bounty.
	private  bool
	privates map[wire.Hash]bool // private settlements started here
}

// privateStartedMsg says a private settlement started (or why not).
type privateStartedMsg struct {
	job *market.PrivateJob
	err error
}

func newMarketRequest(s *common) *marketRequest {
	r := &marketRequest{s: s, flow: newSignFlow(s), funded: map[wire.Hash]bool{}, privates: map[wire.Hash]bool{}}
	r.input = newInput(s.st, "", exampleRequest, 60)
	r.input.CharLimit = 1024
	return r
}

func (r *marketRequest) restyle() { r.input.SetStyles(r.s.st.Input) }

func (r *marketRequest) SetSize(w, h int) {
	r.width, r.height = w, h
	r.input.SetWidth(max(20, w-14))
}

func (r *marketRequest) capturing() bool { return r.input.Focused() }

func (r *marketRequest) holding() bool { return r.input.Focused() || r.flow.active() }

// Activate reads the table again (offers may have come while away).
func (r *marketRequest) Activate() tea.Cmd {
	if r.quote != nil {
		return r.fetchTable()
	}
	return nil
}

func (r *marketRequest) ShortHelp() []key.Binding {
	k := r.s.keys
	switch {
	case r.flow.active():
		return r.flow.ShortHelp()
	case r.input.Focused():
		return []key.Binding{relabel(k.Submit, "quote"), k.Cancel}
	case r.quote != nil:
		if r.private {
			return []key.Binding{relabel(k.Fund, "settle privately"), relabel(k.Private, "bounty instead"), k.Move, relabel(k.Cancel, "drop")}
		}
		return []key.Binding{k.Fund, k.Private, k.Move, relabel(k.Cancel, "drop")}
	case len(r.requests) > 0:
		return []key.Binding{relabel(k.Open, "quote it"), k.Move}
	}
	return nil
}

// focus puts the cursor in the request box.
func (r *marketRequest) focus() tea.Cmd {
	if r.flow.active() {
		return nil
	}
	r.input.CursorEnd()
	return r.input.Focus()
}

func (r *marketRequest) setRequests(l []market.RequestInfo) {
	r.requests = l
	r.live.clamp(len(l))
}

func (r *marketRequest) fetchTable() tea.Cmd {
	if r.quote == nil {
		return nil
	}
	if r.tableBusy {
		r.tableStale = true
		return nil
	}
	r.tableBusy = true
	return tableCmd(r.s.ctx, r.s.market, r.quote.Request)
}

// offer is an offer for request: the table is read again if it is ours.
func (r *marketRequest) offer(request wire.Hash) tea.Cmd {
	if r.quote == nil || r.quote.Request != request {
		return nil
	}
	return r.fetchTable()
}

func (r *marketRequest) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case quoteMsg:
		if msg.id != r.quoting {
			return nil
		}
		r.quoting = 0
		if msg.err != nil {
			r.quoteErr = msg.err
			return r.focus()
		}
		r.quote, r.quoteErr, r.table, r.tableErr, r.rows = msg.quote, nil, nil, nil, cursorList{}
		r.input.SetValue(msg.quote.Expr)
		r.input.Blur()
		return r.fetchTable()
	case tableMsg:
		r.tableBusy = false
		if r.quote != nil && msg.request == r.quote.Request {
			if msg.err != nil {
				r.tableErr = msg.err
			} else {
				r.table, r.tableErr = msg.table, nil
				r.rows.clamp(len(msg.table.Rows))
			}
		}
		if r.tableStale {
			r.tableStale = false
			return r.fetchTable()
		}
	case preparedMsg, submittedMsg, txConfirmedMsg:
		return r.flowDone(r.flow.Update(msg))
	case privateStartedMsg:
		if msg.err != nil {
			r.s.log.Warn("private settlement", "err", msg.err)
			r.s.fail("The private settlement did not start: " + sentence(msg.err))
			return nil
		}
		r.privates[msg.job.ID] = true // its ID is known once the worker gave its address
		r.s.log.Info("private settlement", "request", msg.job.Request, "price", msg.job.Price)
		r.s.info("Settling privately: waiting for a tumbler round; the result shows here when the tumble paid the worker.")
	}
	return nil
}

func (r *marketRequest) key(msg tea.KeyPressMsg) tea.Cmd {
	k := r.s.keys
	if r.flow.active() {
		return r.flowDone(r.flow.Key(msg))
	}
	if r.input.Focused() {
		switch {
		case key.Matches(msg, k.Submit):
			return r.submit(r.input.Value())
		case key.Matches(msg, k.Cancel):
			r.input.Blur()
			if r.quote != nil {
				r.input.SetValue(r.quote.Expr)
			}
			return nil
		}
		var cmd tea.Cmd
		r.input, cmd = r.input.Update(msg)
		r.quoteErr = nil
		return cmd
	}
	if r.quote != nil {
		n := 0
		if r.table != nil {
			n = len(r.table.Rows)
		}
		if r.rows.key(k, msg, n, r.tableRows(), listJump) {
			return nil
		}
		switch {
		case key.Matches(msg, k.Private):
			r.private = !r.private
			return nil
		case key.Matches(msg, k.Fund) && r.private:
			return r.settlePrivately()
		case key.Matches(msg, k.Fund):
			return r.fund()
		case key.Matches(msg, k.Cancel):
			r.quote, r.table, r.tableErr = nil, nil, nil
			r.input.Reset()
			return nil
		}
		return nil
	}
	if r.live.key(k, msg, len(r.requests), r.tableRows(), listJump) {
		return nil
	}
	if key.Matches(msg, k.Open) && r.live.cursor < len(r.requests) {
		expr := r.requests[r.live.cursor].Expr
		r.input.SetValue(expr)
		return r.submit(expr)
	}
	return nil
}

// submit quotes expr.
func (r *marketRequest) submit(expr string) tea.Cmd {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		r.quoteErr = fmt.Errorf("type a request, such as %s: a transform applied to a key", exampleRequest)
		return nil
	}
	r.quoting, r.quoteErr = r.s.newID(), nil
	return quoteCmd(r.s.ctx, r.s.market, r.quoting, expr)
}

// fund starts funding the selected row: the planner plans the bounty,
// the wallet signs it, the review shows it.
func (r *marketRequest) fund() tea.Cmd {
	if r.table == nil || r.rows.cursor >= len(r.table.Rows) {
		return nil
	}
	row := r.table.Rows[r.rows.cursor]
	if row.NeedsRelays {
		r.s.fail("This row needs relays (it has hops) that the network cannot draw: too few are registered. Fund a row with fewer hops.")
		return nil
	}
	if r.s.wallet == nil || len(r.s.accounts) == 0 {
		r.s.fail("Open a wallet first: a bounty is paid from your account.")
		return nil
	}
	height, ok := r.s.tipHeight()
	if !ok {
		r.s.fail("Waiting for the node's height to set the deadline: try again in a moment.")
		return nil
	}
	acct := r.s.accounts[0]
	hw, name := r.s.wallet, acct.Name
	r.fundRow, r.fundIdx, r.fundDL = row, r.rows.cursor, bountyDeadline(r.s.params, height)
	ctx, api, params, from, request := r.s.ctx, r.s.api, r.s.params, acct.PubKey, r.quote.Request
	idx, hops, dl := uint8(r.fundIdx), uint8(row.Hops), r.fundDL
	r.s.info("Planning the bounty…")
	return r.flow.start(func(id reqID) tea.Cmd {
		return fundCmd(ctx, api, params, id, from, request, idx, hops, row.Price, dl, row.Worker,
			func(tx *wire.Tx) error { return hw.Sign(name, tx) })
	})
}

// settlePrivately starts a private settlement of the selected row: no
// bounty, one denomination through the next tumbler round, paid from the
// first account (its key goes to the node's market, as for a tumble).
func (r *marketRequest) settlePrivately() tea.Cmd {
	if r.table == nil || r.rows.cursor >= len(r.table.Rows) {
		return nil
	}
	row := r.table.Rows[r.rows.cursor]
	switch {
	case row.Hops != 0 || row.NeedsRelays:
		r.s.fail("A private settlement pays one worker: choose a row with 0 hops.")
		return nil
	case r.s.isMine(wire.EncodeAddress(r.s.net, row.Worker)):
		r.s.fail("This node serves that row itself: a private settlement pays another node's worker.")
		return nil
	case r.s.wallet == nil || len(r.s.accounts) == 0:
		r.s.fail("Open a wallet first: the tumbler input is paid from your account.")
		return nil
	}
	k, err := r.s.wallet.Key(r.s.accounts[0].Name)
	if err != nil {
		r.s.fail("The account's key cannot be read: " + sentence(err))
		return nil
	}
	ctx, m, o := r.s.ctx, r.s.market, market.PrivateOptions{Request: r.quote.Request, Worker: row.Worker, Secret: k.Bytes()}
	r.s.info("Starting the private settlement…")
	return func() tea.Msg {
		j, err := m.Private(ctx, o)
		return privateStartedMsg{job: j, err: err}
	}
}

// privateProgress is the sentence for a private settlement's step.
func privateProgress(state string) string {
	switch strings.TrimPrefix(state, "private-") {
	case market.PrivRegistered:
		return "Settling privately: registered in a tumbler round, paying the worker's fresh address."
	case market.PrivHanded:
		return "Settling privately: the output token is handed to the worker."
	case market.PrivHash:
		return "Settling privately: the worker's signed result hash is in; co-signing the tumble."
	case market.PrivSigned:
		return "Settling privately: signed; waiting for the tumble to confirm."
	case market.PrivConfirmed:
		return "Settling privately: the tumble is confirmed; waiting for the result."
	case market.PrivFailed:
		return "The private settlement failed: see `bitverse request --private` or the node's log."
	}
	return ""
}

// flowDone acts on what the funding flow reports.
func (r *marketRequest) flowDone(cmd tea.Cmd, res flowResult) tea.Cmd {
	switch res.outcome {
	case outcomePrepared:
		r.s.info("") // the review shows the plan
	case outcomeFailed:
		r.s.log.Warn("prepare bounty", "err", res.err)
		r.s.fail("The bounty cannot be funded: " + sentence(res.err))
	case outcomeRefused:
		r.s.log.Warn("submit bounty", "err", res.err)
		r.s.fail(refusedSentence("the bounty", res.err))
	case outcomeDone:
		id := res.ids[len(res.ids)-1]
		r.funded[id], r.last = true, id
		r.s.log.Info("bounty", "id", id, "amount", r.fundRow.Price)
		r.s.info(fmt.Sprintf("Bounty %s funded: the worker has until block #%s; its result shows here when it arrives.",
			view.Short(id.String(), 12), view.Int(r.fundDL)))
		return func() tea.Msg { return fundedMsg{bounty: id} }
	}
	return cmd
}

func (r *marketRequest) tableRows() int { return max(1, r.height-8) }

// View draws the section; progress is a line about the last bounty
// funded here ("" if none).
func (r *marketRequest) View(progress string) string {
	if r.flow.shown() {
		return r.flow.View(r.review(), r.width, r.height)
	}
	st := r.s.st
	lines := []string{" " + st.Label.Render(view.PadRight("request", 10)) + r.input.View()}
	switch {
	case r.quoteErr != nil:
		lines = append(lines, fieldErrorAt(st, sentence(r.quoteErr), r.width, 11))
	case r.quoting != 0:
		lines = append(lines, strings.Repeat(" ", 11)+st.Muted.Render("quoting…"))
	case r.quote != nil:
		offers := 0
		if r.table != nil {
			offers = r.table.Offers
		}
		lines = append(lines, strings.Repeat(" ", 11)+st.Muted.Render(view.Truncate(fmt.Sprintf("id %s · %s · %s",
			view.Short(r.quote.Request.String(), 12), view.Count(offers, "offer", "offers"), r.expires(r.quote.Expires)), r.width-12)))
	case r.input.Focused():
		lines = append(lines, strings.Repeat(" ", 11)+st.Muted.Render(view.Truncate("enter asks the network for offers: a transform applied to a key", r.width-12)))
	default:
		lines = append(lines, strings.Repeat(" ", 11)+st.Muted.Render("r types a request"))
	}
	lines = append(lines, "")
	if r.quote != nil {
		lines = append(lines, r.tableView()...)
		if progress != "" {
			lines = append(lines, "", " "+view.Truncate(progress, r.width-2))
		}
		return strings.Join(lines, "\n")
	}
	return strings.Join(append(lines, r.liveView()...), "\n")
}

// expires says how long a request lives on.
func (r *marketRequest) expires(unix int64) string {
	left := time.Unix(unix, 0).Sub(r.s.now)
	if left <= 0 {
		return "expired"
	}
	return "expires in " + view.Duration(left)
}

// Table columns.
func (r *marketRequest) tableHeader() string {
	return fmt.Sprintf("  %3s  %11s  %4s  %8s  %14s  %s", "#", "reliability", "hops", "latency", "price", "worker")
}

func (r *marketRequest) tableView() []string {
	st := r.s.st
	var lines []string
	switch {
	case r.tableErr != nil:
		return append(lines, "  "+st.Bad.Render(view.Truncate(sentence(r.tableErr), r.width-4)))
	case r.table == nil:
		return append(lines, "  "+st.Muted.Render("reading the price table…"))
	}
	lines = append(lines, st.Column.Render(view.PadRight(r.tableHeader(), r.width)))
	if len(r.table.Rows) == 0 {
		return append(lines, "", "  "+st.Muted.Render(view.Truncate("Waiting for offers: the table fills as serving nodes answer (S serves from this node).", r.width-4)))
	}
	first, end := r.rows.window(len(r.table.Rows), r.tableRows())
	for i := first; i < end; i++ {
		row := r.table.Rows[i]
		worker := view.ShortAddr(wire.EncodeAddress(r.s.net, row.Worker), max(12, r.width-60))
		if r.s.isMine(wire.EncodeAddress(r.s.net, row.Worker)) {
			worker = "you"
		}
		line := fmt.Sprintf("  %3d  %11s  %4d  %8s  %14s  %s", i, fmt.Sprintf("%.1f%%", row.Reliability*100), row.Hops,
			latency(row.LatencyMS), view.Amount(row.Price), worker)
		if row.NeedsRelays {
			line = fmt.Sprintf("  %3d  %11s  %4d  %8s  %14s  %s", i, fmt.Sprintf("%.1f%%", row.Reliability*100), row.Hops,
				latency(row.LatencyMS), view.Amount(row.Price), "needs relays")
			if i != r.rows.cursor {
				lines = append(lines, st.Subtle.Render(view.Truncate(line, r.width)))
				continue
			}
		}
		lines = append(lines, rowLine(st, line, i == r.rows.cursor, r.width))
	}
	if r.private {
		lines = append(lines, "", "  "+st.Muted.Render(view.Truncate("enter pays via the next tumble: no bounty, no link on chain, no reputation", r.width-4)))
	} else {
		lines = append(lines, "", "  "+st.Muted.Render(view.Truncate(fmt.Sprintf("enter funds a row: its price is held until you settle (%d blocks to deliver)", bountyBlocks), r.width-4)))
	}
	box := "[ ]"
	if r.private {
		box = "[x]"
	}
	return append(lines, "  "+view.Truncate(box+" settle privately (through the tumbler)", r.width-4)+st.Muted.Render(view.Truncate(" · p", max(0, r.width-46))))
}

// latency formats an offer's estimated latency.
func latency(ms int64) string {
	if ms < 1000 {
		return fmt.Sprintf("%d ms", ms)
	}
	return fmt.Sprintf("%.1f s", float64(ms)/1000)
}

func (r *marketRequest) liveView() []string {
	st := r.s.st
	lines := []string{" " + st.Title.Render("Live requests") + st.Muted.Render(" seen on the network")}
	if len(r.requests) == 0 {
		return append(lines, "  "+st.Muted.Render("None yet. Type one (r), or wait for other nodes' requests."))
	}
	first, end := r.live.window(len(r.requests), r.tableRows())
	for i := first; i < end; i++ {
		q := r.requests[i]
		who := ""
		if q.Mine {
			who = " · yours"
		}
		tail := fmt.Sprintf("  %s%s · %s", view.Count(q.Offers, "offer", "offers"), who, r.expires(q.Expires))
		exprW := max(10, r.width-4-len([]rune(tail)))
		lines = append(lines, rowLine(st, "  "+view.PadRight(q.Expr, exprW)+tail, i == r.live.cursor, r.width))
	}
	return lines
}

// review is the bounty's last look before anything is sent.
func (r *marketRequest) review() review {
	st := r.s.st
	tx := r.flow.plan.main()
	row := r.fundRow
	total, _ := wire.AddAmounts(row.Price, tx.Fee)
	height, _ := r.s.tipHeight()
	worker := wire.EncodeAddress(r.s.net, row.Worker)
	if r.s.isMine(worker) {
		worker = "you (this node serves it)"
	} else {
		worker = view.ShortAddr(worker, 40)
	}
	f := func(label, value string) string { return field(st, label, value) }
	expr := ""
	if r.quote != nil {
		expr = r.quote.Expr
	}
	return review{
		title: "Fund this bounty?",
		rows: []string{
			f("request", st.Strong.Render(view.Truncate(expr, 50))),
			f("row", st.Value.Render(fmt.Sprintf("#%d · %.1f%% reliable · %d hops · ~%s", r.fundIdx, row.Reliability*100, row.Hops, latency(row.LatencyMS)))),
			f("worker", st.Value.Render(worker)),
			f("amount", st.Strong.Render(view.Amount(row.Price))+st.Muted.Render(" escrowed until you settle")),
			f("deadline", st.Value.Render("block #"+view.Int(r.fundDL))+st.Muted.Render(fmt.Sprintf(" (in %d blocks; refunded if no result)", r.fundDL-min(height, r.fundDL)))),
			f("fee", st.Value.Render(view.Amount(tx.Fee))),
			f("total", st.Strong.Render(view.Amount(total))),
			f("paid by", st.Value.Render(r.s.accounts[0].Name)),
		},
		yes: "fund", no: "back to the table",
	}
}
