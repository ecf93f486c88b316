package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// newMarketHarness is a ready harness over marketChain, on the market
// screen.
func newMarketHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, 9_999, true)
	marketChain(h.api)
	h.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	h.typeText(testPass)
	h.press("enter")
	if h.a.inSetup {
		t.Fatalf("setup did not finish:\n%s", h.screen())
	}
	h.send(statusMsg{st: h.api.status})
	h.press("6")
	return h
}

func (h *harness) marketScreen() *marketScreen { return h.a.screens[tabMarket].(*marketScreen) }

func (h *harness) callCount(name string) int {
	n := 0
	for _, c := range h.api.Calls() {
		if c == name {
			n++
		}
	}
	return n
}

func (h *harness) quote(expr string) {
	h.t.Helper()
	h.press("r")
	h.typeText(expr)
	h.press("enter")
}

// TestMarketTableUpdatesLiveOneCallAtATime: each offer event re-reads the
// price table, but a burst of them while a read is out asks once more,
// not once per event; the rows shown are the latest.
func TestMarketTableUpdatesLiveOneCallAtATime(t *testing.T) {
	t.Parallel()
	h := newMarketHarness(t)
	h.quote(bwExpr)
	h.mustSee("Waiting for offers")
	if n := h.callCount("market.Table"); n != 1 {
		t.Fatalf("%d Table calls after the quote, want 1", n)
	}
	h.api.market.setTable(bwExpr, marketRows(3)...)
	ev := marketEventMsg{ev: market.Event{Kind: market.EventOffer, Request: requestID(bwExpr)}, ch: h.api.market.events}
	var cmds []tea.Cmd
	for range 5 {
		h.api.enter()
		_, cmd := h.a.Update(ev)
		h.api.leave()
		cmds = append(cmds, cmd)
	}
	h.exec(tea.Batch(cmds...))
	if n := h.callCount("market.Table"); n != 3 {
		t.Fatalf("%d Table calls after a burst of 5 offers, want 3 (the quote's, one for the burst, one for what came during it)", n)
	}
	h.mustSee("97.5%", "needs relays", "3 offers")
	// An offer for another request does not read this table.
	h.send(marketEventMsg{ev: market.Event{Kind: market.EventOffer, Request: requestID(thumbExpr)}, ch: h.api.market.events})
	if n := h.callCount("market.Table"); n != 3 {
		t.Fatalf("an offer for another request read the table: %d calls", n)
	}
}

// TestMarketRowThatNeedsRelaysIsNotFunded: enter on a row with hops says
// why in a sentence and plans nothing.
func TestMarketRowThatNeedsRelaysIsNotFunded(t *testing.T) {
	t.Parallel()
	h := newMarketHarness(t)
	h.api.market.setTable(bwExpr, marketRows(3)...)
	h.quote(bwExpr)
	h.press("down", "down", "enter")
	h.mustSee("needs relays (it has hops)")
	if slices.Contains(h.api.Calls(), "Preview") || slices.Contains(h.api.Calls(), "wallet.Sign") {
		t.Fatalf("a row that needs relays was planned: %v", h.api.Calls())
	}
}

// TestMarketBadRequestSaysWhereAndWhat: the service's parse error shows
// under the box, which keeps the text for editing.
func TestMarketBadRequestSaysWhereAndWhat(t *testing.T) {
	t.Parallel()
	h := newMarketHarness(t)
	h.quote(`photo"`)
	h.mustSee("expected ( to open a key or a transform", `photo"`)
	if !h.marketScreen().Capturing() {
		t.Fatal("the request box lost the focus after a refused request")
	}
}

// TestMarketAcceptNeedsServing: a on an open bounty asks the worker to
// take it; while the node does not serve, a sentence says how to start.
func TestMarketAcceptNeedsServing(t *testing.T) {
	t.Parallel()
	h := newMarketHarness(t)
	h.api.market.serve.On = false
	h.press("ctrl+r", "o")
	h.mustSee("json/field name")
	h.press("a")
	h.mustSee("S turns serving on")
	h.press("S")
	h.mustSee("serve ● on")
	h.press("a")
	h.mustSee("This node's worker accepts bounty")
	if got := h.api.market.taken; len(got) != 1 || got[0] != bountyID(3) {
		t.Fatalf("taken %v, want the first open bounty", got)
	}
	// A bounty that names another worker is not asked for.
	h.api.bounties[4].Worker = otherAddr
	h.press("ctrl+r", "down", "a")
	h.mustSee("names another worker")
	if len(h.api.market.taken) != 1 {
		t.Fatalf("a bounty naming another worker was taken: %v", h.api.market.taken)
	}
}

// TestMarketOpenBountiesFilter keeps the bounties whose request names
// the transform, under the price and with enough blocks left.
func TestMarketOpenBountiesFilter(t *testing.T) {
	t.Parallel()
	h := newMarketHarness(t)
	h.press("o", "/")
	h.typeText("json")
	h.press("enter")
	h.mustSee(`transform "json"`, "json/field name")
	h.mustNotSee("photo filters/thumbnail")
	h.press("/", "tab")
	h.typeText("x")
	h.press("enter")
	h.mustSee("an amount in BVS")
	h.press("backspace")
	h.press("tab")
	h.typeText("10")
	h.press("enter")
	h.mustSee("No open bounty to show") // its deadline is 8 blocks away
}

// TestMarketSettleAndDisputeRules are the checks made before planning,
// by role and height (the node checks again).
func TestMarketSettleAndDisputeRules(t *testing.T) {
	t.Parallel()
	s := &common{accounts: (&fakeWallet{probe: &probe{}}).Accounts(), haveStatus: true}
	s.status.Height = 100
	committed := bountyInfo{State: bountyCommitted, Requester: testAddr, Worker: otherAddr, SettleAfter: 106}
	asWorker := committed
	asWorker.Requester, asWorker.Worker = otherAddr, testAddr
	late := committed
	late.SettleAfter = 101 // the next block is 101
	lateWorker := asWorker
	lateWorker.SettleAfter = 101
	open := committed
	open.State = bountyOpen
	stranger := committed
	stranger.Requester = otherAddr
	for _, c := range []struct {
		name    string
		b       bountyInfo
		dispute bool
		want    string // "" allowed, else a word of the reason
	}{
		{"requester settles in the window", committed, false, ""},
		{"requester disputes in the window", committed, true, ""},
		{"requester disputes in the window's last block", func() bountyInfo { b := committed; b.SettleAfter = 102; return b }(), true, ""},
		{"requester settles after the window", late, false, ""},
		{"requester disputes after the window", late, true, "window is over"},
		{"worker settles in the window", asWorker, false, "may still dispute"},
		{"worker settles after the window", lateWorker, false, ""},
		{"worker disputes", asWorker, true, "Only the requester"},
		{"not committed", open, false, "is open"},
		{"stranger settles", stranger, false, "None of your accounts"},
	} {
		got := closeProblem(c.b, s, c.dispute)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestMarketResultOpensWhenItArrives: a result for a bounty of the
// wallet's shows by itself, decoded as the data screen does (the image
// drawn with half blocks), and esc goes back.
func TestMarketResultOpensWhenItArrives(t *testing.T) {
	t.Parallel()
	h := newMarketHarness(t)
	h.press("b")
	h.mustSee("dispute window")
	h.send(marketEventMsg{ev: market.Event{Kind: market.EventResult, Bounty: bountyID(1)}, ch: h.api.market.events})
	h.mustSee("Result of bounty", "PNG image, 24×24", "checked against envelope", "▀")
	h.press("esc")
	h.mustNotSee("Result of bounty")
	// Someone else's bounty: no preview.
	h.send(marketEventMsg{ev: market.Event{Kind: market.EventResult, Bounty: bountyID(5)}, ch: h.api.market.events})
	h.mustNotSee("Result of bounty")
}

// TestMarketWithoutAServiceSaysSo: a node without the market (a remote
// one that does not run it) gets a sentence, and every market key is
// harmless.
func TestMarketWithoutAServiceSaysSo(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(100)
	ws := &fakeWallets{probe: api.probe, exists: true}
	opts := testOptions(api)
	opts.Market = nil
	h := &harness{t: t, a: newApp(opts, testDeps(api, ws)), api: api, ws: ws}
	h.exec(h.a.Init())
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.typeText(testPass)
	h.press("enter")
	h.mustNotSee("│ Market") // no market box on home
	h.press("6", "S", "r", "b", "o", "a", "s", "d", "enter", "/", "esc")
	h.mustSee("This node offers no compute market")
	for _, c := range h.api.Calls() {
		if strings.HasPrefix(c, "market.") {
			t.Fatalf("called %s without a market", c)
		}
	}
}

// TestMarketJobEventRefreshesServeStatus: a job's change re-reads what
// the node earned.
func TestMarketJobEventRefreshesServeStatus(t *testing.T) {
	t.Parallel()
	h := newMarketHarness(t)
	h.mustSee("earned 0.3 BVS")
	h.api.market.mu.Lock()
	h.api.market.serve.Earned = wire.Unit
	h.api.market.mu.Unlock()
	h.send(marketEventMsg{ev: market.Event{Kind: market.EventJob, Bounty: bountyID(2), State: "settled"}, ch: h.api.market.events})
	h.mustSee("earned 1 BVS")
	h.send(eventMsg{ev: node.Event{Kind: node.EventBlockConnected, Height: 10_000}, ch: h.api.events})
}

// TestEmbeddedMarketStartsWithTheWalletsKey: the embedded node's market
// starts once the wallet is open, with the key of its first account (from
// a command); until then the market screen says it is starting, then it
// listens to the market and reads it.
func TestEmbeddedMarketStartsWithTheWalletsKey(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(100)
	ws := &fakeWallets{probe: api.probe, exists: true}
	opts := testOptions(api)
	opts.Market = nil
	keys := make(chan wire.PrivKey, 2)
	release := make(chan struct{})
	opts.ServeKey = func(k wire.PrivKey) (market.API, error) {
		keys <- k
		<-release
		return api.market, nil
	}
	h := &harness{t: t, a: newApp(opts, testDeps(api, ws)), api: api, ws: ws}
	h.exec(h.a.Init())
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	if len(keys) != 0 || h.callCount("market.Events") != 0 {
		t.Fatal("the market was started or read before the wallet opened")
	}
	h.typeText(testPass)
	h.press("enter") // the start command blocks: the harness moves on
	h.press("6")
	h.mustSee("Starting the market")
	close(release)
	select {
	case k := <-keys:
		if k.PubKey() != testPub {
			t.Fatal("the market was not given the first account's key")
		}
	case <-time.After(time.Minute):
		t.Fatal("the market was never started")
	}
	if len(keys) != 0 {
		t.Fatal("the market was started twice")
	}
	h.send(serveKeyMsg{m: api.market})
	h.mustSee("serve ○ off as you")
	if h.callCount("market.Events") != 1 {
		t.Fatalf("the started market's events were subscribed %d times, want 1", h.callCount("market.Events"))
	}
	if v := h.api.Violations(); len(v) > 0 {
		t.Fatalf("calls from Update or View: %v", v)
	}
}

// submittedBody is the body of the last transaction submitted.
func (h *harness) submittedBody() wire.Body {
	h.t.Helper()
	raw := h.api.Submitted()
	if raw == nil {
		h.t.Fatal("nothing was submitted")
	}
	tx, err := wire.DecodeTx(raw)
	if err != nil {
		h.t.Fatal(err)
	}
	return tx.Body
}

// TestMarketFundRowPlansReviewsAndSubmitsTheBounty: enter on a row has
// the planner plan the bounty (the row's price, its worker named, a
// deadline 120 blocks on), the review shows it, y submits it; the
// bounty's progress shows under the table, and its result opens by
// itself when it arrives.
func TestMarketFundRowPlansReviewsAndSubmitsTheBounty(t *testing.T) {
	t.Parallel()
	h := newMarketHarness(t)
	h.api.accounts[testAddr] = node.AccountInfo{Address: testAddr, Balance: 10 * wire.Unit, NextNonce: 3}
	h.api.market.setTable(bwExpr, marketRows(3)...)
	h.quote(bwExpr)
	h.press("down", "enter")
	h.mustSee("Fund this bounty?", "0.08 BVS", "block #10,119", "(in 120 blocks")
	if h.api.Submitted() != nil {
		t.Fatal("submitted before y")
	}
	h.press("n")
	h.mustNotSee("Fund this bounty?")
	h.press("up", "enter")
	h.mustSee("Fund this bounty?", "0.05 BVS", "you (this node serves it)")
	h.press("y")
	body, ok := h.submittedBody().(wire.Bounty)
	if !ok {
		t.Fatalf("submitted %T, want a bounty", h.submittedBody())
	}
	want := wire.Bounty{Request: requestID(bwExpr), Row: 0, Amount: 5 * wire.Unit / 100, Deadline: 9_999 + bountyBlocks, Worker: testPub}
	if body != want {
		t.Fatalf("bounty %+v, want %+v", body, want)
	}
	h.mustSee("funded: the worker has until block #10,119", "funded: waiting for a block to hold it")
	tx, _ := wire.DecodeTx(h.api.Submitted())
	id := tx.ID()
	// A block holds it, the worker commits, the result arrives.
	b := node.BountyInfo{ID: id, Requester: testAddr, Request: requestID(bwExpr), Amount: body.Amount, Deadline: body.Deadline,
		Worker: testAddr, State: bountyCommitted, SettleAfter: 10_005}
	h.api.mu.Lock()
	h.api.bounties = append([]bountyInfo{b}, h.api.bounties...)
	h.api.mu.Unlock()
	h.api.market.results[id] = &market.Result{Bounty: id, Request: requestID(bwExpr), Kind: "json", Value: []byte(`{"gray":true}`), Fuel: 42}
	h.send(eventMsg{ev: node.Event{Kind: node.EventBlockConnected, Height: 10_000}, ch: h.api.events})
	h.mustSee("result committed")
	h.send(marketEventMsg{ev: market.Event{Kind: market.EventResult, Bounty: id}, ch: h.api.market.events})
	h.mustSee("Result of bounty", "JSON", `"gray": true`)
}

// TestMarketDisputeAsksFirst: d on a committed bounty of mine shows what
// a dispute costs (the amount is burned) before anything is signed; n
// sends nothing, y sends the dispute. s from a result settles it.
func TestMarketDisputeAsksFirst(t *testing.T) {
	t.Parallel()
	h := newMarketHarness(t)
	h.api.accounts[testAddr] = node.AccountInfo{Address: testAddr, Balance: 10 * wire.Unit, NextNonce: 3}
	h.press("b")
	h.mustSee("dispute window: 7 blocks")
	h.press("d")
	h.mustSee("Dispute this result?", "the amount is burned")
	h.press("n")
	if h.api.Submitted() != nil {
		t.Fatal("n submitted the dispute")
	}
	h.press("d", "y")
	if got, ok := h.submittedBody().(wire.Dispute); !ok || got.Bounty != bountyID(1) {
		t.Fatalf("submitted %+v, want the dispute of bounty 1", h.submittedBody())
	}
	h.mustSee("Dispute sent")
	h.press("enter")
	h.mustSee("Result of bounty")
	h.press("s")
	h.mustSee("Settle this bounty?", "the worker is paid 0.05 BVS")
	h.press("y")
	if got, ok := h.submittedBody().(wire.Settle); !ok || got.Bounty != bountyID(1) {
		t.Fatalf("submitted %+v, want the settlement of bounty 1", h.submittedBody())
	}
	// A job of mine still in its window: the worker may not settle yet.
	h.press("esc", "down", "s")
	h.mustSee("is accepted: only a committed result")
}

// TestMarketOfARemoteNodeWithoutOneSaysSo: attached to a node that runs
// no market service (the local API says so), the screen says so in a
// sentence instead of showing errors.
func TestMarketOfARemoteNodeWithoutOneSaysSo(t *testing.T) {
	t.Parallel()
	h := newMarketHarness(t)
	h.send(serveMsg{err: fmt.Errorf("market_serve_status: %w", rpc.ErrNoMarket)})
	h.mustSee("This node offers no compute market")
	h.send(serveMsg{st: &market.ServeStatus{On: true, Identity: testPub}})
	h.mustSee("serve ● on")
}

// TestMarketOpenBountiesNameRequestsQuotedHere: an open bounty whose
// request this UI quoted shows the request's text, not its hash.
func TestMarketOpenBountiesNameRequestsQuotedHere(t *testing.T) {
	t.Parallel()
	h := newMarketHarness(t)
	h.press("o")
	h.mustSee(view.Short(requestID(bwExpr).String(), 12))
	h.quote(bwExpr)
	h.press("o")
	h.mustSee(`("photo filters/black and white")`)
}

// TestMarketPrivateCheckboxSettlesThroughTheTumbler: p checks "settle
// privately (through the tumbler)" in the request form; enter on a row of
// another node's worker then starts a private settlement paid by the
// wallet's account (no bounty planned or signed); a row this node serves
// itself or a row with hops is refused in a sentence; p unchecks it and
// enter funds a bounty again.
func TestMarketPrivateCheckboxSettlesThroughTheTumbler(t *testing.T) {
	t.Parallel()
	h := newMarketHarness(t)
	h.api.market.setTable(bwExpr, marketRows(3)...)
	h.quote(bwExpr)
	h.mustSee("[ ] settle privately (through the tumbler)")
	h.press("p")
	h.mustSee("[x] settle privately (through the tumbler)", "no bounty, no link on chain, no reputation")
	h.press("enter")
	h.mustSee("pays another node's worker")
	h.press("down", "down", "enter")
	h.mustSee("choose a row with 0 hops")
	h.press("up", "enter")
	h.mustSee("Settling privately: waiting for a tumbler round")
	h.api.market.mu.Lock()
	jobs := slices.Clone(h.api.market.privates)
	h.api.market.mu.Unlock()
	if len(jobs) != 1 || jobs[0].Worker != otherKey.PubKey() || jobs[0].Input != testKey.PubKey() || jobs[0].Request != requestID(bwExpr) {
		t.Fatalf("private settlements %+v", jobs)
	}
	if slices.Contains(h.api.Calls(), "Preview") || slices.Contains(h.api.Calls(), "wallet.Sign") || h.api.Submitted() != nil {
		t.Fatalf("a private settlement planned or signed a transaction: %v", h.api.Calls())
	}
	h.send(marketEventMsg{ev: market.Event{Kind: market.EventJob, Bounty: wire.Hash{7}, State: "private-" + market.PrivHash}, ch: h.api.market.events})
	h.mustSee("signed result hash is in")
	h.press("p")
	h.mustSee("[ ] settle privately", "enter funds a row")
	h.press("enter")
	h.mustSee("Fund this bounty?")
}
