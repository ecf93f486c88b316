package p2p_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/wire"
)

// discoverySeed is what a node wrote for others to discover.
type discoverySeed struct {
	keyspaces []string
	rootKeys  []string          // written on the root
	branch    map[string]string // key → chain, written below the root
	transform string            // a key on 01 holding a transform
	bounty    wire.Hash
}

// keyIn returns a key starting with prefix whose path lies under c.
func keyIn(c wire.ChainID, prefix string) string {
	for i := 0; ; i++ {
		k := fmt.Sprintf("%s-%d", prefix, i)
		if c.Contains(wire.KeyPath(k)) {
			return k
		}
	}
}

// seedNetworkDiscovery has a build the tree (one write on each of 0, 01
// and 1), buy three keyspaces, write in two of them on the root and in the
// third on branch 01, store a transform on 01 and post an open bounty.
func seedNetworkDiscovery(t testing.TB, h *harness.Harness, a *harness.Node) discoverySeed {
	t.Helper()
	ctx := context.Background()
	tree := buildTree(t, h, a)
	s := discoverySeed{keyspaces: []string{"gallery", "notes", "music"}, branch: map[string]string{}}
	for c, k := range tree {
		s.branch[k] = c
	}
	var buys []*wire.Tx
	for i, name := range s.keyspaces {
		ks, err := a.Node.Keyspace(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		var src []byte
		if name == "music" {
			src = []byte("// Songs, one key per track\nfunction validate(write, ctx) { return write.signer === ctx.owner; }\n")
		}
		buys = append(buys, rootTx(t, h, a, uint64(i), wire.KeyspaceBuy{Name: name, Script: src, MaxPrice: ks.Price}))
	}
	mineOn(t, h, a, "/", true, buys...)
	s.rootKeys = []string{"gallery/sunset", "notes/todo"}
	st, err := a.Node.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.bounty = wire.Sum([]byte("bounty of the discovery test"))
	bounty := rootTx(t, h, a, 2, wire.Bounty{Request: s.bounty, Amount: wire.Unit, Deadline: st.Height + 500})
	s.bounty = bounty.ID()
	mineOn(t, h, a, "/", true,
		rootTx(t, h, a, 0, wire.Put{Key: s.rootKeys[0], Value: []byte("orange")}),
		rootTx(t, h, a, 1, wire.Put{Key: s.rootKeys[1], Value: []byte("buy milk")}),
		bounty)
	mineOn(t, h, a, "0", true) // 01's anchor passes the keyspaces
	c01 := cid(t, "01")
	song := keyIn(c01, "music/track")
	s.transform = keyIn(c01, "public/bw")
	s.branch[song] = "01"
	put1 := branchPut(t, h, a, "01", song, "la la la")
	put2 := wire.NewTx(c01, wire.Put{Key: s.transform,
		Value: []byte("/* Black and white: drops the colours */\nfunction transform(input, ctx) { return input; }\n")}, put1.Nonce+1, 0)
	h.Params().SetMinFee(put2)
	put2.Sign(h.Params().Net, a.Key)
	mineOn(t, h, a, "01", true, put1, put2)
	s.branch[s.transform] = "01"
	return s
}

// discovered checks that ex lists everything s seeded, each entry proven:
// root writes and keyspaces and the bounty by this node's own state,
// branch writes and the transform by blocks fetched from peers. It
// returns what is missing ("" if nothing).
func discovered(ex *node.Explore, s discoverySeed) string {
	var miss []string
	ks := map[string]node.ExploreKeyspace{}
	for _, k := range ex.Keyspaces {
		ks[k.Name] = k
	}
	for _, name := range s.keyspaces {
		if k, ok := ks[name]; !ok || !strings.HasPrefix(k.Proven, "root state at height ") {
			miss = append(miss, "keyspace "+name)
		}
	}
	if ks["music"].Description != "Songs, one key per track" {
		miss = append(miss, "music's description")
	}
	writes := map[string]node.ExploreWrite{}
	for _, w := range ex.Writes {
		writes[w.Key] = w
	}
	for _, k := range s.rootKeys {
		if w, ok := writes[k]; !ok || w.Chain != "/" || w.Proven != node.ProvenStored {
			miss = append(miss, "root write "+k)
		}
	}
	for k, c := range s.branch {
		w, ok := writes[k]
		if !ok || w.Chain != c || !strings.HasPrefix(w.Proven, "block "+w.Block.Short()+" of "+c+" fetched from ") ||
			!strings.HasSuffix(w.Proven, ", checked against its header") {
			miss = append(miss, fmt.Sprintf("write %s on %s (%+v)", k, c, w))
		}
	}
	found := false
	for _, tr := range ex.Transforms {
		found = found || (tr.Key == s.transform && tr.Chain == "01" && tr.Description == "Black and white: drops the colours" &&
			strings.Contains(tr.Proven, "fetched from"))
	}
	if !found {
		miss = append(miss, fmt.Sprintf("transform %s (%+v)", s.transform, ex.Transforms))
	}
	found = false
	for _, b := range ex.Bounties {
		found = found || (b.ID == s.bounty && b.State == "open" && strings.HasPrefix(b.Proven, "root state at height "))
	}
	if !found {
		miss = append(miss, "bounty "+s.bounty.Short())
	}
	return strings.Join(miss, "; ")
}

// TestExploreListsHeadersOnlyChainsFromPeers: n follows no branch (every
// branch is headers only) and knows only a. Its Explore over the local
// API lists a's keyspaces, root writes and bounty from its own root
// state, and a's branch writes and transform from blocks fetched from a,
// each saying where it was proven. A second Explore fetches nothing: the
// blocks are cached by header. Find reaches the branch keys the same way.
func TestExploreListsHeadersOnlyChainsFromPeers(t *testing.T) {
	h := harness.New(t)
	quiet := harness.WithP2PConfig(func(c *p2p.Config) { c.SyncInterval = time.Hour })
	a := h.NewNode("a", quiet)
	seed := seedNetworkDiscovery(t, h, a)
	n := h.NewNode("n", harness.Follow(wire.RootChain), quiet)
	start := time.Now()
	h.Connect(a, n)
	ctx := context.Background()
	var ex *node.Explore
	testutil.Eventually(t, 60*time.Second, "n to discover what a wrote", func() error {
		var err error
		if ex, err = n.API.Explore(ctx, node.ExploreOptions{}); err != nil {
			return err
		}
		if miss := discovered(ex, seed); miss != "" {
			return errors.New("missing: " + miss)
		}
		return nil
	})
	t.Logf("first discovery after %s: %+v", time.Since(start).Round(time.Millisecond), ex.Fetch)
	if ex.Fetch.Fetched+ex.Fetch.Cached < 3 || ex.Fetch.Failed != 0 {
		t.Fatalf("fetch counts: %+v", ex.Fetch)
	}
	for _, c := range []string{"0", "01", "1"} {
		if !n.Forest().Chain(cid(t, c)).HeadersOnly() {
			t.Fatalf("n stores %s in full", c)
		}
	}

	again, err := n.API.Explore(ctx, node.ExploreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Fetch.Fetched != 0 || again.Fetch.Cached != ex.Fetch.Fetched+ex.Fetch.Cached {
		t.Fatalf("second explore refetched: first %+v, second %+v", ex.Fetch, again.Fetch)
	}
	if miss := discovered(again, seed); miss != "" {
		t.Fatalf("second explore misses %s", miss)
	}

	res, err := n.API.Find(ctx, "music/track", 0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range res {
		if r.Kind == "key" && seed.branch[r.Name] == "01" && r.Chain == "01" && strings.Contains(r.Proven, "fetched from "+a.ID().String()) {
			found = true
		}
	}
	if !found {
		t.Fatalf("find music/track: %+v", res)
	}
	res, err = n.API.Find(ctx, "black and white", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Kind != "transform" || res[0].Name != seed.transform || !strings.Contains(res[0].Proven, "checked against its header") {
		t.Fatalf("find black and white: %+v", res)
	}
	res, err = n.API.Find(ctx, "gallery", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) < 2 || res[0].Kind != "keyspace" && res[0].Kind != "key" {
		t.Fatalf("find gallery: %+v", res)
	}
	for _, r := range res {
		if r.Proven == "" {
			t.Fatalf("find gallery: %+v says nothing of where it was proven", r)
		}
	}
}

// TestExploreBansPeerServingBlockNotMatchingItsHeader: n has the headers
// of a's branches but no connection to a; its only peer is a liar that
// passes for a (a's status) and serves a's branch blocks with one
// transaction dropped (the header is a's, the body does not match it),
// then another that serves a different block than the one asked for.
// Each time Explore lists no branch write, counts the failed fetches, and
// the liar is banned with a reason that says what it did; once a is back,
// the writes are listed from a.
func TestExploreBansPeerServingBlockNotMatchingItsHeader(t *testing.T) {
	h := harness.New(t)
	quiet := harness.WithP2PConfig(func(c *p2p.Config) { c.SyncInterval = time.Hour })
	a := h.NewNode("a", quiet)
	seed := seedNetworkDiscovery(t, h, a)
	n := h.NewNode("n", harness.Follow(wire.RootChain), quiet)
	h.Connect(a, n)
	waitSameTree(t, 60*time.Second, a, n)
	h.Partition([]*harness.Node{a}, []*harness.Node{n})
	testutil.Eventually(t, 20*time.Second, "n to lose a", func() error {
		for _, p := range n.Host.Peers() {
			if p.Connected {
				return errors.New("still connected to " + p.ID)
			}
		}
		return nil
	})

	// Two liars, one after the other, each n's only peer: one serves a's
	// header with a body that does not match it, the other a different
	// block of a's than the one asked for.
	lies := []struct {
		name, reason string
		lie          func(b *wire.Block) *wire.Block
	}{
		{"body not matching its header", "do not match its header", func(b *wire.Block) *wire.Block {
			if len(b.Txs) < 2 {
				return b
			}
			lie := *b
			lie.Txs = b.Txs[:len(b.Txs)-1] // the header is a's; the body is not
			return &lie
		}},
		{"another block", "asked for block", func(b *wire.Block) *wire.Block {
			other, err := a.Forest().Chain(b.Header.Chain).BlockByHeight(0)
			if err != nil {
				t.Error(err)
			}
			return other
		}},
	}
	ctx := context.Background()
	for _, l := range lies {
		liar := h.NewJunk()
		p2p.ServeBlockLies(liar.Host, a.Host, l.lie)
		if err := liar.Host.Connect(ctx, n.AddrInfo()); err != nil {
			t.Fatal(err)
		}
		ex, err := n.API.Explore(ctx, node.ExploreOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range ex.Writes {
			if w.Chain != "/" {
				t.Fatalf("%s: explore listed %+v, served by a liar", l.name, w)
			}
		}
		if ex.Fetch.Failed == 0 || ex.Fetch.Fetched != 0 {
			t.Fatalf("%s: fetch counts with only a liar to ask: %+v", l.name, ex.Fetch)
		}
		if !n.Host.Banned(liar.Host.ID()) {
			t.Fatalf("%s: the liar is not banned", l.name)
		}
		found := false
		for _, p := range n.Host.Peers() {
			found = found || (p.ID == liar.Host.ID().String() && p.Banned && strings.Contains(p.BanReason, l.reason))
		}
		if !found {
			t.Fatalf("%s: the liar's ban gives no reason containing %q: %+v", l.name, l.reason, n.Host.Peers())
		}
	}

	h.Heal()
	testutil.Eventually(t, 60*time.Second, "n to discover a's writes from a", func() error {
		ex, err := n.API.Explore(ctx, node.ExploreOptions{})
		if err != nil {
			return err
		}
		if miss := discovered(ex, seed); miss != "" {
			return errors.New("missing: " + miss)
		}
		return nil
	})
}
