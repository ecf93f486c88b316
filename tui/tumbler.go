package tui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
	"github.com/bitverse/bitverse/tumbler"
)

// tumblerSection is the list the tumbler screen shows.
type tumblerSection int

const (
	tuRounds  tumblerSection = iota // open and recent rounds: enter joins one
	tuMine                          // my registrations: enter reviews the batch
	tuHistory                       // my finished tumbles
)

// tumblerConfirm is the question up, if any.
type tumblerConfirm int

const (
	tuAskNothing tumblerConfirm = iota
	tuAskJoin                   // join the selected round with the paying account
	tuAskSign                   // co-sign the reviewed batch
)

// tumblerScreen is the tumbler: the rounds this node knows, my
// registrations, a round's batch to review (every output, mine
// highlighted, the fee I pay and whether every check passed), co-signing
// it with one key after a confirmation that says what moves, the round's
// progress as the tumbler reports it, and my finished tumbles. It owns the
// subscription to the tumbler's events (one wait out at a time) and reads
// the lists one call at a time: an event while a read is out asks for one
// more read after it.
type tumblerScreen struct {
	s             *common
	width, height int
	active        bool
	section       tumblerSection

	rounds      []tumbler.RoundInfo
	regs, hist  []tumbler.Registration
	loaded      bool
	err         error
	busy, stale bool
	lists       [3]cursorList

	// The batch under review (showReview), and its read.
	showReview bool
	reviewOf   wire.Hash
	review     *tumbler.Review
	reviewErr  error
	reviewBusy bool

	confirm tumblerConfirm
	payFrom int  // the account a join pays from (index into s.accounts)
	acting  bool // a join or co-sign is out

	// progress: the last event of each round, as it arrives.
	progress map[wire.Hash]tumbler.Event
	events   <-chan tumbler.Event
}

func newTumbler(s *common) *tumblerScreen {
	return &tumblerScreen{s: s, progress: map[wire.Hash]tumbler.Event{}}
}

func (t *tumblerScreen) Title() string { return "Tumbler" }

func (t *tumblerScreen) SetSize(w, h int) { t.width, t.height = w, h }

func (t *tumblerScreen) Deactivate() { t.active = false }

func (t *tumblerScreen) Capturing() bool { return false }

// Dirty: a question up is not unsaved input.
func (t *tumblerScreen) Dirty() bool { return false }

// tumblerEventsMsg carries the tumbler's event channel.
type tumblerEventsMsg struct{ ch <-chan tumbler.Event }

// Init subscribes to the tumbler's events (in a command: Events is a call).
func (t *tumblerScreen) Init() tea.Cmd {
	api := t.s.tumbler
	if api == nil {
		return nil
	}
	return func() tea.Msg { return tumblerEventsMsg{ch: api.Events()} }
}

func (t *tumblerScreen) Activate() tea.Cmd {
	t.active = true
	cmds := []tea.Cmd{t.fetch()}
	if t.showReview {
		cmds = append(cmds, t.fetchReview())
	}
	return tea.Batch(cmds...)
}

// fetch reads the lists, or asks for one more read after the one out.
func (t *tumblerScreen) fetch() tea.Cmd {
	if t.s.tumbler == nil {
		return nil
	}
	if t.busy {
		t.stale = true
		return nil
	}
	t.busy = true
	return tumblerFetchCmd(t.s.ctx, t.s.tumbler)
}

func (t *tumblerScreen) fetchReview() tea.Cmd {
	if t.s.tumbler == nil || t.reviewBusy {
		return nil
	}
	t.reviewBusy = true
	return tumblerReviewCmd(t.s.ctx, t.s.tumbler, t.reviewOf)
}

func (t *tumblerScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tumblerEventsMsg:
		t.events = msg.ch
		return tumblerWaitCmd(t.s.ctx, msg.ch)
	case tumblerEventMsg:
		t.progress[msg.ev.Round] = msg.ev
		cmds := []tea.Cmd{tumblerWaitCmd(t.s.ctx, msg.ch), t.fetch()}
		if t.showReview && msg.ev.Round == t.reviewOf {
			cmds = append(cmds, t.fetchReview())
		}
		if msg.ev.Phase == tumbler.Done {
			t.s.info(fmt.Sprintf("Round %s is done: the tumble is on chain.", msg.ev.Round.Short()))
		} else if msg.ev.Phase == tumbler.Failed && msg.ev.Error != "" {
			t.s.fail(fmt.Sprintf("Round %s failed: %s", msg.ev.Round.Short(), msg.ev.Error))
		}
		return tea.Batch(cmds...)
	case tumblerEventsClosedMsg:
		t.events = nil
		return nil
	case tumblerDataMsg:
		t.busy = false
		t.err = msg.err
		if msg.err == nil {
			t.rounds, t.regs, t.hist, t.loaded = msg.rounds, msg.regs, msg.hist, true
			t.lists[tuRounds].clamp(len(t.rounds))
			t.lists[tuMine].clamp(len(t.regs))
			t.lists[tuHistory].clamp(len(t.hist))
		}
		if t.stale {
			t.stale = false
			return t.fetch()
		}
		return nil
	case tumblerReviewMsg:
		t.reviewBusy = false
		if msg.round == t.reviewOf {
			t.review, t.reviewErr = msg.review, msg.err
		}
		return nil
	case tumblerJoinedMsg:
		t.acting = false
		if msg.err != nil {
			t.s.fail("Not joined: " + tumblerSentence(msg.err))
			return nil
		}
		t.s.info(fmt.Sprintf("Joined round %s with %s; the denomination goes to a fresh account of your wallet.",
			msg.reg.Round.Short(), view.Amount(msg.reg.Amount)))
		t.section = tuMine
		return t.fetch()
	case tumblerSignedMsg:
		t.acting = false
		if msg.err != nil {
			t.s.fail("Not signed: " + tumblerSentence(msg.err))
		} else {
			t.s.info(fmt.Sprintf("Signed the batch of round %s; it goes on chain once every input has signed.", msg.round.Short()))
		}
		return tea.Batch(t.fetch(), t.fetchReview())
	case tea.KeyPressMsg:
		return t.key(msg)
	}
	return nil
}

func (t *tumblerScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := t.s.keys
	if t.s.tumbler == nil {
		return nil
	}
	if t.confirm != tuAskNothing {
		switch {
		case key.Matches(msg, k.Yes), key.Matches(msg, k.Submit):
			return t.confirmed()
		case key.Matches(msg, k.No):
			t.confirm = tuAskNothing
		case t.confirm == tuAskJoin && key.Matches(msg, k.PayFrom):
			if n := len(t.s.accounts); n > 0 {
				t.payFrom = (t.payFrom + 1) % n
			}
		}
		return nil
	}
	if t.showReview {
		switch {
		case key.Matches(msg, k.Back):
			t.showReview = false
		case key.Matches(msg, k.Sign):
			return t.askSign()
		case key.Matches(msg, k.Refresh):
			return t.fetchReview()
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.TumbleRounds):
		t.section = tuRounds
		return t.fetch()
	case key.Matches(msg, k.TumbleMine):
		t.section = tuMine
		return t.fetch()
	case key.Matches(msg, k.History):
		t.section = tuHistory
		return t.fetch()
	case key.Matches(msg, k.Refresh):
		return t.fetch()
	case key.Matches(msg, k.Open):
		return t.open()
	}
	t.lists[t.section].key(k, msg, t.rowsIn(t.section), t.listRows(), listJump)
	return nil
}

// open acts on the selected row: join a round, review a registration's batch.
func (t *tumblerScreen) open() tea.Cmd {
	switch t.section {
	case tuRounds:
		r, ok := t.selectedRound()
		if !ok {
			return nil
		}
		if r.Phase == tumbler.Announced {
			t.s.fail(fmt.Sprintf("Round %s is announced: its input registration opens in a moment; join then.", r.ID.Short()))
			return nil
		}
		if r.Phase != tumbler.InputRegistration {
			t.s.fail(fmt.Sprintf("Round %s is in %s: only a round taking inputs can be joined.", r.ID.Short(), r.Phase))
			return nil
		}
		if len(t.s.accounts) == 0 {
			t.s.fail("Open a wallet first: a join pays from one of its accounts.")
			return nil
		}
		t.payFrom = min(t.payFrom, len(t.s.accounts)-1)
		t.confirm = tuAskJoin
	case tuMine, tuHistory:
		list := t.regs
		if t.section == tuHistory {
			list = t.hist
		}
		if len(list) == 0 {
			return nil
		}
		reg := list[t.lists[t.section].cursor]
		t.showReview, t.reviewOf, t.review, t.reviewErr = true, reg.Round, nil, nil
		return t.fetchReview()
	}
	return nil
}

func (t *tumblerScreen) askSign() tea.Cmd {
	r := t.review
	switch {
	case r == nil:
		t.s.fail("The batch is not built yet: wait for the round to reach signing.")
	case r.Signed:
		t.s.info("You have signed this batch already.")
	case !r.OK:
		t.s.fail("This batch failed a check, so it is not signed: " + r.Problem)
	case r.Round.Phase != tumbler.Signing:
		t.s.fail(fmt.Sprintf("Round %s is in %s, not signing.", r.Round.ID.Short(), r.Round.Phase))
	default:
		t.confirm = tuAskSign
	}
	return nil
}

func (t *tumblerScreen) confirmed() tea.Cmd {
	ask := t.confirm
	t.confirm = tuAskNothing
	if t.acting {
		return nil
	}
	switch ask {
	case tuAskJoin:
		r, ok := t.selectedRound()
		if !ok || t.payFrom >= len(t.s.accounts) || t.s.wallet == nil {
			return nil
		}
		t.acting = true
		t.s.info(fmt.Sprintf("Joining round %s…", r.ID.Short()))
		return tumblerJoinCmd(t.s.ctx, t.s.tumbler, t.s.wallet, t.s.accounts[t.payFrom].Name, r)
	case tuAskSign:
		t.acting = true
		t.s.info("Signing…")
		return tumblerCoSignCmd(t.s.ctx, t.s.tumbler, t.reviewOf)
	}
	return nil
}

func (t *tumblerScreen) selectedRound() (tumbler.RoundInfo, bool) {
	if len(t.rounds) == 0 {
		return tumbler.RoundInfo{}, false
	}
	return t.rounds[t.lists[tuRounds].cursor], true
}

func (t *tumblerScreen) rowsIn(s tumblerSection) int {
	switch s {
	case tuRounds:
		return len(t.rounds)
	case tuMine:
		return len(t.regs)
	}
	return len(t.hist)
}

// tumblerHead is the lines above a list: the section switcher, a blank
// line, the column header. tumblerFoot is the hint under it.
const (
	tumblerHead = 3
	tumblerFoot = 2
)

func (t *tumblerScreen) listRows() int { return max(1, t.height-tumblerHead-tumblerFoot) }

func (t *tumblerScreen) View() string {
	st := t.s.st
	if t.s.tumbler == nil {
		return view.Lines(strings.Join([]string{
			"  " + st.Title.Render("Tumbler"),
			"",
			"  " + st.Muted.Render("This node runs no tumbler: it was started with --no-tumbler."),
			"  " + st.Muted.Render("Start it without that flag to join rounds: coins from several"),
			"  " + st.Muted.Render("accounts go out in one co-signed transaction, so the chain does"),
			"  " + st.Muted.Render("not show who paid whom."),
		}, "\n"), t.width, t.height)
	}
	var body string
	switch {
	case t.showReview:
		body = t.reviewView()
	default:
		body = t.listView()
	}
	if t.confirm != tuAskNothing {
		body = t.confirmView()
	}
	return view.Lines(body, t.width, t.height)
}

func (t *tumblerScreen) switcher() string {
	st := t.s.st
	parts := []struct {
		s     tumblerSection
		key   string
		label string
		n     int
	}{{tuRounds, "o", "rounds", len(t.rounds)}, {tuMine, "r", "my registrations", len(t.regs)}, {tuHistory, "h", "history", len(t.hist)}}
	var out []string
	for _, p := range parts {
		label := fmt.Sprintf("%s %s (%d)", p.key, p.label, p.n)
		if p.s == t.section {
			out = append(out, st.Strong.Render(label))
		} else {
			out = append(out, st.Muted.Render(label))
		}
	}
	return "  " + strings.Join(out, st.Muted.Render("  ·  "))
}

func (t *tumblerScreen) listView() string {
	st := t.s.st
	lines := []string{t.switcher(), ""}
	if t.err != nil && !t.loaded {
		return strings.Join(append(lines, "  "+st.Bad.Render(tumblerSentence(t.err))), "\n")
	}
	if !t.loaded {
		return strings.Join(append(lines, "  "+st.Muted.Render("Reading the tumbler…")), "\n")
	}
	wide := t.width >= 100
	var header string
	var rows []string
	var hint string
	switch t.section {
	case tuRounds:
		header = fmt.Sprintf("  %-8s  %-19s %14s  %-9s %12s  %s", "ROUND", "PHASE", "DENOMINATION", "INPUTS", "FEE/INPUT", "UNTIL")
		for _, r := range t.rounds {
			rows = append(rows, t.roundRow(r, wide))
		}
		hint = "No round is open. A coordinator announces one: `bitverse tumbler coordinate` on any node."
		if r, ok := t.selectedRound(); ok {
			hint = t.roundHint(r)
		}
	case tuMine:
		header = fmt.Sprintf("  %-8s  %-19s %-17s %14s  %s", "ROUND", "PHASE", "STEP", "AMOUNT", "TO")
		for _, r := range t.regs {
			rows = append(rows, t.regRow(r))
		}
		hint = "You have no registration. Join an open round from o rounds."
		if len(t.regs) > 0 {
			hint = "enter: review the batch (your outputs highlighted) and co-sign it with s"
		}
	case tuHistory:
		header = fmt.Sprintf("  %-8s  %-19s %-17s %14s  %s", "ROUND", "PHASE", "STEP", "AMOUNT", "TX")
		for _, r := range t.hist {
			rows = append(rows, t.histRow(r))
		}
		hint = "No finished tumble yet."
		if len(t.hist) > 0 {
			hint = "enter: the batch as it was signed"
		}
	}
	lines = append(lines, st.Column.Render(view.Truncate(header, t.width)))
	l := &t.lists[t.section]
	first, end := l.window(len(rows), t.listRows())
	for i := first; i < end; i++ {
		lines = append(lines, rowLine(st, rows[i], i == l.cursor, t.width))
	}
	for i := end - first; i < t.listRows(); i++ {
		lines = append(lines, "")
	}
	lines = append(lines, "", "  "+st.Muted.Render(view.Truncate(hint, t.width-4)))
	return strings.Join(lines, "\n")
}

func (t *tumblerScreen) roundRow(r tumbler.RoundInfo, wide bool) string {
	phase := r.Phase.String()
	if ev, ok := t.progress[r.ID]; ok && ev.Phase > r.Phase {
		phase = ev.Phase.String() // the event is newer than the last read
	}
	inputs := fmt.Sprintf("%d/%d–%d", r.Inputs, r.Min, r.Max)
	row := fmt.Sprintf("  %-8s  %-19s %14s  %-9s %12s  h %s", r.ID.Short()[:8], phase, view.Amount(r.Denomination), inputs,
		view.Amount(r.CoordinatorFee+r.TxFee), view.Int(r.Deadline))
	if wide {
		switch {
		case r.Mine:
			row += "  (you coordinate)"
		case !r.BlameOf.IsZero():
			row += "  blame round of " + r.BlameOf.Short()[:8]
		}
	}
	return row
}

func (t *tumblerScreen) roundHint(r tumbler.RoundInfo) string {
	switch {
	case r.Phase == tumbler.InputRegistration:
		return fmt.Sprintf("enter: join — pays %s (denomination %s + fees %s)", view.Amount(joinAmount(r)),
			view.Amount(r.Denomination), view.Amount(r.CoordinatorFee+r.TxFee))
	case r.Phase == tumbler.Announced:
		return "announced — input registration opens at the coordinator's next tick"
	case r.Phase == tumbler.Failed && r.Error != "":
		return "failed: " + r.Error
	case !r.TxID.IsZero():
		return "on chain as " + r.TxID.Short()
	}
	return fmt.Sprintf("%s until root height %s", r.Phase, view.Int(r.Deadline))
}

func (t *tumblerScreen) regRow(r tumbler.Registration) string {
	phase := r.Phase.String()
	if ev, ok := t.progress[r.Round]; ok && ev.Phase > r.Phase {
		phase = ev.Phase.String()
	}
	return fmt.Sprintf("  %-8s  %-19s %-17s %14s  %s", r.Round.Short()[:8], phase, r.State, view.Amount(r.Amount),
		view.ShortAddr(wire.EncodeAddress(t.s.net, r.To), 22))
}

func (t *tumblerScreen) histRow(r tumbler.Registration) string {
	tx := "—"
	if !r.TxID.IsZero() {
		tx = r.TxID.Short()
	}
	return fmt.Sprintf("  %-8s  %-19s %-17s %14s  %s", r.Round.Short()[:8], r.Phase, r.State, view.Amount(r.Amount), tx)
}

func (t *tumblerScreen) reviewView() string {
	st := t.s.st
	f := func(label, value string) string { return "  " + field(st, label, value) }
	lines := []string{"  " + st.Title.Render("Batch of round "+t.reviewOf.Short()[:8]) + st.Muted.Render("   esc back"), ""}
	if t.review == nil {
		if t.reviewErr != nil {
			return strings.Join(append(lines, "  "+st.Warn.Render(tumblerSentence(t.reviewErr))), "\n")
		}
		return strings.Join(append(lines, "  "+st.Muted.Render("Reading the batch…")), "\n")
	}
	r := t.review
	phase := r.Round.Phase.String()
	if ev, ok := t.progress[r.Round.ID]; ok && ev.Phase > r.Round.Phase {
		phase = ev.Phase.String()
	}
	check := st.Good.Render("✓ every check passed: your outputs are in it and no more than the fee is taken")
	if !r.OK {
		check = st.Bad.Render("✗ " + r.Problem)
	}
	state := st.Warn.Render("not signed yet — s to co-sign")
	if r.Signed {
		state = st.Good.Render("✓ you signed; waiting for the others")
	}
	if r.Round.Phase.Ended() || r.Round.Phase == tumbler.Broadcast {
		state = st.Muted.Render(phase)
	}
	lines = append(lines,
		f("phase", st.Value.Render(phase)+st.Muted.Render(fmt.Sprintf("  · %d inputs → %d outputs", len(r.Inputs), len(r.Outputs)))),
		f("checks", check),
		f("your fee", st.Strong.Render(view.Amount(r.Fee))+st.Muted.Render("  (transaction fee "+view.Amount(r.TxFee)+" in all)")),
		f("you", state),
		"",
		"  "+st.Column.Render("OUTPUTS"),
	)
	addrW := 30
	if t.width >= 100 {
		addrW = 64
	}
	// Room for the outputs: what is left after the inputs' lines. When
	// they do not all fit, mine are always among those shown.
	room := max(1, t.height-len(lines)-3-len(r.Inputs))
	show := make([]bool, len(r.Outputs))
	left := room
	if len(r.Outputs) > room {
		left-- // the "… more" line
	}
	for i, o := range r.Outputs {
		if o.Mine && left > 0 {
			show[i], left = true, left-1
		}
	}
	for i := range r.Outputs {
		if !show[i] && left > 0 {
			show[i], left = true, left-1
		}
	}
	hidden := 0
	for i, o := range r.Outputs {
		if !show[i] {
			hidden++
			continue
		}
		line := fmt.Sprintf("  → %-*s %14s  %s", addrW, view.ShortAddr(wire.EncodeAddress(t.s.net, o.To), addrW), view.Amount(o.Amount), o.Kind)
		if o.Mine {
			lines = append(lines, st.Good.Render(line+"  ← yours"))
		} else {
			lines = append(lines, line)
		}
	}
	if hidden > 0 {
		lines = append(lines, "  "+st.Muted.Render(fmt.Sprintf("  … %d more", hidden)))
	}
	lines = append(lines, "", "  "+st.Column.Render("INPUTS"))
	for _, in := range r.Inputs {
		line := fmt.Sprintf("  ← %-*s %14s", addrW, view.ShortAddr(wire.EncodeAddress(t.s.net, in.Key), addrW), view.Amount(in.Amount))
		if in.Mine {
			lines = append(lines, st.Strong.Render(line+"  ← yours"))
		} else {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

// confirmView is the question: what moves if the user says yes.
func (t *tumblerScreen) confirmView() string {
	st := t.s.st
	var lines []string
	switch t.confirm {
	case tuAskJoin:
		r, _ := t.selectedRound()
		from := t.s.accounts[t.payFrom]
		lines = []string{
			st.Title.Render(fmt.Sprintf("Join round %s?", r.ID.Short()[:8])),
			"",
			fmt.Sprintf("From %s (%s)", st.Strong.Render(from.Name), view.ShortAddr(from.Address, 30)) + st.Muted.Render("  a: another account"),
			fmt.Sprintf("It takes %s: the denomination %s", st.Strong.Render(view.Amount(joinAmount(r))), view.Amount(r.Denomination)),
			fmt.Sprintf("plus %s coordinator fee and %s transaction fee.", view.Amount(r.CoordinatorFee), view.Amount(r.TxFee)),
			"The denomination goes to a new account of your wallet,",
			"which the chain does not link to this one.",
			"",
			st.Muted.Render("Nothing moves until every participant signs the batch."),
			"",
			st.Strong.Render("y") + " join   " + st.Strong.Render("n") + " cancel",
		}
	case tuAskSign:
		r := t.review
		var pay uint64
		var from []string
		for _, in := range r.Inputs {
			if in.Mine {
				pay += in.Amount
				from = append(from, view.ShortAddr(wire.EncodeAddress(t.s.net, in.Key), 24))
			}
		}
		lines = []string{
			st.Title.Render(fmt.Sprintf("Co-sign the batch of round %s?", r.Round.ID.Short()[:8])),
			"",
			fmt.Sprintf("You pay %s from %s.", st.Strong.Render(view.Amount(pay)), strings.Join(from, ", ")),
		}
		for _, o := range r.Outputs {
			if o.Mine {
				lines = append(lines, fmt.Sprintf("You receive %s at %s (%s).", st.Strong.Render(view.Amount(o.Amount)),
					view.ShortAddr(wire.EncodeAddress(t.s.net, o.To), 24), o.Kind))
			}
		}
		lines = append(lines,
			fmt.Sprintf("Your fee: %s.", st.Strong.Render(view.Amount(r.Fee))),
			"",
			st.Muted.Render(fmt.Sprintf("One signature for all %d inputs: valid only once every one signs.", len(r.Inputs))),
			"",
			st.Strong.Render("y")+" sign   "+st.Strong.Render("n")+" cancel")
	}
	box := st.Modal.Render(strings.Join(lines, "\n"))
	return "\n" + indentLines(box, 2)
}

func indentLines(s string, n int) string {
	pad := strings.Repeat(" ", n)
	ls := strings.Split(s, "\n")
	for i := range ls {
		ls[i] = pad + ls[i]
	}
	return strings.Join(ls, "\n")
}

// tumblerSentence says what a tumbler error means and what to do.
func tumblerSentence(err error) string {
	switch {
	case errors.Is(err, tumbler.ErrNoTumbler):
		return "This node runs no tumbler: it was started with --no-tumbler; start it without that flag."
	case errors.Is(err, tumbler.ErrNoBatch):
		return "The batch is not built yet: it is, once output registration ends."
	}
	return sentence(err)
}

func (t *tumblerScreen) ShortHelp() []key.Binding {
	k := t.s.keys
	switch {
	case t.confirm != tuAskNothing:
		return []key.Binding{k.Yes, k.No}
	case t.showReview:
		return []key.Binding{k.Sign, k.Refresh, k.Back}
	}
	return []key.Binding{k.Move, k.Open, k.TumbleRounds, k.TumbleMine, k.History}
}

func (t *tumblerScreen) FullHelp() [][]key.Binding {
	k := t.s.keys
	return [][]key.Binding{
		{k.TumbleRounds, k.TumbleMine, k.History, k.Refresh},
		{k.Move, k.Open, k.Sign, k.Back, k.PayFrom},
	}
}
