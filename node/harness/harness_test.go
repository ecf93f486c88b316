package harness

import (
	"bytes"
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

// TestNodesRunProductionWiring: harness nodes are the product's assembly —
// access scripts in worker processes, a blob service on the host, and a
// local API a client can use for chain, network and blob calls.
func TestNodesRunProductionWiring(t *testing.T) {
	h := New(t)
	a, b := h.NewNode("a"), h.NewNode("b")
	h.ConnectAll()
	for _, n := range []*Node{a, b} {
		if n.Daemon.Scripts() == nil || n.Daemon.Blobs() == nil || n.Daemon.RPC() == nil {
			t.Fatalf("%s: scripts %v, blobs %v, local API %v: want all three", n.Name,
				n.Daemon.Scripts() != nil, n.Daemon.Blobs() != nil, n.Daemon.RPC() != nil)
		}
	}
	a.Mine(2)
	h.WaitForTip(10 * time.Second)
	ctx := t.Context()
	st, err := b.API.Status(ctx)
	if err != nil || st.Height != 2 || st.Peers != 1 {
		t.Fatalf("b's local API: height %d, peers %d, err %v; want 2 and 1 (the host reports peers to the node)", st.Height, st.Peers, err)
	}
	peers, err := b.API.Peers(ctx)
	if err != nil || len(peers) != 1 || peers[0].ID != a.ID().String() {
		t.Fatalf("b's local API peers %+v, err %v; want a", peers, err)
	}
	data := bytes.Repeat([]byte("chunk"), 100_000)
	info, err := a.API.PutBlob(ctx, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.API.FetchBlob(ctx, info.Manifest); err != nil {
		t.Fatalf("b fetches a's blob through its local API: %v", err)
	}
	var got bytes.Buffer
	if _, err := b.API.ReadBlob(ctx, info.Manifest, &got); err != nil || !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("b read %d bytes (err %v), want the %d a stored", got.Len(), err, len(data))
	}
}

// TestBansBetweenHonestNodesAreCaught: a ban one harness node makes of
// another is seen in its log whatever the log level, a ban the operator
// asked for is left out, and a node declared Hostile may be banned.
func TestBansBetweenHonestNodesAreCaught(t *testing.T) {
	h := New(t)
	a, b := h.NewNode("a"), h.NewNode("b")
	h.ConnectAll()
	if err := a.Host.Ban(b.ID().String(), time.Hour); err != nil {
		t.Fatal(err)
	}
	h.banMu.Lock()
	seen := len(h.bans)
	h.banMu.Unlock()
	if seen != 1 {
		t.Fatalf("the harness saw %d bans in the logs, want the operator's 1", seen)
	}
	if got := h.honestBans(); len(got) != 0 {
		t.Fatalf("an operator's ban counted as a node's judgement: %q", got)
	}
	// What the host logs when it bans on its own judgement.
	a.logger().Warn(banMsg, "peer", b.ID(), "for", time.Hour, "reason", "served an invalid block: bad")
	if got := h.honestBans(); len(got) != 1 || got[0] != "a banned b: served an invalid block: bad" {
		t.Fatalf("honest bans %q, want a's ban of b", got)
	}
	h.Hostile(b)
	if got := h.honestBans(); len(got) != 0 {
		t.Fatalf("the ban of a node declared hostile counted: %q", got)
	}
}
