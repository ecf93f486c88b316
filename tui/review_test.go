package tui

import (
	"context"
	"errors"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/keymap"
	"github.com/bitverse/bitverse/tui/styles"
)

func testCommon() *common {
	return &common{ctx: context.Background(), api: newFakeAPI(10), keys: keymap.Default(), st: styles.Default(true)}
}

// twoSteps is a stamp then a write that waits for it.
func twoSteps() *txPlan {
	chain := wire.ForPath(wire.KeyPath("k"), 1)
	return &txPlan{wait: true, steps: []planStep{
		{tx: wire.NewTx(wire.RootChain, wire.Stamp{Chain: chain, Amount: 5}, 0, 1), what: "the stamp"},
		{tx: wire.NewTx(chain, wire.Put{Key: "k", Value: []byte("v")}, 0, 1), what: "the write"},
	}}
}

// TestSignFlowTakesOnlyRepliesToItsOwnRequest: a reply with another
// request ID (another component's, or an abandoned run's) changes nothing.
func TestSignFlowTakesOnlyRepliesToItsOwnRequest(t *testing.T) {
	t.Parallel()
	c := testCommon()
	f := newSignFlow(c)
	var got reqID
	f.start(func(id reqID) tea.Cmd { got = id; return nil })
	if got == 0 || f.state != flowPreparing {
		t.Fatalf("start: id %d, state %d", got, f.state)
	}
	other := c.newID()
	if _, r := f.Update(preparedMsg{id: other, plan: twoSteps()}); r.outcome != outcomeNone || f.state != flowPreparing {
		t.Fatalf("a reply to request %d was taken by the run of request %d", other, got)
	}
	// A second run: the first run's late reply is dropped.
	first := got
	f.start(func(id reqID) tea.Cmd { got = id; return nil })
	if got == first {
		t.Fatal("two runs share a request ID")
	}
	if _, r := f.Update(preparedMsg{id: first, plan: twoSteps()}); r.outcome != outcomeNone || f.state != flowPreparing {
		t.Fatal("the abandoned run's reply was taken")
	}
	if _, r := f.Update(preparedMsg{id: got, plan: twoSteps()}); r.outcome != outcomePrepared || f.state != flowReview {
		t.Fatalf("its own reply: outcome %d, state %d", r.outcome, f.state)
	}
	if _, r := f.Update(submittedMsg{id: got, step: 0}); r.outcome != outcomeNone {
		t.Fatal("a submission reply before y was taken")
	}
}

// TestSignFlowSubmitsStepsInOrderAndWaitsBetween: y submits the stamp,
// the flow waits for a block to hold it, then submits the write; esc while
// waiting stops and says which step was left pending.
func TestSignFlowSubmitsStepsInOrderAndWaitsBetween(t *testing.T) {
	t.Parallel()
	c := testCommon()
	f := newSignFlow(c)
	f.start(func(reqID) tea.Cmd { return nil })
	id := f.req
	f.Update(preparedMsg{id: id, plan: twoSteps()})
	if cmd, _ := f.Key(keyMsg("y")); cmd == nil || f.state != flowSending || f.next != 0 {
		t.Fatalf("y: state %d, next %d", f.state, f.next)
	}
	stamp, put := wire.Sum([]byte("stamp")), wire.Sum([]byte("put"))
	cmd, r := f.Update(submittedMsg{id: id, step: 0, tx: stamp})
	if r.outcome != outcomeWaiting || f.state != flowWaiting || cmd == nil || r.ids[0] != stamp {
		t.Fatalf("after the stamp: outcome %d, state %d", r.outcome, f.state)
	}
	if _, r := f.Update(submittedMsg{id: id, step: 1, tx: put}); r.outcome != outcomeNone {
		t.Fatal("a reply for the write was taken before the write was sent")
	}
	if cmd, _ := f.Update(txConfirmedMsg{id: id, tx: stamp}); cmd == nil || f.state != flowSending || f.next != 1 {
		t.Fatalf("after the stamp confirmed: state %d, next %d", f.state, f.next)
	}
	_, r = f.Update(submittedMsg{id: id, step: 1, tx: put})
	if r.outcome != outcomeDone || len(r.ids) != 2 || r.ids[1] != put || r.plan == nil || f.active() {
		t.Fatalf("done: outcome %d, ids %v, active %v", r.outcome, r.ids, f.active())
	}

	// Again, and esc while waiting.
	f.start(func(reqID) tea.Cmd { return nil })
	id = f.req
	f.Update(preparedMsg{id: id, plan: twoSteps()})
	f.Key(keyMsg("y"))
	f.Update(submittedMsg{id: id, step: 0, tx: stamp})
	if _, r := f.Key(keyMsg("esc")); r.outcome != outcomeStopped || r.step != 0 || f.active() {
		t.Fatalf("esc while waiting: outcome %d, step %d", r.outcome, r.step)
	}
	if _, r := f.Update(txConfirmedMsg{id: id, tx: stamp}); r.outcome != outcomeNone || f.active() {
		t.Fatal("the stopped run went on")
	}
}

// TestSignFlowRefusalAndBack: n at the review goes back with nothing
// sent; a refused step ends the run and names the step.
func TestSignFlowRefusalAndBack(t *testing.T) {
	t.Parallel()
	c := testCommon()
	f := newSignFlow(c)
	f.start(func(reqID) tea.Cmd { return nil })
	f.Update(preparedMsg{id: f.req, plan: twoSteps()})
	if cmd, r := f.Key(keyMsg("n")); cmd != nil || r.outcome != outcomeBack || f.active() {
		t.Fatalf("n: outcome %d, active %v", r.outcome, f.active())
	}
	f.start(func(reqID) tea.Cmd { return nil })
	id := f.req
	f.Update(preparedMsg{id: id, plan: twoSteps()})
	f.Key(keyMsg("y"))
	no := errors.New("refused")
	if _, r := f.Update(submittedMsg{id: id, step: 0, err: no}); r.outcome != outcomeRefused || r.step != 0 || r.err != no || f.active() {
		t.Fatalf("refused: outcome %d, step %d, err %v", r.outcome, r.step, r.err)
	}
	f.start(func(reqID) tea.Cmd { return nil })
	if _, r := f.Update(preparedMsg{id: f.req, err: no}); r.outcome != outcomeFailed || r.err != no || f.active() {
		t.Fatalf("failed: outcome %d", r.outcome)
	}
}
