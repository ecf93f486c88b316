package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// TestBlocktreeShowsTheTree: the 15 devnet chains in depth-first order
// with their connectors, mode and interval; a branch opens its details;
// the root opens its blocks.
func TestBlocktreeShowsTheTree(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 9_999, 80, 24)
	h.press("2")
	h.mustSee("15 chains · 5 stored in full")
	scr := h.screen()
	var order []string
	for _, l := range strings.Split(scr, "\n") {
		f := strings.Fields(strings.NewReplacer("▸", " ", "├─", " ", "└─", " ", "│", " ").Replace(l))
		if len(f) >= 5 && strings.Contains(l, "…") && (f[0] == "/" || strings.Trim(f[0], "01") == "") {
			order = append(order, f[0])
		}
	}
	want := []string{"/", "0", "00", "000", "001", "01", "010", "011", "1", "10", "100", "101", "11", "110", "111"}
	if !slices.Equal(order, want) {
		t.Fatalf("chains in order %v, want %v:\n%s", order, want, scr)
	}
	for _, s := range []string{"│  │  └─ 001", "   └─ 11", "      └─ 111", "16s  headers", "8s  full"} {
		if !strings.Contains(scr, s) {
			t.Errorf("the tree lacks %q:\n%s", s, scr)
		}
	}
	if strings.Contains(scr, "not built yet") || strings.Contains(scr, "whole blocktree today") {
		t.Errorf("the tree still says branches do not exist:\n%s", scr)
	}
	h.press("down", "down", "down", "down", "down", "enter") // 01
	h.mustSee("chains › 01", "depth 2 · child of 0", "put at depth 2", "8s between blocks")
	h.press("esc", "G", "enter") // 111, headers only
	h.mustSee("chains › 111", "headers only", "--follow 111")
	h.press("esc", "g", "enter")
	h.mustSee("/ blocks", "#9,999")
}

// TestTreeRefreshIsCoalesced: block and branch-block events ask for the
// tree while the screen is open, one call at a time; events that arrive
// while a call is out make exactly one more.
func TestTreeRefreshIsCoalesced(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 100, 80, 24)
	h.press("2")
	bt := h.a.screens[tabBlocktree].(*blocktreeScreen)
	ev := func(kind node.EventKind, chain string) eventMsg {
		return eventMsg{ev: node.Event{Kind: kind, Chain: chain, Height: 7, Time: testNow.UnixMilli() - 1000}, ch: h.api.events}
	}
	first := bt.Update(ev(node.EventBranchBlock, "01"))
	if first == nil {
		t.Fatal("a branch block did not ask for the tree")
	}
	for _, e := range []eventMsg{ev(node.EventBranchBlock, "010"), ev(node.EventBlockConnected, ""), ev(node.EventBranchBlock, "0")} {
		if cmd := bt.Update(e); cmd != nil {
			t.Fatal("a second Tree call while one is out")
		}
	}
	if cmd := bt.Update(ev(node.EventTxAdded, "")); cmd != nil {
		t.Fatal("a mempool event asked for the tree")
	}
	msg := first()
	if _, ok := msg.(treeMsg); !ok {
		t.Fatalf("the command returned %T", msg)
	}
	again := bt.Update(msg)
	if again == nil {
		t.Fatal("events during the call did not ask again")
	}
	if cmd := bt.Update(again()); cmd != nil {
		t.Fatal("asked a third time with nothing new")
	}
	if h.api.Violations() != nil {
		t.Fatal(h.api.Violations())
	}
	h.press("1")
	if cmd := bt.Update(ev(node.EventBranchBlock, "01")); cmd != nil {
		t.Fatal("asked for the tree while the screen is hidden")
	}
	h.press("2")
	h.mustSee("● 1s ago") // 01 moved, with its tip's time from the event
}

// TestPutOnABranch: the depth field picks the chain of the key; a write
// on a branch without credit stamps the shortfall on the root first,
// waits for it, then submits the put on the branch, with the chain's
// nonce; with enough credit, no stamp. Reading it back shows its chain
// and root confirmations.
func TestPutOnABranch(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 120, 40)
	h.api.accounts[testAddr] = node.AccountInfo{Balance: 100 * wire.Unit, NextNonce: 4}
	h.exec(h.a.requestBalances())
	h.press("5", "p")
	h.typeText("public/note")
	h.press("tab")
	h.typeText("on a branch")
	h.press("tab", "+", "+", "+", "+") // clamps at the devnet's depth 3
	h.mustSee("‹ 3 › chain 011", "blocks every 16s")
	h.press("-")
	h.mustSee("‹ 2 › chain 01", "from write credit on chain 01")
	h.press("0")
	h.mustSee("‹ 0 › the root chain /")
	h.press("2", "enter")
	h.mustSee("Write this value?", "2 (chain 01)", "stamp", "from your balance, first")
	h.press("y")
	h.mustSee("Written: public/note on chain 01 (its credit stamped for 0.0000")

	var stamp, put *wire.Tx
	for _, tx := range h.api.submittedTxs() {
		switch tx.Body.(type) {
		case wire.Stamp:
			stamp = tx
		case wire.Put:
			put = tx
		}
	}
	if stamp == nil || put == nil {
		t.Fatalf("submitted stamp %v, put %v", stamp, put)
	}
	chain01, _ := wire.ParseChainID("01")
	if sb := stamp.Body.(wire.Stamp); !stamp.Chain.IsRoot() || sb.Chain != chain01 || sb.Amount != put.Fee || stamp.Nonce != 4 {
		t.Fatalf("stamp on %s of %+v nonce %d, want on / for chain 01 of the put's fee %d at nonce 4", stamp.Chain, sb, stamp.Nonce, put.Fee)
	}
	if put.Chain != chain01 || put.Nonce != 0 || put.Fee != h.a.s.params.MinFee(put.Size()) {
		t.Fatalf("put on %s nonce %d fee %d", put.Chain, put.Nonce, put.Fee)
	}
	if err := put.VerifySig(wire.Devnet); err != nil {
		t.Fatal(err)
	}

	// Enough credit: the second write needs no stamp.
	h.api.credit["01"] = wire.Unit
	h.press("esc", "p")
	h.typeText("public/x")
	h.press("tab")
	h.typeText("again")
	h.press("tab", "2", "enter")
	h.mustSee("Write this value?", "2 (chain 01)")
	h.mustNotSee("stamp ")
	n := len(h.api.submittedTxs())
	h.press("y")
	h.mustSee("Written: public/x on chain 01")
	h.mustNotSee("stamped for")
	if got := len(h.api.submittedTxs()); got != n+1 {
		t.Fatalf("%d transactions submitted for a covered write, want 1", got-n)
	}

	// The value lands on 01 and is checkpointed: the preview says where.
	h.api.values["public/note"] = node.ValueRecord{Key: "public/note", Value: "on a branch", Size: 11, Height: 3, Confirmations: 2,
		Writer: testAddr, Chain: "01", RootConfirmations: 1}
	h.send(eventMsg{ev: node.Event{Kind: node.EventBranchBlock, Chain: "01", Height: 3}, ch: h.api.events})
	h.press("esc", "o")
	h.typeText("public/note")
	h.press("enter")
	h.mustSee("on a branch", "chain 01 (depth 2) · 1 root confirmation")
}

// TestBranchPutWithoutFunds: a stamp the balance cannot pay is refused
// before anything is signed, in a sentence.
func TestBranchPutWithoutFunds(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 80, 24)
	h.press("5", "p")
	h.typeText("public/note")
	h.press("tab")
	h.typeText("v")
	h.press("tab", "2", "enter")
	h.mustSee("Stamping the missing write credit", "on chain 01 needs", "only 0 BVS is spendable", "Mine")
	if len(h.api.submittedTxs()) != 0 {
		t.Fatal("submitted without funds")
	}
}

// TestBranchPutOnAChainNotStored: the node's sentence about a chain it
// keeps headers of only reaches the form.
func TestBranchPutOnAChainNotStored(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 120, 40)
	h.api.accounts[testAddr] = node.AccountInfo{Balance: 100 * wire.Unit}
	h.press("5", "p")
	h.typeText("public/greeting") // depth 2: chain 11
	h.press("tab")
	h.typeText("v")
	h.press("tab", "2", "enter")
	h.mustSee("does not store chain 11", "--follow 11")
}

// TestBranchValueWaitsForItsCheckpoint: a branch value not yet
// checkpointed is read again at each root block until it is.
func TestBranchValueWaitsForItsCheckpoint(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 80, 24)
	h.api.values["public/note"] = node.ValueRecord{Key: "public/note", Value: "v", Size: 1, Height: 2, Confirmations: 1, Writer: testAddr, Chain: "01"}
	h.press("5", "o")
	h.typeText("public/note")
	h.press("enter")
	h.mustSee("chain 01 (depth 2) · not yet checkpointed on the root")
	h.api.values["public/note"] = node.ValueRecord{Key: "public/note", Value: "v", Size: 1, Height: 2, Confirmations: 2, Writer: testAddr, Chain: "01", RootConfirmations: 1}
	h.send(eventMsg{ev: node.Event{Kind: node.EventBlockConnected, Height: 21}, ch: h.api.events})
	h.mustSee("chain 01 (depth 2) · 1 root confirmation")
}

// TestBlocktreeOpensABranch: enter on a branch shows its details, enter
// again its blocks (from the node's BlocksOn, at the branch's own tip),
// then a block with its transactions, then one transaction; esc climbs
// back to the branch.
func TestBlocktreeOpensABranch(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 9_999, 100, 30)
	h.press("2", "down") // chain 0
	h.press("enter")
	h.mustSee("chains › 0", "enter opens its blocks and their transactions")
	h.press("enter")
	h.mustSee("chains › 0 blocks", "#4,999", "#4,998")
	h.press("down", "enter")
	h.mustSee("chains › 0 blocks › #4,998", "Transactions", "coinbase", "put", "branch/key-0")
	// By height: a real node files a merged-mined branch block under
	// another hash than the ID its lists give.
	h.api.mu.Lock()
	refs := slices.Clone(h.api.blockOnRefs)
	h.api.mu.Unlock()
	if !slices.Equal(refs, []string{"4998"}) {
		t.Fatalf("BlockOn asked for %v, want the height 4998", refs)
	}
	h.press("down", "enter")
	h.mustSee("type       put", "key        branch/key-0", "chain      0 (a branch chain)")
	h.press("esc", "esc", "esc")
	h.mustSee("chains › 0", "depth 1")
	h.press("esc")
	h.mustSee("15 chains")
	if v := h.api.Violations(); len(v) > 0 {
		t.Fatalf("calls from Update or View: %v", v)
	}
}

// TestBlocktreeBranchHeadersOnly: a chain kept as headers only says so;
// its blocks list from their headers (no transaction count), and a block
// opened comes whole from a peer through the node, saying from whom; when
// no peer sends it, the header stays with the node's sentence why.
func TestBlocktreeBranchHeadersOnly(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 9_999, 100, 30)
	h.press("2", "end", "enter") // chain 111, headers only
	h.mustSee("chains › 111", "headers only", "a block opened comes from a peer")
	h.press("enter")
	h.mustSee("chains › 111 blocks", "–         –")
	h.press("enter")
	h.mustSee("Transactions  from peer "+view.Short(fakePeer, 20), "checked against the header this node verified", "coinbase")
	h.press("esc")
	h.api.mu.Lock()
	h.api.fetchErr = fmt.Errorf("%w: no peer sent block 1234abcd of chain 111, which this node keeps as headers only (remote read failed: no peer is connected)", node.ErrNotFound)
	h.api.mu.Unlock()
	h.press("down", "enter")
	h.mustSee("No peer sent block 1234abcd of chain 111", "difficulty")
	h.mustNotSee("from peer")
	h.mustNotSee("Not found")
	if v := h.api.Violations(); len(v) > 0 {
		t.Fatalf("calls from Update or View: %v", v)
	}
}
