package tui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
)

// TestNoCallsFromUpdateOrView drives a whole session (create a wallet,
// every screen, the blocktree and a branch's details, mining, a send, a
// put at the root and one on a branch (with its stamp), branch-block
// events, a preview, keyspaces: list, show,
// look up, buy, edit a script) and checks, with the
// fakes' probe, that no node or wallet call was made while Update or View
// ran: every one came from a command.
func TestNoCallsFromUpdateOrView(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 300, false)
	h.api.accounts[testAddr] = node.AccountInfo{Balance: 500 * wire.Unit, Immature: 50 * wire.Unit, NextNonce: 2}
	h.api.values["public/hello"] = node.ValueRecord{Key: "public/hello", Value: "world", Size: 5, Height: 290, Confirmations: 11, Writer: testAddr}
	h.api.history[testAddr] = []node.TxInfo{h.api.block(300, true).Txs[0]}
	h.send(tea.WindowSizeMsg{Width: 120, Height: 40})

	h.press("c")
	h.typeText("pw")
	h.press("enter")
	h.typeText("pw")
	h.press("enter", "enter")
	words := strings.Fields(testMnemonic)
	for _, at := range h.a.setup.confirmAt {
		h.typeText(words[at])
		h.press("enter")
	}
	if h.a.inSetup {
		t.Fatalf("setup did not finish:\n%s", h.screen())
	}
	h.send(statusMsg{st: h.api.status})
	h.send(eventMsg{ev: node.Event{Kind: node.EventBlockConnected, Height: 300}, ch: h.api.events})
	h.press("m", "2", "enter", "down", "pgdown", "end", "enter", "enter", "esc", "esc", "esc")
	h.press("3", "ctrl+r", "m")
	h.press("4", "r", "esc", "h", "enter", "esc", "esc", "s")
	h.typeText(otherAddr)
	h.press("tab")
	h.typeText("2")
	h.press("enter", "y")
	h.press("5", "enter", "/")
	h.typeText("public/")
	h.press("enter", "o")
	h.typeText("public/hello")
	h.press("enter", "p")
	h.typeText("public/x")
	h.press("tab")
	h.typeText(`{"a":1}`)
	h.press("enter", "y")
	// A write at depth 2 (chain 01): credit, a stamp, waiting for it, the put.
	h.press("p")
	h.typeText("public/note")
	h.press("tab")
	h.typeText("on a branch")
	h.press("tab", "+", "+", "-", "2", "enter", "y")
	h.send(eventMsg{ev: node.Event{Kind: node.EventBranchBlock, Chain: "01", Height: 3}, ch: h.api.events})
	h.press("2", "down", "enter", "esc", "5")
	h.send(eventMsg{ev: node.Event{Kind: node.EventBranchBlock, Chain: "0", Height: 9}, ch: h.api.events})
	h.api.addKeyspace("erik", testAddr, 290, "")
	h.press("K", "enter", "esc", "o")
	h.typeText("alice")
	h.press("enter", "esc", "b")
	h.typeText("bitverse")
	h.press("enter") // free: on to the script field
	h.typeText("testdata/keyspaces/owner-only.js")
	h.press("enter", "y", "e", "y", "K", "1", "?", "?")
	// The market: serve, a request and its table as offers come, the
	// lists, accept, a result.
	marketChain(h.api)
	h.press("6", "S", "r")
	h.typeText(bwExpr)
	h.press("enter")
	h.api.market.setTable(bwExpr, marketRows(2)...)
	h.send(marketEventMsg{ev: market.Event{Kind: market.EventOffer, Request: requestID(bwExpr)}, ch: h.api.market.events})
	h.press("down", "esc", "b", "enter", "esc", "o", "a", "/", "esc")
	h.send(marketEventMsg{ev: market.Event{Kind: market.EventResult, Bounty: bountyID(1)}, ch: h.api.market.events})
	h.press("esc", "1")

	if v := h.api.Violations(); len(v) > 0 {
		t.Fatalf("calls from Update or View: %v", v)
	}
	calls := h.api.Calls()
	for _, want := range []string{"Status", "Events", "Account", "Blocks", "Block", "History", "Keys", "Get",
		"SetMining", "SubmitTx", "Keyspaces", "Keyspace", "Tree", "Credit", "Preview", "wallet.Exists", "wallet.Create", "wallet.Sign",
		"market.Events", "market.Quote", "market.Table", "market.Requests", "market.Serve", "market.ServeStatus", "market.Take",
		"market.Result", "Bounties"} {
		if !slices.Contains(calls, want) {
			t.Errorf("the session never called %s (calls: %v)", want, calls)
		}
	}
}

// TestUpdateDoesNotWaitForTheNode blocks every API call until the end of the
// test and feeds the model a session's worth of messages: Update and View
// must keep returning, since only the commands (run here on their own
// goroutines, where they stay blocked) talk to the node.
func TestUpdateDoesNotWaitForTheNode(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(100)
	ws := &fakeWallets{probe: api.probe, exists: true}
	api.gate = make(chan struct{})
	defer close(api.gate)
	a := newApp(testOptions(api), testDeps(api, ws))

	var started int
	runAsync := func(cmd tea.Cmd) {
		if cmd != nil {
			started++
			go cmd() // blocks on the gate (or on a tick); its message is dropped
		}
	}
	putReq := func() reqID { return a.screens[tabData].(*dataScreen).flow.req }
	msgs := []any{
		tea.WindowSizeMsg{Width: 80, Height: 24},
		walletExistsMsg{exists: true},
		keyMsg("x"), keyMsg("enter"),
		walletOpenedMsg{w: &fakeWallet{probe: api.probe}},
		walletReadyMsg{w: &fakeWallet{probe: api.probe}, accounts: (&fakeWallet{probe: &probe{}}).Accounts()},
		pollMsg{},
		statusMsg{st: api.status},
		eventMsg{ev: node.Event{Kind: node.EventBlockConnected, Height: 100}, ch: api.events},
		eventMsg{ev: node.Event{Kind: node.EventBranchBlock, Chain: "01", Height: 7}, ch: api.events},
		keyMsg("m"), keyMsg("2"),
		eventMsg{ev: node.Event{Kind: node.EventBranchBlock, Chain: "0", Height: 8}, ch: api.events},
		treeMsg{tree: node.Tree{Chains: []node.ChainInfo{{Chain: "/", Height: 100, Followed: true}, {Chain: "0", Depth: 1, Height: 8}}}},
		keyMsg("down"), keyMsg("enter"), keyMsg("esc"), keyMsg("up"),
		keyMsg("enter"), keyMsg("end"), keyMsg("3"), keyMsg("4"), keyMsg("h"),
		keyMsg("5"), keyMsg("p"), keyMsg("k"), keyMsg("tab"), keyMsg("v"), keyMsg("tab"), keyMsg("+"), keyMsg("enter"),
		// The put's replies carry the request ID the screen's flow took.
		func() tea.Msg {
			return preparedMsg{id: putReq(), plan: &txPlan{wait: true, steps: []planStep{
				{tx: wire.NewTx(wire.RootChain, wire.Stamp{Chain: wire.ForPath(wire.KeyPath("k"), 1), Amount: 1}, 0, 1), what: "the stamp"},
				{tx: wire.NewTx(wire.ForPath(wire.KeyPath("k"), 1), wire.Put{Key: "k", Value: []byte("v")}, 0, 1), what: "the write"},
			}}}
		},
		keyMsg("y"), func() tea.Msg { return submittedMsg{id: putReq(), step: 0, tx: wire.Sum([]byte("stamp"))} },
		func() tea.Msg { return txConfirmedMsg{id: putReq(), tx: wire.Sum([]byte("stamp"))} }, keyMsg("esc"),
		keyMsg("p"), keyMsg("tab"), keyMsg("tab"), keyMsg("2"), keyMsg("esc"),
		keyMsg("esc"), keyMsg("esc"), keyMsg("K"), keyMsg("enter"), keyMsg("e"), keyMsg("b"), keyMsg("x"), keyMsg("enter"),
		keyMsg("esc"), keyMsg("K"), keyMsg("6"), keyMsg("S"), keyMsg("r"), keyMsg("("), keyMsg("k"), keyMsg(")"), keyMsg("enter"),
		marketEventMsg{ev: market.Event{Kind: market.EventOffer}, ch: api.market.events}, keyMsg("b"), keyMsg("o"), keyMsg("a"),
		marketEventMsg{ev: market.Event{Kind: market.EventResult}, ch: api.market.events}, keyMsg("esc"),
		tea.WindowSizeMsg{Width: 120, Height: 40},
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		runAsync(a.Init())
		for _, m := range msgs {
			if f, ok := m.(func() tea.Msg); ok {
				m = f()
			}
			_, cmd := a.Update(m)
			_ = a.View()
			runAsync(cmd)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Update or View waited for a blocked node")
	}
	if started == 0 {
		t.Fatal("no commands were returned")
	}
}

// TestProbeCountsOnlyTheUpdateGoroutine: a call made while Update runs is
// a violation on Update's goroutine, not on a command's goroutine still
// running from before (which a loaded machine makes outlive the harness's
// patience).
func TestProbeCountsOnlyTheUpdateGoroutine(t *testing.T) {
	t.Parallel()
	p := &probe{}
	p.enter()
	done := make(chan struct{})
	go func() { p.record("FromACommand"); close(done) }()
	<-done
	p.record("FromUpdate")
	p.leave()
	p.record("AfterUpdate")
	if v := p.Violations(); len(v) != 1 || v[0] != "FromUpdate" {
		t.Fatalf("violations %v, want [FromUpdate]", v)
	}
}
