package p2p_test

import (
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/wire"
)

// hugeWork is more work than any test chain has.
var hugeWork = new(big.Int).Lsh(big.NewInt(1), 200)

// syncLiar starts a bare host that claims hugeWork at height on victim's
// network and answers header requests with headers; victim dials it (so it
// runs the status handshake and, seeing more work, syncs from it).
func syncLiar(t *testing.T, h *harness.Harness, victim *harness.Node, height uint64, headers func([]wire.Hash) []wire.Header) *harness.Junk {
	t.Helper()
	j := h.NewJunk()
	gen, _ := victim.Chain().IDAt(0)
	var tip wire.Hash
	tip[0] = 0xee
	p2p.ServeSyncLies(j.Host, h.Params().Net, gen, height, tip, hugeWork, headers)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addr := j.Host.Addrs()[0].String() + "/p2p/" + j.Host.ID().String()
	if err := victim.Host.AddPeer(ctx, addr); err != nil {
		t.Fatal(err)
	}
	return j
}

func waitBanReason(t *testing.T, n *harness.Node, j *harness.Junk, want string) {
	t.Helper()
	waitBanned(t, n, j.Host.ID())
	for _, b := range n.Host.Bans() {
		if b.ID == j.Host.ID().String() && !strings.Contains(b.Reason, want) {
			t.Fatalf("ban reason %q, want it to mention %q", b.Reason, want)
		}
	}
}

// Reject: headers that carry their own proof of work but not the target the
// difficulty rule requires (here the easiest target while the rule, with
// headers dated a millisecond apart, asks for harder ones) are refused, and
// the peer that sent them, claiming huge work, is banned.
func TestSyncRefusesHeadersOffTheDifficultyRule(t *testing.T) {
	h := harness.New(t)
	victim := h.NewNode("victim")
	victim.Mine(3)
	tip := victim.Chain().Tip()
	var forged []wire.Header
	prev := tip.Header
	for i := 0; i < 40; i++ {
		b := &wire.Block{Header: wire.Header{Version: 1, Chain: wire.RootChain, Height: prev.Height + 1, Prev: prev.ID(),
			Time: prev.Time + 1, Bits: h.Params().GenesisBits}}
		harness.Solve(b)
		forged = append(forged, b.Header)
		prev = b.Header
	}
	j := syncLiar(t, h, victim, prev.Height, func([]wire.Hash) []wire.Header { return forged })
	waitBanReason(t, victim, j, "target bits")
	if victim.Chain().Tip().ID != tip.ID {
		t.Fatal("the victim moved its tip on forged headers")
	}
}

// Reject: a peer whose headers are valid but prove far less work than it
// claimed (here, none at all: it has nothing after our tip) is banned, so
// it cannot keep first place in the sync line with a claim.
func TestSyncBansUnbackedWorkClaim(t *testing.T) {
	h := harness.New(t)
	victim := h.NewNode("victim")
	victim.Mine(3)
	j := syncLiar(t, h, victim, 1_000_000, func([]wire.Hash) []wire.Header { return nil })
	waitBanReason(t, victim, j, "claimed work")
}

// Reject, then accept: a liar serves real headers of a longer chain (valid
// under every rule) but claims far more work than they carry: it is
// banned; the honest peer that has the chain, and claims exactly its work,
// is synced from and not banned.
func TestSyncRanksByVerifiedWork(t *testing.T) {
	h := harness.New(t)
	src := h.NewNode("src")
	src.Mine(30)
	victim := h.NewNode("victim")
	for ht := uint64(1); ht <= 10; ht++ {
		b, err := src.Chain().BlockByHeight(ht)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := victim.SubmitBlock(b); err != nil {
			t.Fatal(err)
		}
	}
	j := syncLiar(t, h, victim, 1_000_000, func(loc []wire.Hash) []wire.Header { return src.Chain().HeadersAfter(loc, 2000) })
	waitBanReason(t, victim, j, "claimed work")
	if victim.Chain().Tip().Height != 10 {
		t.Fatalf("victim at height %d: it took blocks from a peer that has none", victim.Chain().Tip().Height)
	}
	h.Connect(victim, src)
	h.WaitForTip(20*time.Second, victim, src)
	if victim.Host.Banned(src.ID()) {
		t.Fatal("the honest peer was banned")
	}
}
