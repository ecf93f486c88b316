package tui

import (
	"slices"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
	"github.com/bitverse/bitverse/tumbler"
)

// newTumblerHarness is a ready harness over tumbleChain, on the tumbler
// screen.
func newTumblerHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, 9_999, true)
	tumbleChain(h.api)
	h.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	h.typeText(testPass)
	h.press("enter")
	if h.a.inSetup {
		t.Fatalf("setup did not finish:\n%s", h.screen())
	}
	h.send(statusMsg{st: h.api.status})
	h.press("7")
	return h
}

func (h *harness) tumblerCalls(name string) int {
	n := 0
	for _, c := range h.api.Calls() {
		if c == name {
			n++
		}
	}
	return n
}

// TestTumblerJoinAsksThenJoinsWithAFreshAccount: enter on an open round
// asks first, saying what it takes and where the denomination goes; n
// cancels; y joins with the account's key, the least amount the round
// takes, and a new wallet account as the destination.
func TestTumblerJoinAsksThenJoinsWithAFreshAccount(t *testing.T) {
	t.Parallel()
	h := newTumblerHarness(t)
	h.mustSee("input-registration", "3/5–20", "enter: join — pays 1.0015 BVS")
	h.press("enter")
	h.mustSee("Join round", "It takes 1.0015 BVS", "new account of your wallet", "Nothing moves until every participant signs")
	h.press("n")
	h.mustNotSee("Join round")
	if n := h.tumblerCalls("tumbler.Join"); n != 0 {
		t.Fatalf("%d joins after a cancel", n)
	}
	h.press("enter", "y")
	f := h.api.tumbler
	if len(f.joins) != 1 {
		t.Fatalf("%d joins, want 1", len(f.joins))
	}
	j := f.joins[0]
	if j.Round != openRound || j.Amount != wire.Unit+wire.Unit/1000+wire.Unit/2000 || j.To != otherKey.PubKey() ||
		!slices.Equal(j.Secret, testKey.Bytes()) || j.AutoSign {
		t.Fatalf("joined with %+v", j)
	}
	h.mustSee("Joined round", "registered")
	if v := h.api.Violations(); len(v) > 0 {
		t.Fatalf("calls from Update or View: %v", v)
	}
}

// TestTumblerJoinOnlyWhileTakingInputs: a round past input registration
// cannot be joined; a sentence says why.
func TestTumblerJoinOnlyWhileTakingInputs(t *testing.T) {
	t.Parallel()
	h := newTumblerHarness(t)
	h.press("down", "enter")
	h.mustSee("only a round taking inputs can be joined")
	h.mustNotSee("Join round")
}

// TestTumblerShowsAnnouncedRoundsBeforeInputsOpen: a round announced but
// not yet taking inputs is listed as announced, its hint says input
// registration opens in a moment, and enter says to join then.
func TestTumblerShowsAnnouncedRoundsBeforeInputsOpen(t *testing.T) {
	t.Parallel()
	h := newTumblerHarness(t)
	h.mustSee("announced")
	h.press("down", "down", "down")
	h.mustSee("input registration opens at the coordinator's next tick")
	h.press("enter")
	h.mustSee("its input registration opens in a moment")
	h.mustNotSee("Join round")
}

// TestTumblerReviewHighlightsMineAndCoSignsAfterConfirm: the batch shows
// every output with mine marked, the fee, the checks; s asks with what
// moves, n cancels, y co-signs once.
func TestTumblerReviewHighlightsMineAndCoSignsAfterConfirm(t *testing.T) {
	t.Parallel()
	h := newTumblerHarness(t)
	h.press("r")
	h.mustSee("review", "enter: review the batch")
	h.press("enter")
	h.mustSee("Batch of round", "every check passed", "your fee", "0.0015 BVS", "← yours", "OUTPUTS", "INPUTS", "fee")
	h.press("s")
	h.mustSee("Co-sign the batch", "You pay 2.0015 BVS", "You receive 2 BVS", "(denomination)", "valid only once every one signs")
	h.press("n")
	if n := h.tumblerCalls("tumbler.CoSign"); n != 0 {
		t.Fatalf("%d co-signs after a cancel", n)
	}
	h.press("s", "y")
	if n := h.tumblerCalls("tumbler.CoSign"); n != 1 {
		t.Fatalf("%d co-signs, want 1", n)
	}
	h.mustSee("you signed; waiting for the others")
	h.press("s")
	h.mustSee("You have signed this batch already")
	if n := h.tumblerCalls("tumbler.CoSign"); n != 1 {
		t.Fatalf("signed twice: %d co-signs", n)
	}
}

// TestTumblerReviewAlwaysShowsMyOutputs: at 80×24 the batch's outputs do
// not all fit; mine are among those shown.
func TestTumblerReviewAlwaysShowsMyOutputs(t *testing.T) {
	t.Parallel()
	h := newTumblerHarness(t)
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.press("r", "enter")
	h.mustSee("more", "← yours")
}

// TestTumblerRefusesToSignAFailedBatch: a batch that failed a check shows
// the sentence why, and s signs nothing.
func TestTumblerRefusesToSignAFailedBatch(t *testing.T) {
	t.Parallel()
	h := newTumblerHarness(t)
	f := h.api.tumbler
	f.mu.Lock()
	f.reviews[signingRound].OK = false
	f.reviews[signingRound].Problem = "output 3 of yours is missing from the batch"
	f.mu.Unlock()
	h.press("r", "enter")
	h.mustSee("✗ output 3 of yours is missing")
	h.press("s")
	h.mustSee("failed a check, so it is not signed")
	if n := h.tumblerCalls("tumbler.CoSign"); n != 0 {
		t.Fatalf("a failed batch was signed")
	}
}

// TestTumblerProgressIsLive: each event re-reads the lists (one read at a
// time) and the review; a round done moves to the history with a message.
func TestTumblerProgressIsLive(t *testing.T) {
	t.Parallel()
	h := newTumblerHarness(t)
	h.press("r", "enter")
	h.mustSee("not signed yet")
	before := h.tumblerCalls("tumbler.Rounds")
	f := h.api.tumbler
	f.finish(signingRound, tumbler.Broadcast, "signed")
	h.send(tumblerEventMsg{ev: tumbler.Event{Round: signingRound, Phase: tumbler.Broadcast, State: "signed"}, ch: f.events})
	if n := h.tumblerCalls("tumbler.Rounds"); n != before+1 {
		t.Fatalf("%d list reads after an event, want 1", n-before)
	}
	h.mustSee("broadcast")
	f.finish(signingRound, tumbler.Done, "done")
	h.send(tumblerEventMsg{ev: tumbler.Event{Round: signingRound, Phase: tumbler.Done, State: "done"}, ch: f.events})
	h.mustSee("is done: the tumble is on chain")
	h.press("esc", "h")
	h.mustSee("done")
	// A burst of events while a read is out asks once more, not per event.
	h.api.enter()
	var cmds []tea.Cmd
	for range 4 {
		_, cmd := h.a.Update(tumblerEventMsg{ev: tumbler.Event{Round: openRound, Phase: tumbler.InputRegistration}, ch: f.events})
		cmds = append(cmds, cmd)
	}
	h.api.leave()
	before = h.tumblerCalls("tumbler.Rounds")
	h.exec(tea.Batch(cmds...))
	if n := h.tumblerCalls("tumbler.Rounds") - before; n != 2 {
		t.Fatalf("%d list reads for a burst of 4 events, want 2", n)
	}
}

// TestTumblerWithoutAServiceSaysSo: a node without a tumbler gets a
// sentence saying how to start one, and no call.
func TestTumblerWithoutAServiceSaysSo(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 9_999, true)
	h.a.s.tumbler = nil
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.typeText(testPass)
	h.press("enter", "7")
	h.mustSee("This node runs no tumbler", "--no-tumbler")
	if n := h.tumblerCalls("tumbler.Rounds"); n != 0 {
		t.Fatalf("%d calls to a missing tumbler", n)
	}
}

// TestWalletHistoryShowsWhatATumbleMovedForTheAccount: an input account
// sees what it paid in, an output account what it received, each with
// the batch as the other side.
func TestWalletHistoryShowsWhatATumbleMovedForTheAccount(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 9_999, 80, 24)
	w := h.a.screens[tabWallet].(*walletScreen)
	tx := node.TxInfo{Type: "tumble", Amount: 3 * wire.Unit,
		Inputs:  []node.TumbleLeg{{Address: testAddr, Amount: wire.Unit + 500}, {Address: otherAddr, Amount: 2*wire.Unit + 500}},
		Outputs: []node.TumbleLeg{{Address: otherAddr, Amount: wire.Unit}, {Address: "bvd1someoneelse", Amount: 2 * wire.Unit}}}
	if amt, other := w.historyAmount(tx, testAddr); amt != "−"+view.Amount(wire.Unit+500) || other != "tumble of 2 inputs" {
		t.Fatalf("input account sees %s, %s", amt, other)
	}
	if amt, _ := w.historyAmount(tx, otherAddr); amt != "−"+view.Amount(wire.Unit+500) {
		t.Fatalf("input and output account sees %s", amt)
	}
	if amt, _ := w.historyAmount(tx, "bvd1someoneelse"); amt != "+"+view.Amount(2*wire.Unit) {
		t.Fatalf("output account sees %s", amt)
	}
}
