package p2p_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// mineWrites makes n's reward spendable, puts each key → value and mines
// them into a block.
func mineWrites(t testing.TB, h *harness.Harness, n *harness.Node, kv map[string]string) {
	t.Helper()
	n.Mine(int(h.Params().CoinbaseMaturity) + 2)
	var ids []wire.Hash
	for k, v := range kv {
		id, err := n.Put(k, v)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	n.Mine(1)
	for _, id := range ids {
		if err := n.WaitConfirmed(id, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
}

// A node gets a key verified through the peer that mined it (after
// syncing from it), an absent key is proven absent, and a chain nobody
// stores is a sentence.
func TestVerifiedGetRoundTrip(t *testing.T) {
	h := harness.New(t)
	a, b := h.NewNode("a"), h.NewNode("b")
	mineWrites(t, h, a, map[string]string{"public/greeting": "hello", "public/other": "x"})
	h.Connect(a, b)
	tip := h.WaitForTip(20*time.Second, a, b)
	ctx := context.Background()

	res, err := b.Host.GetVerified(ctx, wire.RootChain, "public/greeting")
	if err != nil {
		t.Fatal(err)
	}
	if res.Peer != a.ID() || !res.Found() || string(res.Record.Value) != "hello" || res.Header.ID() != tip {
		t.Fatalf("read %+v from %s, want hello from %s at %s", res, res.Peer, a.ID(), tip.Short())
	}
	if res.Record.Writer != a.Key.PubKey() {
		t.Fatal("record's writer is not a's key")
	}

	res, err = b.Host.GetVerified(ctx, wire.RootChain, "public/nothing")
	if err != nil {
		t.Fatal(err)
	}
	if res.Found() || res.Peer != a.ID() {
		t.Fatalf("absent key read as %+v", res.Record)
	}

	// Every harness node stores every chain of the tree: a branch key is
	// proven (absent) by a, a key of another chain is refused, and a chain
	// below the tree is stored by nobody.
	branch := wire.RootChain.Child(0)
	bk := keyUnder(branch, "greeting")
	res, err = b.Host.GetVerified(ctx, branch, bk)
	if err != nil || res.Found() || res.Peer != a.ID() || res.Header.Chain != branch {
		t.Fatalf("read of %s on chain 0: %+v, %v; want proven absent by a", bk, res, err)
	}
	other := keyUnder(wire.RootChain.Child(1), "greeting")
	if _, err := b.Host.GetVerified(ctx, branch, other); !errors.Is(err, node.ErrBadRequest) {
		t.Fatalf("read of a key of chain 1 on chain 0: %v, want a bad request", err)
	}
	deep := wire.ChainID{Depth: h.Params().MaxDepth + 1}
	_, err = b.Host.GetVerified(ctx, deep, keyUnder(deep, "greeting"))
	if !errors.Is(err, p2p.ErrNoProvider) || !strings.Contains(err.Error(), "no peer storing chain "+deep.String()+" answered") ||
		!strings.Contains(err.Error(), "chain not stored here") {
		t.Fatalf("read of a chain nobody stores: %v", err)
	}
	t.Logf("read of a chain nobody stores: %v", err)
	if _, err := b.Host.GetVerified(ctx, wire.RootChain, "/bad key"); !errors.Is(err, node.ErrBadRequest) {
		t.Fatalf("bad key: %v", err)
	}
	if a.Host.Banned(b.ID()) || b.Host.Banned(a.ID()) || len(b.Host.Liars()) != 0 {
		t.Fatal("an honest exchange cost someone a ban")
	}
}

// lyingSource answers like the node it wraps, then lets mutate change the
// answer (nil: honest).
type lyingSource struct {
	honest *node.Node
	mu     sync.Mutex
	mutate func(key string, a node.KeyProof) node.KeyProof
}

func (s *lyingSource) ProveKey(ctx context.Context, c wire.ChainID, key string, at *wire.Hash) (node.KeyProof, error) {
	a, err := s.honest.ProveKey(ctx, c, key, at)
	s.mu.Lock()
	m := s.mutate
	s.mu.Unlock()
	if err != nil || m == nil || a.Status != node.ProofOK {
		return a, err
	}
	return m(key, a), nil
}

func (s *lyingSource) set(m func(key string, a node.KeyProof) node.KeyProof) {
	s.mu.Lock()
	s.mutate = m
	s.mu.Unlock()
}

// A liar (it answered honestly once, so it is asked first) is banned,
// recorded as a liar and disconnected, and the next provider answers.
func TestVerifiedGetLiarScoredDown(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("a")
	mineWrites(t, h, a, map[string]string{"public/k": "true value"})
	liar := h.NewNode("liar", harness.CopyChainOf(a))
	b := h.NewNode("b", harness.CopyChainOf(a))
	h.Hostile(liar)
	src := &lyingSource{honest: liar.Node}
	liar.Host.SetProofSource(src)
	h.Connect(b, liar)
	ctx := context.Background()
	res, err := b.Host.GetVerified(ctx, wire.RootChain, "public/k")
	if err != nil || res.Peer != liar.ID() {
		t.Fatalf("first read: %v from %v", err, res)
	}
	h.Connect(b, a)
	src.set(func(key string, ans node.KeyProof) node.KeyProof {
		return forgeValue(ans, []byte("forged value"))
	})
	res, err = b.Host.GetVerified(ctx, wire.RootChain, "public/k")
	if err != nil {
		t.Fatal(err)
	}
	if res.Peer != a.ID() || string(res.Record.Value) != "true value" {
		t.Fatalf("read %q from %s, want the true value from a", res.Record.Value, res.Peer)
	}
	if !b.Host.Banned(liar.ID()) {
		t.Fatal("the liar is not banned")
	}
	t.Logf("the liar is remembered for: %s", b.Host.Liars()[liar.ID()])
	if why, ok := b.Host.Liars()[liar.ID()]; !ok || !strings.Contains(why, "does not match header") {
		t.Fatalf("liars: %v", b.Host.Liars())
	}
	if b.Host.LibP2P().Network().Connectedness(liar.ID()) == network.Connected {
		t.Fatal("the liar is still connected")
	}
	if b.Host.Banned(a.ID()) {
		t.Fatal("the honest peer was banned")
	}
}

// Junk requests reset the stream and ban the sender; the server keeps
// serving everyone else.
func TestProofServerSurvivesJunk(t *testing.T) {
	h := harness.New(t)
	a, b := h.NewNode("a"), h.NewNode("b")
	mineWrites(t, h, a, map[string]string{"public/k": "v"})
	h.Connect(a, b)
	h.WaitForTip(20*time.Second, a, b)
	junks := [][]byte{
		{},                                      // no frame
		{0, 0, 0},                               // cut length
		{0xff, 0xff, 0xff, 0xff},                // frame over the cap
		{0, 0, 0, 2, 0, 0},                      // cut request
		{0, 0, 0, 8, 40, 0, 0, 0, 0, 1, 'k', 0}, // bad chain depth
		{0, 0, 0, 8, 0, 0, 0, 0, 0, 1, '/', 0},  // bad key
		{0, 0, 0, 8, 0, 0, 0, 0, 0, 1, 'k', 7},  // bad flag
	}
	net := h.Params().Net
	for i, raw := range junks {
		j := h.NewJunk()
		if err := j.Connect(a); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s, err := j.Host.NewStream(ctx, a.ID(), p2p.ProtoProof(net))
		if err != nil {
			cancel()
			t.Fatalf("case %d: %v", i, err)
		}
		s.SetDeadline(time.Now().Add(5 * time.Second))
		s.Write(raw)
		s.CloseWrite()
		buf := make([]byte, 1)
		n, _ := s.Read(buf) // until the server resets or hangs up
		s.Close()
		cancel()
		if n != 0 {
			t.Fatalf("case %d: the server answered junk", i)
		}
		if len(raw) >= 4 {
			// The server bans after it resets the stream: give it a moment.
			deadline := time.Now().Add(5 * time.Second)
			for !a.Host.Banned(j.Host.ID()) {
				if time.Now().After(deadline) {
					t.Fatalf("case %d: the junk sender is not banned", i)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	res, err := b.Host.GetVerified(context.Background(), wire.RootChain, "public/k")
	if err != nil || string(res.Record.Value) != "v" {
		t.Fatalf("after junk: %v %v", res, err)
	}
}

// With the DHT on, a node finds the nodes that announced the root chain
// as providers.
func TestChainProvidersInDHT(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("a", harness.WithDHT())
	b := h.NewNode("b", harness.WithDHT())
	c := h.NewNode("c", harness.WithDHT())
	h.Connect(a, b)
	h.Connect(c, b)
	deadline := time.Now().Add(30 * time.Second)
	for {
		found := map[peer.ID]bool{}
		for _, p := range c.Host.DHTProviders(context.Background(), wire.RootChain) {
			found[p] = true
		}
		if found[a.ID()] && found[b.ID()] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("c found providers %v, want a and b", found)
		}
		time.Sleep(200 * time.Millisecond)
	}
	key := p2p.ChainKey(h.Params().Net, wire.RootChain)
	if p2p.ChainCID(h.Params().Net, wire.RootChain).Hash().String() == "" || key.IsZero() {
		t.Fatal("empty provider key")
	}
}

// A peer a block ahead proves against a block this node lacks: the read
// waits for that block (handed over here when the peer is blamed for it)
// and then accepts the answer it already has.
func TestVerifiedGetWaitsForBlockAhead(t *testing.T) {
	h := harness.New(t)
	quiet := harness.WithP2PConfig(func(cfg *p2p.Config) { cfg.SyncInterval = time.Hour })
	a := h.NewNode("a", quiet)
	mineWrites(t, h, a, map[string]string{"public/k": "v1"})
	b := h.NewNode("b", harness.CopyChainOf(a), quiet)
	h.Connect(a, b)
	a.BuildChain(1, 0) // connected directly: b does not hear of it
	blk, err := a.Chain().BlockByHeight(a.Chain().Tip().Height)
	if err != nil {
		t.Fatal(err)
	}
	untrusted := 0
	b.Host.SetReadBlame(func(p peer.ID, err error) {
		if !errors.Is(err, p2p.ErrUntrustedHeader) {
			t.Errorf("blamed for %v", err)
			return
		}
		untrusted++
		if _, err := b.SubmitBlock(blk); err != nil {
			t.Errorf("b takes a's block: %v", err)
		}
	})
	res, err := b.Host.GetVerified(context.Background(), wire.RootChain, "public/k")
	if err != nil {
		t.Fatal(err)
	}
	if untrusted != 1 || res.Header.ID() != blk.ID() || string(res.Record.Value) != "v1" {
		t.Fatalf("untrusted %d, read %q at %s, want v1 at a's new block %s", untrusted, res.Record.Value, res.Header.ID().Short(), blk.ID().Short())
	}
}

// keyUnder returns a key (public/<salt>-<i>) whose path lies under chain c.
func keyUnder(c wire.ChainID, salt string) string {
	for i := 0; ; i++ {
		k := fmt.Sprintf("public/%s-%d", salt, i)
		if c.Contains(wire.KeyPath(k)) {
			return k
		}
	}
}
