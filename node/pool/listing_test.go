package pool_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/pool"
	"github.com/bitverse/bitverse/node/wire"
)

// TestListingRoundTripsInKeyOrder: a listing decodes to the entries it was
// encoded from (empty values and binary values included) and its bytes
// are the concatenation key string ‖ value varbytes the protocol states.
func TestListingRoundTripsInKeyOrder(t *testing.T) {
	entries := []pool.Entry{
		{Key: "docs/a", Value: []byte("alpha")},
		{Key: "docs/a/b", Value: []byte{}},
		{Key: "docs/b", Value: []byte{0, 1, 2, 0xff}},
		{Key: "docs/é", Value: bytes.Repeat([]byte("x"), 300)},
	}
	b := pool.EncodeListing(entries)
	got, err := pool.DecodeListing(b, "docs/")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(got, entries, func(a, b pool.Entry) bool { return a.Key == b.Key && bytes.Equal(a.Value, b.Value) }) {
		t.Fatalf("decoded %+v", got)
	}
	if !bytes.Equal(pool.EncodeListing(got), b) {
		t.Fatal("re-encoding differs")
	}
	// The layout: uvarint length ‖ key ‖ uvarint length ‖ value.
	first := append([]byte{6}, "docs/a"...)
	first = append(append(first, 5), "alpha"...)
	if !bytes.HasPrefix(b, first) {
		t.Fatalf("layout: % x", b[:len(first)])
	}
	if got, err := pool.DecodeListing(nil, "docs/"); err != nil || len(got) != 0 {
		t.Fatalf("empty listing: %v, %v", got, err)
	}
}

// TestDecodeListingRefusesNonCanonical: keys out of order, a key twice, a
// key not under the prefix, an invalid key, a value beyond the value size,
// a non-minimal length and trailing bytes are each refused as malformed,
// so a listing has one encoding.
func TestDecodeListingRefusesNonCanonical(t *testing.T) {
	e := func(k, v string) pool.Entry { return pool.Entry{Key: k, Value: []byte(v)} }
	cases := map[string][]byte{
		"out of order":      pool.EncodeListing([]pool.Entry{e("docs/b", "1"), e("docs/a", "2")}),
		"a key twice":       pool.EncodeListing([]pool.Entry{e("docs/a", "1"), e("docs/a", "2")}),
		"not under prefix":  pool.EncodeListing([]pool.Entry{e("docs/a", "1"), e("doct/b", "2")}),
		"invalid key":       pool.EncodeListing([]pool.Entry{e("docs/a/", "1")}),
		"value too large":   pool.EncodeListing([]pool.Entry{{Key: "docs/a", Value: make([]byte, wire.MaxValueSize+1)}}),
		"non-minimal len":   append([]byte{0x86, 0x00}, "docs/a\x00"...),
		"trailing bytes":    append(pool.EncodeListing([]pool.Entry{e("docs/a", "1")}), 7),
		"truncated value":   pool.EncodeListing([]pool.Entry{e("docs/a", "1234")})[:10],
		"control character": pool.EncodeListing([]pool.Entry{e("docs/\x01", "1")}),
	}
	for name, b := range cases {
		if _, err := pool.DecodeListing(b, "docs/"); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzDecodeListing: whatever decodes re-encodes to the same bytes, in
// strictly increasing key order, every key under the prefix.
func FuzzDecodeListing(f *testing.F) {
	f.Add(pool.EncodeListing([]pool.Entry{{Key: "p/a", Value: []byte("1")}, {Key: "p/b", Value: nil}}), "p/")
	f.Add([]byte{3, 'p', '/', 'a', 0}, "")
	f.Add([]byte{0x86, 0x00}, "p")
	f.Fuzz(func(t *testing.T, b []byte, prefix string) {
		entries, err := pool.DecodeListing(b, prefix)
		if err != nil {
			return
		}
		if !bytes.Equal(pool.EncodeListing(entries), b) {
			t.Fatalf("% x decodes to %d entries that re-encode differently", b, len(entries))
		}
		for i, e := range entries {
			if !strings.HasPrefix(e.Key, prefix) || (i > 0 && entries[i-1].Key >= e.Key) {
				t.Fatalf("entry %d: %q", i, e.Key)
			}
		}
	})
}

// TestPrefixPoolListsStateMembersAnswerAndRedeem: on two real nodes, a
// lists the three keys under a prefix at its tip and funds a prefix pool
// naming that block; then the keys change (a value rewritten, a key
// added). b's service rebuilds the listing of the named block from its own
// copy of the chain — the old values, not the new — refuses to join a
// second pool whose listing has one value changed (with a sentence saying
// so, nothing sent), joins the right one, answers its challenges for two
// epochs and is paid; a redeems a token and b serves the listing.
func TestPrefixPoolListsStateMembersAnswerAndRedeem(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("a")
	b := h.NewNode("b")
	h.ConnectAll()
	p := h.Params()
	ctx := context.Background()
	chainOf := func(n *harness.Node) pool.Chain { return pool.NodeChain(n.Node, p) }
	submit := func(n *harness.Node, body wire.Body) wire.Hash {
		t.Helper()
		id, err := chainOf(n).Submit(ctx, n.Key, body)
		if err != nil {
			t.Fatalf("%s submits %T: %v", n.Name, body, err)
		}
		return id
	}
	confirm := func(ids ...wire.Hash) {
		t.Helper()
		for _, id := range ids {
			deadline := time.Now().Add(2 * time.Minute)
			for {
				if ti, err := a.Tx(ctx, id); err == nil && !ti.Pending {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("tx %s not mined", id.Short())
				}
				a.Mine(1)
			}
		}
		h.WaitForTip(2 * time.Minute)
	}
	put := func(kvs ...string) {
		t.Helper()
		var ids []wire.Hash
		for i := 0; i < len(kvs); i += 2 {
			id, err := a.Put(kvs[i], kvs[i+1])
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		confirm(ids...)
	}

	a.Mine(int(p.CoinbaseMaturity) + 3)
	confirm(submit(a, wire.Transfer{To: b.Key.PubKey(), Amount: 5 * wire.Unit}))
	const prefix = "public/docs/"
	put(prefix+"a", "alpha", prefix+"b", "\x00\x01binary", prefix+"c/deep", "gamma", "public/doct", "outside")

	listing, info, err := pool.Listing(ctx, chainOf(a), wire.RootChain, prefix, "", pool.DefaultMaxData)
	if err != nil {
		t.Fatal(err)
	}
	want := []pool.Entry{{Key: prefix + "a", Value: []byte("alpha")}, {Key: prefix + "b", Value: []byte("\x00\x01binary")},
		{Key: prefix + "c/deep", Value: []byte("gamma")}}
	if !bytes.Equal(listing, pool.EncodeListing(want)) || info.Keys != 3 || info.Block != a.Chain().Tip().ID {
		t.Fatalf("listing at a's tip: %+v, % x", info, listing)
	}
	fund := func(data []byte) wire.Hash {
		return submit(a, wire.PoolFund{Kind: wire.PoolPrefix, Chain: wire.RootChain, Key: prefix, Hash: info.Block,
			Size: uint64(len(data)), SegmentRoot: wire.SegmentRoot(data), Replicas: 1, Tier: 3, Amount: 100 * wire.Unit, TokenRate: 5})
	}
	wrongEntries := slices.Clone(want)
	wrongEntries[0].Value = []byte("alphx")
	good, wrong := fund(listing), fund(pool.EncodeListing(wrongEntries))
	confirm(good, wrong)
	// The pools of a key include the prefix pools whose prefix it starts
	// with (what the data screen shows), and only those.
	if ps, err := a.Pools(ctx, node.PoolFilter{Key: prefix + "c/deep"}); err != nil || len(ps) != 2 || ps[0].Target.Kind != "prefix" {
		t.Fatalf("pools of a key under the prefix: %+v, %v", ps, err)
	}
	if ps, err := a.Pools(ctx, node.PoolFilter{Key: "public/doct"}); err != nil || len(ps) != 0 {
		t.Fatalf("pools of a key outside the prefix: %+v, %v", ps, err)
	}

	// The prefix moves on; the pool still lists the block it named.
	put(prefix+"a", "changed", prefix+"d", "new")
	if now, _, err := pool.Listing(ctx, chainOf(a), wire.RootChain, prefix, "", pool.DefaultMaxData); err != nil || bytes.Equal(now, listing) {
		t.Fatalf("the listing at the new tip should differ: %v", err)
	}
	// b, which synced, rebuilds the old listing by the block's height or ID.
	for _, ref := range []string{fmt.Sprint(info.Height), info.Block.String()} {
		if old, oi, err := pool.Listing(ctx, chainOf(b), wire.RootChain, prefix, ref, pool.DefaultMaxData); err != nil || !bytes.Equal(old, listing) || oi.Block != info.Block {
			t.Fatalf("b's listing at %s: %+v, %v", ref, oi, err)
		}
	}
	if _, _, err := pool.Listing(ctx, chainOf(b), wire.RootChain, prefix, "", 10); !errors.Is(err, pool.ErrTooLarge) {
		t.Fatalf("a listing beyond the cap: %v", err)
	}

	k := b.Key
	svc, err := pool.New(pool.Config{Key: &k, Poll: 500 * time.Millisecond}, b.Daemon.PoolDeps())
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Stop() })
	stake := 10 * p.PoolMinStake
	_, err = svc.Join(ctx, wrong, stake)
	if !errors.Is(err, pool.ErrWrongData) || !strings.Contains(err.Error(), "the funder listed other keys or values than the chain holds") ||
		!strings.Contains(err.Error(), fmt.Sprintf("height %d", info.Height)) {
		t.Fatalf("join of the pool with a changed value: %v", err)
	}
	t.Logf("refused: %v", err)
	join, err := svc.Join(ctx, good, stake)
	if err != nil {
		t.Fatalf("b joins: %v", err)
	}
	confirm(join)
	if pl, err := a.Pool(ctx, wrong); err != nil || len(pl.Members) != 0 {
		t.Fatalf("the wrong pool: %+v, %v", pl, err)
	}

	a.StartAutoMine(300 * time.Millisecond)
	defer a.StopAutoMine()
	addr := wire.EncodeAddress(p.Net, b.Key.PubKey())
	var me node.PoolMemberInfo
	deadline := time.Now().Add(4 * time.Minute)
	for {
		pl, err := a.Pool(ctx, good)
		if err != nil {
			t.Fatal(err)
		}
		me, _ = memberOfAddr(pl, addr)
		if me.Answered >= 2 && me.Earned > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after epoch %d: b %+v", pl.Epoch, me)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if me.Missed != 0 || me.Tier != 3 || me.Stake != stake {
		t.Fatalf("b answered but was punished: %+v", me)
	}
	t.Logf("b: %+v", me)
	a.StopAutoMine()

	confirm(submit(a, wire.TokenBuy{Pool: good, Count: 1}))
	pl, err := a.Pool(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	red := submit(a, wire.TokenRedeem{Pool: good, Epoch: pl.Epoch})
	confirm(red)
	var data bytes.Buffer
	if _, err := pool.Fetch(ctx, a.Daemon.PoolDeps(), good, red, &data, b.ID()); err != nil {
		t.Fatalf("redeem the listing: %v", err)
	}
	got, err := pool.DecodeListing(data.Bytes(), prefix)
	if err != nil || !bytes.Equal(data.Bytes(), listing) || len(got) != 3 || string(got[0].Value) != "alpha" {
		t.Fatalf("redeemed %d bytes (%v): %+v", data.Len(), err, got)
	}
}

// TestPrefixListingCoversOneChain: a listing covers the keys under the
// prefix that the named chain holds and no other: writes at depth 1 are
// spread over chains 0 and 1 by their keys' paths, writes at the root
// stay on the root; each chain's listing has exactly its own keys, as of
// the block named (a later rewrite on the branch is not in an earlier
// block's listing). A node that keeps a chain as headers only cannot
// list it and says so.
func TestPrefixListingCoversOneChain(t *testing.T) {
	h := harness.New(t)
	p := h.Params()
	c := func(s string) wire.ChainID { id, _ := wire.ParseChainID(s); return id }
	all := h.NewNode("all")
	f1 := h.NewNode("f1", harness.Follow(c("1")))
	h.ConnectAll()
	ctx := context.Background()
	all.Mine(int(p.CoinbaseMaturity) + 3)
	branches := []wire.ChainID{c("0"), c("1")}
	nonce := map[wire.ChainID]uint64{}
	send := func(tx *wire.Tx) {
		t.Helper()
		if _, ok := nonce[tx.Chain]; !ok && tx.Chain.IsRoot() {
			acct, err := all.Account(ctx, wire.EncodeAddress(p.Net, all.Key.PubKey()))
			if err != nil {
				t.Fatal(err)
			}
			nonce[tx.Chain] = acct.NextNonce
		}
		tx.Nonce = nonce[tx.Chain]
		nonce[tx.Chain]++
		p.SetMinFee(tx)
		tx.Sign(p.Net, all.Key)
		if _, err := all.AddTx(tx); err != nil {
			t.Fatalf("add %s on %s: %v", tx.Type, tx.Chain, err)
		}
	}
	settle := func() {
		t.Helper()
		for round := 0; ; round++ {
			waiting := 0
			for _, id := range append([]wire.ChainID{wire.RootChain}, branches...) {
				mp, _ := all.PoolOf(id)
				waiting += mp.Len()
			}
			if waiting == 0 {
				break
			}
			if round > 50 {
				t.Fatalf("%d writes still waiting after %d rounds", waiting, round)
			}
			all.Mine(1)
			for _, id := range branches {
				all.MineOn(id, 1)
			}
		}
		all.Mine(2)
	}
	for _, id := range branches {
		send(wire.NewTx(wire.RootChain, wire.Stamp{Chain: id, Amount: wire.Unit}, 0, 0))
	}
	all.Mine(1)
	for _, id := range branches {
		all.MineOn(id, 1)
	}
	const prefix = "public/br/"
	want := map[wire.ChainID][]pool.Entry{}
	for i := range 12 {
		k := fmt.Sprintf("%s%02d", prefix, i)
		depth := uint8(1)
		if i%4 == 0 {
			depth = 0
		}
		id := wire.ForPath(wire.KeyPath(k), depth)
		v := fmt.Sprintf("value %d", i)
		send(wire.NewTx(id, wire.Put{Key: k, Value: []byte(v)}, 0, 0))
		want[id] = append(want[id], pool.Entry{Key: k, Value: []byte(v)})
	}
	settle()
	if len(want[c("0")]) == 0 || len(want[c("1")]) == 0 {
		t.Fatalf("the keys did not spread over both branches: %d on 0, %d on 1", len(want[c("0")]), len(want[c("1")]))
	}
	chainOf := pool.NodeChain(all.Node, p)
	at := map[wire.ChainID]pool.ListingInfo{}
	for _, id := range append([]wire.ChainID{wire.RootChain}, branches...) {
		data, info, err := pool.Listing(ctx, chainOf, id, prefix, "", pool.DefaultMaxData)
		if err != nil {
			t.Fatalf("listing on chain %s: %v", id, err)
		}
		if !bytes.Equal(data, pool.EncodeListing(want[id])) {
			got, _ := pool.DecodeListing(data, prefix)
			t.Fatalf("chain %s lists %+v, want %+v", id, got, want[id])
		}
		at[id] = info
	}
	// A rewrite on branch 1 after the listed block.
	first := want[c("1")][0]
	send(wire.NewTx(c("1"), wire.Put{Key: first.Key, Value: []byte("rewritten")}, 0, 0))
	settle()
	data, _, err := pool.Listing(ctx, chainOf, c("1"), prefix, at[c("1")].Block.String(), pool.DefaultMaxData)
	if err != nil || !bytes.Equal(data, pool.EncodeListing(want[c("1")])) {
		t.Fatalf("chain 1's listing at the earlier block: %v", err)
	}
	if now, _, err := pool.Listing(ctx, chainOf, c("1"), prefix, "", pool.DefaultMaxData); err != nil || bytes.Equal(now, data) {
		t.Fatalf("chain 1's listing at its tip should have the rewrite: %v", err)
	}
	// f1 keeps chain 0 as headers only.
	h.WaitForTip(2 * time.Minute)
	testutil.Eventually(t, 2*time.Minute, "f1 to hold chain 0's listed block", func() error {
		_, err := pool.NodeChain(f1.Node, p).ChainBlock(ctx, c("0"), at[c("0")].Block.String())
		return err
	})
	if _, _, err := pool.Listing(ctx, pool.NodeChain(f1.Node, p), c("0"), prefix, at[c("0")].Block.String(), pool.DefaultMaxData); !errors.Is(err, pool.ErrNoData) {
		t.Fatalf("f1 lists chain 0, which it keeps as headers only: %v", err)
	}
}
