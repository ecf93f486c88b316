package harness

import (
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
)

func TestPartitionHeal(t *testing.T) {
	h := New(t)
	a, b, c := h.NewNode("a"), h.NewNode("b"), h.NewNode("c")
	h.ConnectAll()
	h.Partition([]*Node{a}, []*Node{b, c})
	connected := func(x, y *Node) bool {
		return x.Host.LibP2P().Network().Connectedness(y.ID()) == network.Connected
	}
	if connected(a, b) || connected(a, c) || !connected(b, c) {
		t.Fatal("partition left a cross-group connection or cut one inside a group")
	}
	a.Mine(3)
	b.Mine(5)
	h.WaitForTip(10*time.Second, b, c)
	if a.Chain().Tip().ID == b.Chain().Tip().ID {
		t.Fatal("a block crossed the partition")
	}
	h.Heal()
	if !connected(a, b) || !connected(a, c) {
		t.Fatal("heal did not reconnect")
	}
	tip := h.WaitForTip(10 * time.Second)
	if tip != c.Chain().Tip().ID || c.Chain().Tip().Height != 5 {
		t.Fatalf("converged on height %d, want the longer side's 5", c.Chain().Tip().Height)
	}
}

func TestBuildChainAndCopy(t *testing.T) {
	h := New(t)
	src := h.NewNode("src", NoNetwork())
	puts := src.BuildChain(20, 3)
	if want := 3 * (20 - int(h.Params().CoinbaseMaturity) - 1); puts != want {
		t.Fatalf("puts %d, want %d", puts, want)
	}
	cp := h.NewNode("copy", CopyChainOf(src), NoNetwork())
	if cp.Chain().Tip().ID != src.Chain().Tip().ID {
		t.Fatal("copy has another tip")
	}
	if cp.Chain().Tip().StateRoot != src.Chain().Tip().StateRoot {
		t.Fatal("copy has another state")
	}
}
