package tui

import (
	"context"
	"github.com/bitverse/bitverse/wallet/plan"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/bitverse/bitverse/node/wire"
)

// txPlan is what a review shows and the wallet has signed: the
// transactions to submit, in order, and the planner's plan they come from.
type txPlan struct {
	p     *plan.Plan
	steps []planStep
	// wait: each step after the first is submitted only once a block
	// holds the one before it (a write paid by the credit a stamp buys).
	wait bool
	// available is the write credit on the written branch chain before
	// the plan (a write on a branch).
	available uint64
}

// planStep is one signed transaction of a plan.
type planStep struct {
	tx   *wire.Tx
	what string // in a sentence: "the stamp of write credit"
}

// main is the intent's own transaction: the last step.
func (p *txPlan) main() *wire.Tx { return p.steps[len(p.steps)-1].tx }

// stamp is the step that stamps missing write credit, or nil.
func (p *txPlan) stamp() *wire.Tx {
	for _, s := range p.steps {
		if _, ok := s.tx.Body.(wire.Stamp); ok {
			return s.tx
		}
	}
	return nil
}

type (
	// preparedMsg carries a signed plan, or why there is none. The
	// fields after err are for a keyspace script: the script it carries,
	// whether err is about the script itself (the file, the compiler),
	// whether an edit changed nothing, and an edit to keep for later.
	preparedMsg struct {
		id        reqID
		plan      *txPlan
		err       error
		script    []byte
		onScript  bool
		unchanged bool
		draft     []byte
	}
	// submittedMsg says how the node took one step of a plan.
	submittedMsg struct {
		id   reqID
		step int
		tx   wire.Hash
		err  error
	}
	// txConfirmedMsg says a transaction is in a block, or why waiting
	// for it stopped.
	txConfirmedMsg struct {
		id  reqID
		tx  wire.Hash
		err error
	}
)

type flowState int

const (
	flowIdle      flowState = iota
	flowPreparing           // reading, planning, signing
	flowReview              // the last look before anything is sent
	flowSending             // a step is being submitted
	flowWaiting             // a step is submitted; waiting for a block to hold it
)

// flowOutcome is what the review-and-sign flow tells its owner.
type flowOutcome int

const (
	outcomeNone     flowOutcome = iota
	outcomePrepared             // the plan is signed and shown (result.prep)
	outcomeFailed               // preparing failed (result.prep.err, result.prep's other fields)
	outcomeBack                 // n at the review: back to the form
	outcomeRefused              // the node refused step result.step (result.err)
	outcomeLost                 // step result.step was submitted but did not confirm (result.err)
	outcomeWaiting              // step result.step is submitted (result.ids); waiting for a block to hold it
	outcomeStopped              // esc while waiting for step result.step
	outcomeDone                 // every step submitted (result.ids)
)

// flowResult is an outcome with what goes with it; plan is the run's
// (nil before it is prepared).
type flowResult struct {
	outcome flowOutcome
	prep    preparedMsg
	plan    *txPlan
	step    int
	err     error
	ids     []wire.Hash
}

// signFlow is the review-and-sign component that every form that sends
// uses (send, put, keyspace buy, keyspace script): a command prepares
// and signs a plan, the review shows it (the owner draws the rows), y
// submits its steps in order (waiting for a block between them when the
// plan says so, esc stops waiting), n goes back. Replies are matched by
// the flow's request ID, so an answer to an abandoned run is dropped.
// The owner hands it its messages and keys and acts on the results.
type signFlow struct {
	c     *common
	state flowState
	req   reqID
	plan  *txPlan
	next  int // the step to submit next
	ids   []wire.Hash
	stop  context.CancelFunc
}

func newSignFlow(c *common) *signFlow { return &signFlow{c: c} }

// start begins a run: prepare gets the run's ID and returns the command
// whose preparedMsg carries it.
func (f *signFlow) start(prepare func(id reqID) tea.Cmd) tea.Cmd {
	f.reset()
	f.req, f.state = f.c.newID(), flowPreparing
	return prepare(f.req)
}

// reset forgets the run (its late replies are dropped).
func (f *signFlow) reset() {
	f.stopWait()
	f.state, f.req, f.plan, f.next, f.ids = flowIdle, 0, nil, 0, nil
}

func (f *signFlow) stopWait() {
	if f.stop != nil {
		f.stop()
		f.stop = nil
	}
}

// active reports whether a run is under way: preparing, shown, or sending.
func (f *signFlow) active() bool { return f.state != flowIdle }

// shown reports whether the review (or what follows it) is on screen.
func (f *signFlow) shown() bool { return f.state >= flowReview }

func (f *signFlow) submit() tea.Cmd {
	f.state = flowSending
	return submitCmd(f.c.ctx, f.c.api, f.req, f.next, f.plan.steps[f.next].tx.Encode())
}

// Update takes the replies to the flow's own requests.
func (f *signFlow) Update(msg tea.Msg) (tea.Cmd, flowResult) {
	switch msg := msg.(type) {
	case preparedMsg:
		if msg.id != f.req || f.state != flowPreparing {
			return nil, flowResult{}
		}
		if msg.err != nil || msg.plan == nil || len(msg.plan.steps) == 0 {
			f.reset()
			return nil, flowResult{outcome: outcomeFailed, prep: msg, err: msg.err}
		}
		f.plan, f.state = msg.plan, flowReview
		return nil, flowResult{outcome: outcomePrepared, prep: msg}
	case submittedMsg:
		if msg.id != f.req || f.state != flowSending || msg.step != f.next {
			return nil, flowResult{}
		}
		pl, ids := f.plan, f.ids
		if msg.err != nil {
			f.reset()
			return nil, flowResult{outcome: outcomeRefused, plan: pl, step: msg.step, err: msg.err, ids: ids}
		}
		f.ids = append(f.ids, msg.tx)
		f.next++
		if f.next == len(f.plan.steps) {
			ids := f.ids
			f.reset()
			return nil, flowResult{outcome: outcomeDone, plan: pl, ids: ids}
		}
		if !f.plan.wait {
			return f.submit(), flowResult{}
		}
		ctx, cancel := context.WithCancel(f.c.ctx)
		f.state, f.stop = flowWaiting, cancel
		return waitTxCmd(ctx, f.c.api, f.req, msg.tx), flowResult{outcome: outcomeWaiting, plan: pl, step: msg.step, ids: f.ids}
	case txConfirmedMsg:
		if msg.id != f.req || f.state != flowWaiting {
			return nil, flowResult{}
		}
		f.stopWait()
		if msg.err != nil {
			pl, step := f.plan, f.next-1
			f.reset()
			return nil, flowResult{outcome: outcomeLost, plan: pl, step: step, err: msg.err}
		}
		return f.submit(), flowResult{}
	}
	return nil, flowResult{}
}

// Key handles y and n at the review and esc while waiting.
func (f *signFlow) Key(msg tea.KeyPressMsg) (tea.Cmd, flowResult) {
	k := f.c.keys
	switch f.state {
	case flowReview:
		switch {
		case key.Matches(msg, k.Yes):
			return f.submit(), flowResult{}
		case key.Matches(msg, k.No):
			pl := f.plan
			f.reset()
			return nil, flowResult{outcome: outcomeBack, plan: pl}
		}
	case flowWaiting:
		if key.Matches(msg, k.Cancel) {
			pl, step := f.plan, f.next-1
			f.reset()
			return nil, flowResult{outcome: outcomeStopped, plan: pl, step: step}
		}
	}
	return nil, flowResult{}
}

// ShortHelp is the flow's keys in its state.
func (f *signFlow) ShortHelp() []key.Binding {
	k := f.c.keys
	switch f.state {
	case flowReview:
		return []key.Binding{k.Yes, k.No}
	case flowWaiting:
		return []key.Binding{k.Cancel}
	}
	return nil
}

// review is what the owner shows of a plan: a question, the rows, and
// what y and n do.
type review struct {
	title   string
	rows    []string
	yes, no string
}

// View draws the review as a modal in w×h, with the flow's progress under
// it.
func (f *signFlow) View(r review, w, h int) string {
	st := f.c.st
	lines := append([]string{st.Strong.Render(r.title), ""}, r.rows...)
	lines = append(lines, "",
		st.Strong.Render("y")+st.Muted.Render(" "+r.yes+"   ")+st.Strong.Render("n")+st.Muted.Render(" "+r.no))
	msg := strings.Join(lines, "\n")
	switch f.state {
	case flowSending:
		msg += "\n\n" + st.Muted.Render("Submitting…")
	case flowWaiting:
		step := f.plan.steps[f.next-1]
		where := "a root block"
		if !step.tx.Chain.IsRoot() {
			where = "a block of chain " + step.tx.Chain.String()
		}
		msg += "\n\n" + st.Warn.Render("Waiting for "+where+" to hold "+step.what+"…") + "\n" +
			st.Muted.Render("(m starts mining if no one else does; esc stops waiting)")
	}
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, st.Modal.Render(msg))
}
