package p2p_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/libp2p/go-libp2p/core/network"
)

// Fast variants of the acceptance scenarios (see long_test.go for the full
// sizes, run with `make test-long`).

func TestConvergeFast(t *testing.T) { scenarioConverge(t, 3, 2, 100*time.Millisecond, 25) }

func TestPartitionHealFast(t *testing.T) { scenarioPartition(t, 4, 7) }

func TestSyncFast(t *testing.T) { scenarioSync(t, 200, 3) }

func TestJunkPeerFast(t *testing.T) { scenarioJunk(t, 100, false) }

// A node with a host but no peers mines with the real miner and confirms
// its own writes (the lone-node requirement).
func TestLoneNodeMinesAndWrites(t *testing.T) {
	h := harness.New(t)
	n := h.NewNode("lone")
	if err := n.StartMining(nil); err != nil {
		t.Fatal(err)
	}
	defer n.StopMining()
	waitHeight(t, n, h.Params().CoinbaseMaturity+2, 30*time.Second)
	id, err := n.Put("public/lone", "alone but alive")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.WaitConfirmed(id, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	st, _ := n.Status(context.Background())
	if st.Peers != 0 || len(n.Host.Peers()) != 0 {
		t.Fatalf("lone node has peers: %d", st.Peers)
	}
	got, err := n.Get(context.Background(), "public/lone", false, false)
	if err != nil || got.Value != "alone but alive" {
		t.Fatalf("get: %v %v", got, err)
	}
}

func waitHeight(t *testing.T, n *harness.Node, height uint64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for n.Chain().Tip().Height < height {
		if time.Now().After(deadline) {
			t.Fatalf("%s stuck at height %d, want %d", n.Name, n.Chain().Tip().Height, height)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A newcomer given one bootstrap address finds the bootstrap node's other
// peers through the DHT, and syncs.
func TestDHTDiscovery(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("a", harness.WithDHT())
	b := h.NewNode("b", harness.WithDHT())
	c := h.NewNode("c", harness.WithDHT())
	a.Mine(5)
	ctx := context.Background()
	for _, n := range []*harness.Node{b, c} {
		if err := n.Host.AddPeer(ctx, a.Host.Addrs()[0]); err != nil {
			t.Fatal(err)
		}
	}
	d := h.NewNode("d", harness.WithDHT(), harness.WithP2PConfig(func(cfg *p2p.Config) {
		cfg.Bootstrap = []string{a.Host.Addrs()[0]}
	}))
	deadline := time.Now().Add(40 * time.Second)
	for len(d.Host.LibP2P().Network().Peers()) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("d knows %d peers after 40 s, want a, b and c", len(d.Host.LibP2P().Network().Peers()))
		}
		time.Sleep(100 * time.Millisecond)
	}
	h.WaitForTip(10*time.Second, a, b, c, d)
}

// Bans: an operator ban disconnects and refuses the peer, survives a
// restart, shows in Peers, and Unban lets the peer back.
func TestBanUnbanRestart(t *testing.T) {
	h := harness.New(t)
	a, b := h.NewNode("a"), h.NewNode("b")
	h.Connect(a, b)
	if err := a.Host.Ban(b.ID().String(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := a.Host.Ban("not-a-peer-id", time.Hour); !errors.Is(err, p2p.ErrBadPeerID) {
		t.Fatalf("ban of a bad id: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := b.Host.LibP2P().Connect(ctx, a.AddrInfo()); err == nil && a.Host.LibP2P().Network().Connectedness(b.ID()) == network.Connected {
		t.Fatal("banned peer reconnected")
	}
	if err := a.Host.AddPeer(ctx, b.Host.Addrs()[0]); !errors.Is(err, p2p.ErrBanned) {
		t.Fatalf("AddPeer of a banned peer: %v", err)
	}
	a.Restart()
	bans := a.Host.Bans()
	if len(bans) != 1 || bans[0].ID != b.ID().String() || bans[0].Reason != "banned by the operator" {
		t.Fatalf("bans after restart: %+v", bans)
	}
	peers := a.Host.Peers()
	raw, _ := json.Marshal(peers)
	if len(peers) != 1 || !peers[0].Banned || peers[0].Connected || !strings.Contains(string(raw), `"banned":true`) {
		t.Fatalf("peers after restart: %s", raw)
	}
	if err := a.Host.Unban(b.ID().String()); err != nil {
		t.Fatal(err)
	}
	h.Connect(a, b)
	peers = a.Host.Peers()
	if len(peers) != 1 || peers[0].Banned || !peers[0].Connected || peers[0].Direction == "" {
		t.Fatalf("peers after unban: %+v", peers)
	}
}

// A sync interrupted by a restart continues from the persisted tip.
func TestSyncResumesAfterRestart(t *testing.T) {
	h := harness.New(t)
	src := h.NewNode("src")
	const blocks = 150
	src.BuildChain(blocks, 2)
	n := h.NewNode("newcomer")
	h.Connect(n, src)
	waitHeight(t, n, 40, 30*time.Second)
	n.Stop()
	at := n.Chain().Tip().Height
	n.Reopen()
	if at < 40 {
		t.Fatalf("height %d after restart: the synced blocks were lost", at)
	}
	h.WaitForTip(60*time.Second, src, n)
	// Sync must fetch only what the node lacked, never again what it had;
	// a block or two may come by another way (a dependency fetched by id,
	// gossip). The tip moves inside ProcessBlock, before the syncer counts
	// the block: wait for the count (seen under the race detector as one
	// block short).
	var got, other uint64
	testutil.Eventually(t, 30*time.Second, "sync's count of the blocks it connected", func() error {
		st := n.Host.Stats()
		got, other = st.SyncedBlocks, st.FetchedDeps+st.GossipAccepted
		if got+other < blocks-at {
			return fmt.Errorf("after restart at height %d it synced %d blocks (and took %d otherwise), want %d", at, got, other, blocks-at)
		}
		return nil
	})
	if got > blocks-at {
		t.Fatalf("after restart at height %d it synced %d blocks (and took %d otherwise), want %d: it fetched again what it had", at, got, other, blocks-at)
	}
	t.Logf("restarted at height %d, synced the remaining %d (%d otherwise)", at, got, other)
}

// A devnet plan's nodes find each other through their bootstrap lists
// alone, whatever order they start in.
func TestDevnetPlan(t *testing.T) {
	dir := t.TempDir()
	plan, err := p2p.DevnetPlan(dir, 3, 30000+int(time.Now().UnixNano()%20000))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := p2p.DevnetPlan(dir, 3, 30000)
	if again[2].ID != plan[2].ID {
		t.Fatal("peer ids changed between two plans of the same directory")
	}
	h := harness.New(t)
	var ns []*harness.Node
	for i, p := range plan {
		ns = append(ns, h.NewNode(fmt.Sprintf("node%d", i+1), harness.InDir(p.Dir), harness.WithP2PConfig(func(c *p2p.Config) {
			c.Listen, c.Bootstrap = p.Listen, p.Bootstrap
		})))
		if ns[i].ID().String() != p.ID {
			t.Fatalf("node %d runs as %s, the plan says %s", i+1, ns[i].ID(), p.ID)
		}
	}
	ns[2].Mine(3)
	h.WaitForTip(30*time.Second, ns...)
	for _, n := range ns {
		if got := len(n.Host.LibP2P().Network().Peers()); got != 2 {
			t.Errorf("%s has %d peers, want 2", n.Name, got)
		}
	}
}

// Two nodes with mDNS on find each other on the LAN with no address given.
func TestMDNSDiscovery(t *testing.T) {
	h := harness.New(t)
	on := harness.WithP2PConfig(func(c *p2p.Config) { c.DisableMDNS = false })
	a := h.NewNode("a", on)
	b := h.NewNode("b", on)
	b.Mine(2)
	deadline := time.Now().Add(20 * time.Second)
	for a.Host.LibP2P().Network().Connectedness(b.ID()) != network.Connected {
		if time.Now().After(deadline) {
			t.Fatalf("a did not find b through mDNS within 20 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.WaitForTip(10*time.Second, a, b)
}

// A peer added with AddPeer (`bitverse peers add`) is dialled again after
// a restart, with no bootstrap list.
func TestAddedPeerRedialledAfterRestart(t *testing.T) {
	h := harness.New(t)
	a, b := h.NewNode("a"), h.NewNode("b")
	if err := a.Host.AddPeer(context.Background(), b.Host.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	if err := a.Host.AddPeer(context.Background(), "/ip4/127.0.0.1/tcp/1"); !errors.Is(err, p2p.ErrBadAddr) {
		t.Fatalf("address without a peer id: %v", err)
	}
	if err := a.Host.AddPeer(context.Background(), a.Host.Addrs()[0]); !errors.Is(err, p2p.ErrSelf) {
		t.Fatalf("own address: %v", err)
	}
	a.Restart() // the harness has no link to redial: only a's memory can
	deadline := time.Now().Add(10 * time.Second)
	for a.Host.LibP2P().Network().Connectedness(b.ID()) != network.Connected {
		if time.Now().After(deadline) {
			t.Fatal("a did not redial b after its restart")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
