package mempool

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// TestAdmissionRejects: each case is one bad transaction, rejected with a
// sentinel (errors.Is) and, for rule violations, the rule's code.
func TestAdmissionRejects(t *testing.T) {
	e := newEnv(t, Config{})
	e.fund(3, 5*wire.Unit)
	alice, bob, dave := e.keys[0], e.keys[1], e.keys[3]
	// alice has used nonces 0 and 1 (funding bob and carol); bob has 5 BVS.
	e.mine(alice.PubKey(), e.put(alice, "public/used", 2, 1))
	resign := func(t *wire.Tx, k wire.PrivKey, f func(*wire.Tx)) *wire.Tx {
		c := *t
		f(&c)
		c.Sign(e.p.Net, k)
		return &c
	}
	bal := e.account(bob.PubKey()).Balance

	tests := []struct {
		name     string
		setup    []*wire.Tx // admitted first
		tx       *wire.Tx
		sentinel error
		code     consensus.ErrorCode
	}{
		{name: "bad signature", tx: func() *wire.Tx {
			t := e.put(bob, "public/k", 0, 1)
			t.Sig[3] ^= 1
			return t
		}(), sentinel: ErrBadTx, code: consensus.ErrBadSignature},
		{name: "signed by another key", tx: func() *wire.Tx {
			t := e.put(alice, "public/k", 0, 1)
			t.From = bob.PubKey()
			return t
		}(), sentinel: ErrBadTx, code: consensus.ErrBadSignature},
		{name: "signed for mainnet", tx: func() *wire.Tx {
			t := e.put(bob, "public/k", 0, 1)
			t.Sign(wire.Mainnet, bob)
			return t
		}(), sentinel: ErrBadTx, code: consensus.ErrBadSignature},
		{name: "fee below the minimum", tx: resign(e.put(bob, "public/k", 0, 1), bob, func(t *wire.Tx) { t.Fee -= 20 }),
			sentinel: ErrBadTx, code: consensus.ErrFeeTooLow},
		{name: "used nonce", tx: e.put(alice, "public/k", 2, 1), sentinel: ErrBadTx, code: consensus.ErrBadNonce},
		{name: "long-used nonce", tx: e.put(alice, "public/k", 0, 1), sentinel: ErrBadTx, code: consensus.ErrBadNonce},
		{name: "nonce gap", tx: e.put(bob, "public/k", 1, 1), sentinel: ErrNonceGap},
		{name: "nonce gap after pending", setup: []*wire.Tx{e.put(bob, "public/a", 0, 1)}, tx: e.put(bob, "public/k", 2, 1), sentinel: ErrNonceGap},
		{name: "more than the balance", tx: e.tx(bob, wire.Transfer{To: dave.PubKey(), Amount: bal}, 0, 1),
			sentinel: ErrBadTx, code: consensus.ErrInsufficientFunds},
		{name: "more than the balance left by pending spends",
			setup:    []*wire.Tx{e.tx(bob, wire.Transfer{To: dave.PubKey(), Amount: bal / 2}, 0, 1)},
			tx:       e.tx(bob, wire.Transfer{To: dave.PubKey(), Amount: bal / 2}, 1, 1),
			sentinel: ErrBadTx, code: consensus.ErrInsufficientFunds},
		{name: "only immature rewards", tx: func() *wire.Tx {
			e.mine(dave.PubKey())
			return e.put(dave, "public/k", 0, 1)
		}(), sentinel: ErrBadTx, code: consensus.ErrInsufficientFunds},
		{name: "zero transfer", tx: e.tx(bob, wire.Transfer{To: dave.PubKey()}, 0, 1), sentinel: ErrBadTx, code: consensus.ErrZeroAmount},
		{name: "amount overflows", tx: e.tx(bob, wire.Transfer{To: dave.PubKey(), Amount: math.MaxUint64}, 0, 1),
			sentinel: ErrBadTx, code: consensus.ErrAmountOverflow},
		{name: "bad key", tx: e.put(bob, "public/a//b", 0, 1), sentinel: ErrBadTx, code: consensus.ErrBadKey},
		{name: "value too big", tx: e.tx(bob, wire.Put{Key: "k", Value: make([]byte, wire.MaxValueSize+1)}, 0, 1),
			sentinel: ErrBadTx, code: consensus.ErrValueTooBig},
		{name: "coinbase", tx: wire.NewTx(wire.RootChain, wire.Coinbase{To: bob.PubKey(), Amount: 1}, 0, 1<<20),
			sentinel: ErrBadTx, code: consensus.ErrMultipleCoinbases},
		{name: "child chain", tx: resign(e.put(bob, "public/k", 0, 1), bob, func(t *wire.Tx) { t.Chain = wire.RootChain.Child(0) }),
			sentinel: ErrBadTx, code: consensus.ErrBadTxChain},
		{name: "type byte not matching the body", tx: resign(e.put(bob, "public/k", 0, 1), bob, func(t *wire.Tx) { t.Type = 7 }),
			sentinel: ErrBadTx, code: consensus.ErrUnknownTxType},
		{name: "already pending", setup: []*wire.Tx{e.put(bob, "public/dup", 0, 1)}, tx: e.put(bob, "public/dup", 0, 1), sentinel: ErrKnown},
	}
	for i, tc := range tests {
		e.pool = New(Config{Params: e.p, DB: e.db, Sigs: chain.NewSigCache(1000)})
		for _, s := range tc.setup {
			if _, err := e.pool.Add(s); err != nil {
				t.Fatalf("case %d (%s): setup: %v", i, tc.name, err)
			}
		}
		_, err := e.pool.Add(tc.tx)
		if !errors.Is(err, tc.sentinel) {
			t.Errorf("case %d (%s): err %v, want %v", i, tc.name, err, tc.sentinel)
			continue
		}
		if got := consensus.CodeOf(err); got != tc.code {
			t.Errorf("case %d (%s): code %v, want %v (%v)", i, tc.name, got, tc.code, err)
		}
		if e.pool.Has(tc.tx.ID()) && tc.sentinel != ErrKnown {
			t.Errorf("case %d (%s): rejected tx is pending", i, tc.name)
		}
		if e.pool.Len() != len(tc.setup) {
			t.Errorf("case %d (%s): %d pending, want %d", i, tc.name, e.pool.Len(), len(tc.setup))
		}
		if e.persisted()[tc.tx.ID()] && tc.sentinel != ErrKnown {
			t.Errorf("case %d (%s): rejected tx persisted", i, tc.name)
		}
		e.pool.Remove(tc.setup)
	}
	// And the good ones: exactly the balance with pending spends counted.
	e.pool = New(Config{Params: e.p, DB: e.db, Sigs: e.sigs})
	first := e.tx(bob, wire.Transfer{To: dave.PubKey(), Amount: bal / 2}, 0, 1)
	if _, err := e.pool.Add(first); err != nil {
		t.Fatal(err)
	}
	rest := e.tx(bob, wire.Transfer{To: dave.PubKey(), Amount: 1}, 1, 1)
	rest = resign(rest, bob, func(t *wire.Tx) { t.Body = wire.Transfer{To: dave.PubKey(), Amount: bal - first.Fee - bal/2 - t.Fee} })
	if _, err := e.pool.Add(rest); err != nil {
		t.Fatalf("spending exactly what is left: %v", err)
	}
	if n, err := e.pool.NextNonce(bob.PubKey()); err != nil || n != 2 {
		t.Fatalf("NextNonce = %d, %v; want 2", n, err)
	}
	e.requireConsistent()
}

func TestReplacement(t *testing.T) {
	e := newEnv(t, Config{})
	e.fund(2, wire.Unit)
	alice := e.keys[0]
	n := e.account(alice.PubKey()).Nonce
	a0 := e.put(alice, "public/a", n, 10)
	a1 := e.put(alice, "public/b", n+1, 10)
	a2 := e.put(alice, "public/c", n+2, 10)
	for _, tx := range []*wire.Tx{a0, a1, a2} {
		if _, err := e.pool.Add(tx); err != nil {
			t.Fatal(err)
		}
	}
	withFee := func(old *wire.Tx, key string, fee uint64) *wire.Tx {
		t := wire.NewTx(wire.RootChain, wire.Put{Key: key, Value: []byte("value of b")}, old.Nonce, fee)
		t.Sign(e.p.Net, alice)
		return t
	}
	// Same size as a1 (same-length key), so only the fee differs.
	low := withFee(a1, "B", a1.Fee+a1.Fee/10-1)
	if _, err := e.pool.Add(low); !errors.Is(err, ErrReplacementFee) {
		t.Fatalf("replacement with < 10%% more fee: %v", err)
	}
	ok := withFee(a1, "B", a1.Fee+a1.Fee/10)
	if _, err := e.pool.Add(ok); err != nil {
		t.Fatalf("replacement with 10%% more fee: %v", err)
	}
	if e.pool.Has(a1.ID()) || !e.pool.Has(ok.ID()) || e.pool.Len() != 3 {
		t.Fatalf("after replacement: has old %v, has new %v, len %d", e.pool.Has(a1.ID()), e.pool.Has(ok.ID()), e.pool.Len())
	}
	got := ids(e.pool.Pending(alice.PubKey()))
	if want := ids([]*wire.Tx{a0, ok, a2}); got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("pending after replacement out of order")
	}
	// A replacement must still be affordable, counting the others.
	bal := e.account(alice.PubKey()).Balance
	greedy := wire.NewTx(wire.RootChain, wire.Transfer{To: e.keys[2].PubKey(), Amount: bal}, a2.Nonce, a2.Fee*2)
	greedy.Sign(e.p.Net, alice)
	if _, err := e.pool.Add(greedy); !errors.Is(err, ErrBadTx) || consensus.CodeOf(err) != consensus.ErrInsufficientFunds {
		t.Fatalf("unaffordable replacement: %v", err)
	}
	e.requireConsistent()
	if n := e.reopen(); n != 3 {
		t.Fatalf("Load kept %d, want 3", n)
	}
	if e.pool.Has(a1.ID()) || !e.pool.Has(ok.ID()) {
		t.Fatalf("replaced tx came back after a restart")
	}
	e.requireConsistent()
}

// TestSelectOrder: by fee rate across senders, nonce order within a sender,
// and the result is a valid block.
func TestSelectOrder(t *testing.T) {
	e := newEnv(t, Config{})
	e.fund(4, 10*wire.Unit)
	a, b, c := e.keys[1], e.keys[2], e.keys[3]
	// Fee multipliers: a: 1 then 9 (a's 9 waits behind its 1), b: 5, 4,
	// c: 3, 8. Greedy by head fee rate: b5 b4 c3 c8 a1 a9.
	a0, a1 := e.put(a, "public/a0", 0, 1), e.put(a, "public/a1", 1, 9)
	b0, b1 := e.put(b, "public/b0", 0, 5), e.put(b, "public/b1", 1, 4)
	c0, c1 := e.put(c, "public/c0", 0, 3), e.put(c, "public/c1", 1, 8)
	for _, tx := range []*wire.Tx{a0, a1, b0, c0, b1, c1} {
		if _, err := e.pool.Add(tx); err != nil {
			t.Fatal(err)
		}
	}
	want := ids([]*wire.Tx{b0, b1, c0, c1, a0, a1})
	got := ids(e.pool.Select(1 << 20))
	if len(got) != len(want) {
		t.Fatalf("selected %d, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("position %d: got %s, want %s", i, got[i].Short(), want[i].Short())
		}
	}
	// A byte limit that fits only four: the four best that keep nonce order.
	limit := b0.Size() + b1.Size() + c0.Size() + c1.Size()
	got = ids(e.pool.Select(limit))
	if len(got) != 4 || got[3] != c1.ID() {
		t.Fatalf("with a limit: %d selected", len(got))
	}
	// What Select returns is a block the chain accepts.
	blk := e.block(e.keys[0].PubKey(), e.pool.Select(1<<20)...)
	e.process(blk)
	if e.pool.Len() != 0 {
		t.Fatalf("%d left after mining everything", e.pool.Len())
	}
	e.requireConsistent()
}

// TestBoundedPool: when full, a transaction must pay a higher fee rate than
// the cheapest sender tail, which it evicts (from disk too).
func TestBoundedPool(t *testing.T) {
	e := newEnv(t, Config{MaxTxs: 4})
	e.fund(6, 10*wire.Unit)
	k := e.keys
	fill := []*wire.Tx{e.put(k[1], "public/x", 0, 3), e.put(k[1], "public/y", 1, 2), e.put(k[2], "public/x", 0, 4), e.put(k[3], "public/x", 0, 5)}
	for _, tx := range fill {
		if _, err := e.pool.Add(tx); err != nil {
			t.Fatal(err)
		}
	}
	// Cheapest tail is k1's second (×2). A ×2 newcomer does not beat it.
	if _, err := e.pool.Add(e.put(k[4], "public/x", 0, 2)); !errors.Is(err, ErrPoolFull) {
		t.Fatalf("equal fee rate: %v", err)
	}
	// k1's own next tx cannot evict k1's tail (it would leave a gap).
	if _, err := e.pool.Add(e.put(k[1], "public/z", 2, 9)); !errors.Is(err, ErrPoolFull) {
		t.Fatalf("own tail: %v", err)
	}
	rich := e.put(k[4], "public/x", 0, 6)
	if _, err := e.pool.Add(rich); err != nil {
		t.Fatalf("higher fee rate: %v", err)
	}
	if e.pool.Has(fill[1].ID()) || !e.pool.Has(fill[0].ID()) || e.pool.Len() != 4 {
		t.Fatalf("eviction took the wrong tx")
	}
	// Next cheapest tail: k1's first (×3), now a tail itself.
	if _, err := e.pool.Add(e.put(k[5], "public/x", 0, 7)); err != nil {
		t.Fatal(err)
	}
	if e.pool.Has(fill[0].ID()) || e.pool.Len() != 4 {
		t.Fatalf("second eviction took the wrong tx")
	}
	e.requireConsistent()
	// Replacement is allowed when full (it does not grow the pool).
	if _, err := e.pool.Add(e.put(k[2], "public/x", 0, 5)); err != nil {
		t.Fatalf("replacement in a full pool: %v", err)
	}
	e.requireConsistent()

	// Bounded by bytes as well.
	e2 := newEnv(t, Config{MaxBytes: 3 * e.put(k[1], "public/x", 0, 3).Size()})
	e2.fund(6, 10*wire.Unit)
	for i := 1; i <= 3; i++ {
		if _, err := e2.pool.Add(e2.put(k[i], "public/x", 0, uint64(i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e2.pool.Add(e2.put(k[4], "public/x", 0, 1)); !errors.Is(err, ErrPoolFull) {
		t.Fatalf("bytes full: %v", err)
	}
	if _, err := e2.pool.Add(e2.put(k[4], "public/x", 0, 2)); err != nil {
		t.Fatalf("bytes full, better fee: %v", err)
	}
	if e2.pool.Bytes() > e2.cfg.MaxBytes {
		t.Fatalf("pool holds %d bytes, limit %d", e2.pool.Bytes(), e2.cfg.MaxBytes)
	}
	e2.requireConsistent()
}

// TestPersistence: what Add acknowledged survives a restart, in order; what
// a block confirmed while the node was down is dropped by Load.
func TestPersistence(t *testing.T) {
	e := newEnv(t, Config{})
	e.fund(3, 10*wire.Unit)
	a, b := e.keys[1], e.keys[2]
	var all []*wire.Tx
	for i := uint64(0); i < 5; i++ {
		all = append(all, e.put(a, "public/a/"+string(rune('0'+i)), i, 1+i), e.put(b, "public/b/"+string(rune('0'+i)), i, 5-i))
	}
	for _, tx := range all {
		if _, err := e.pool.Add(tx); err != nil {
			t.Fatal(err)
		}
	}
	wantA, wantB := ids(e.pool.Pending(a.PubKey())), ids(e.pool.Pending(b.PubKey()))
	if n := e.reopen(); n != len(all) {
		t.Fatalf("Load kept %d, want %d", n, len(all))
	}
	for who, want := range map[string][]wire.Hash{"a": wantA, "b": wantB} {
		pk := a.PubKey()
		if who == "b" {
			pk = b.PubKey()
		}
		got := ids(e.pool.Pending(pk))
		if len(got) != len(want) {
			t.Fatalf("%s: %d pending after restart, want %d", who, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: pending[%d] differs after restart", who, i)
			}
		}
	}
	e.requireConsistent()
	// Confirm two of a's with the pool not listening, as if mined while the
	// pool was down, then restart: Load drops them and keeps the rest.
	e.reopenChainOnly()
	e.mine(e.keys[0].PubKey(), all[0], all[2])
	if n := e.reopen(); n != len(all)-2 {
		t.Fatalf("Load kept %d, want %d", n, len(all)-2)
	}
	if e.pool.Has(all[0].ID()) || e.pool.Has(all[2].ID()) || !e.pool.Has(all[4].ID()) {
		t.Fatalf("Load kept a confirmed tx or lost a pending one")
	}
	e.requireConsistent()
}

// reopenChainOnly makes a chain over the open database whose hooks do
// nothing.
func (e *env) reopenChainOnly() {
	e.t.Helper()
	c, err := chain.New(chain.Config{Params: e.p, DB: e.db, Now: e.clk.Now, Sigs: e.sigs})
	if err != nil {
		e.t.Fatal(err)
	}
	e.c = c
}

// TestBlockConnected: a block removes what it confirmed and what it made
// stale (a different tx with a used nonce), keeps the rest, on disk too.
func TestBlockConnected(t *testing.T) {
	e := newEnv(t, Config{})
	e.fund(4, 10*wire.Unit)
	a, b, c := e.keys[1], e.keys[2], e.keys[3]
	a0, a1, a2 := e.put(a, "public/a0", 0, 1), e.put(a, "public/a1", 1, 1), e.put(a, "public/a2", 2, 1)
	b0, b1 := e.put(b, "public/b0", 0, 1), e.put(b, "public/b1", 1, 1)
	c0 := e.put(c, "public/c0", 0, 1)
	for _, tx := range []*wire.Tx{a0, a1, a2, b0, b1, c0} {
		if _, err := e.pool.Add(tx); err != nil {
			t.Fatal(err)
		}
	}
	// The block confirms a0, a1 and a different b0' (a double spend of b0
	// from elsewhere): b0 is stale, b1 (nonce 1) still applies.
	b0x := e.put(b, "public/b0-other", 0, 2)
	e.mine(e.keys[0].PubKey(), a0, a1, b0x)
	for _, tx := range []*wire.Tx{a0, a1, b0} {
		if e.pool.Has(tx.ID()) {
			t.Fatalf("%s still pending", tx.ID().Short())
		}
	}
	for _, tx := range []*wire.Tx{a2, b1, c0} {
		if !e.pool.Has(tx.ID()) {
			t.Fatalf("%s was dropped", tx.ID().Short())
		}
	}
	e.requireConsistent()
	// Everything left can be mined.
	e.mine(e.keys[0].PubKey(), e.pool.Select(1<<20)...)
	if e.pool.Len() != 0 {
		t.Fatalf("%d left", e.pool.Len())
	}
	e.requireConsistent()
}

// fork returns an env on its own database that received e's first n blocks.
func (e *env) fork(n int) *env {
	e.t.Helper()
	f := newEnv(e.t, e.cfg)
	f.clk = e.clk // one clock, so neither side's blocks are "in the future"
	f.reopenWithClock()
	for _, b := range e.mined[:n] {
		f.process(b)
	}
	return f
}

func (e *env) reopenWithClock() {
	e.t.Helper()
	if err := e.db.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// TestBlockDisconnected: a reorg returns the old branch's transactions to
// the pool, in front of what their senders still had pending, and drops
// those the new branch confirmed or made stale.
func TestBlockDisconnected(t *testing.T) {
	e := newEnv(t, Config{})
	e.fund(4, 10*wire.Unit)
	common := len(e.mined)
	f := e.fork(common)
	a, b, c := e.keys[1], e.keys[2], e.keys[3]
	a0, a1, a2, a3 := e.put(a, "public/a0", 0, 1), e.put(a, "public/a1", 1, 1), e.put(a, "public/a2", 2, 1), e.put(a, "public/a3", 3, 1)
	b0, b1 := e.put(b, "public/b0", 0, 1), e.put(b, "public/b1", 1, 1)
	c0 := e.put(c, "public/c0", 0, 1)
	for _, tx := range []*wire.Tx{a0, a1, a2, a3, b0, b1, c0} {
		if _, err := e.pool.Add(tx); err != nil {
			t.Fatal(err)
		}
	}
	// A: a0 and b0 in one block, a1 in the next; a2, a3, b1, c0 pending.
	e.mine(e.keys[0].PubKey(), a0, b0)
	e.mine(e.keys[0].PubKey(), a1)
	e.requireConsistent()
	// B (heavier): b0 confirmed as well, and c double-spends c0.
	c0x := e.put(c, "public/c0-other", 0, 3)
	f.mine(f.keys[0].PubKey(), b0)
	f.mine(f.keys[0].PubKey(), c0x)
	f.mine(f.keys[0].PubKey())
	for _, blk := range f.mined[common:] {
		if _, err := e.c.ProcessBlock(blk); err != nil {
			t.Fatal(err)
		}
	}
	if e.c.Tip().ID != f.c.Tip().ID {
		t.Fatalf("no reorg")
	}
	// a0..a3 all pending in order; b0 confirmed on B, b1 pending; c0 stale.
	got := ids(e.pool.Pending(a.PubKey()))
	want := ids([]*wire.Tx{a0, a1, a2, a3})
	if len(got) != len(want) {
		t.Fatalf("a has %d pending after the reorg, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("a's pending[%d] differs", i)
		}
	}
	if e.pool.Has(b0.ID()) || !e.pool.Has(b1.ID()) || e.pool.Has(c0.ID()) {
		t.Fatalf("b0 pending %v (want false), b1 %v (want true), c0 %v (want false)",
			e.pool.Has(b0.ID()), e.pool.Has(b1.ID()), e.pool.Has(c0.ID()))
	}
	e.requireConsistent()
	// Restart: the same set comes back.
	before := e.pool.Len()
	if n := e.reopen(); n != before {
		t.Fatalf("Load kept %d, want %d", n, before)
	}
	e.requireConsistent()
	e.mine(e.keys[0].PubKey(), e.pool.Select(1<<20)...)
	if e.pool.Len() != 0 {
		t.Fatalf("%d left", e.pool.Len())
	}
}

// TestSigCacheSkipsAdmitted: connecting a block whose transactions the pool
// admitted verifies no signature again; one with unseen transactions
// verifies each once.
func TestSigCacheSkipsAdmitted(t *testing.T) {
	e := newEnv(t, Config{})
	e.fund(5, 10*wire.Unit)
	var admitted []*wire.Tx
	for i := 1; i < 5; i++ {
		for n := uint64(0); n < 3; n++ {
			tx := e.put(e.keys[i], "public/"+strings.Repeat("k", i)+string(rune('a'+n)), n, 1)
			if _, err := e.pool.Add(tx); err != nil {
				t.Fatal(err)
			}
			admitted = append(admitted, tx)
		}
	}
	for _, tx := range admitted {
		if !e.sigs.Has(tx.ID()) {
			t.Fatalf("admitted %s is not in the signature cache", tx.ID().Short())
		}
	}
	before := e.sigs.Stats()
	e.mine(e.keys[0].PubKey(), e.pool.Select(1<<20)...)
	after := e.sigs.Stats()
	if after.Verified != before.Verified {
		t.Fatalf("block connection verified %d signatures again", after.Verified-before.Verified)
	}
	if after.Hits-before.Hits != uint64(len(admitted)) {
		t.Fatalf("cache hits %d, want %d", after.Hits-before.Hits, len(admitted))
	}
	// Cold: transactions the pool never saw are verified, once each.
	var cold []*wire.Tx
	for i := 1; i < 5; i++ {
		cold = append(cold, e.put(e.keys[i], "public/cold", 3, 1))
	}
	before = e.sigs.Stats()
	e.mine(e.keys[0].PubKey(), cold...)
	after = e.sigs.Stats()
	if after.Verified-before.Verified != uint64(len(cold)) || after.Hits != before.Hits {
		t.Fatalf("cold block: verified %d (want %d), hits %d (want 0)", after.Verified-before.Verified, len(cold), after.Hits-before.Hits)
	}
}

func TestRemoveDropsLaterNonces(t *testing.T) {
	e := newEnv(t, Config{})
	e.fund(3, 10*wire.Unit)
	a, b := e.keys[1], e.keys[2]
	a0, a1, a2 := e.put(a, "public/a0", 0, 1), e.put(a, "public/a1", 1, 1), e.put(a, "public/a2", 2, 1)
	b0 := e.put(b, "public/b0", 0, 1)
	for _, tx := range []*wire.Tx{a0, a1, a2, b0} {
		if _, err := e.pool.Add(tx); err != nil {
			t.Fatal(err)
		}
	}
	e.pool.Remove([]*wire.Tx{a1})
	if !e.pool.Has(a0.ID()) || e.pool.Has(a1.ID()) || e.pool.Has(a2.ID()) || !e.pool.Has(b0.ID()) {
		t.Fatalf("Remove(a1) must drop a1 and a2 only")
	}
	e.requireConsistent()
}

// TestConcurrentAddWhileMining: senders submit their transactions in nonce
// order from their own goroutines while blocks are mined from the pool.
// Nothing acknowledged is lost, nothing is left out of order.
func TestConcurrentAddWhileMining(t *testing.T) {
	e := newEnv(t, Config{})
	e.fund(5, 10*wire.Unit)
	const perSender = 25
	var wg sync.WaitGroup
	errs := make(chan error, 4*perSender)
	var sent []*wire.Tx
	for i := 1; i < 5; i++ {
		txs := make([]*wire.Tx, perSender)
		for n := range txs {
			txs[n] = e.put(e.keys[i], fmt.Sprintf("public/c/%d/%d", i, n), uint64(n), 1)
		}
		sent = append(sent, txs...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, tx := range txs {
				if _, err := e.pool.Add(tx); err != nil {
					errs <- fmt.Errorf("%s: %w", tx.ID().Short(), err)
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for mining := true; mining; {
		select {
		case <-done:
			mining = false
		default:
		}
		e.mine(e.keys[0].PubKey(), e.pool.Select(1<<20)...)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	e.requireConsistent()
	e.mine(e.keys[0].PubKey(), e.pool.Select(1<<20)...)
	for _, tx := range sent {
		if _, _, err := e.c.TxByID(tx.ID()); err != nil {
			t.Fatalf("%s not confirmed: %v", tx.ID().Short(), err)
		}
	}
	if e.pool.Len() != 0 {
		t.Fatalf("%d left", e.pool.Len())
	}
}

// TestCheapChecksBeforeSignatureAndScripts: a transaction that the
// sender's nonce or balance already refuses is refused before its
// signature is verified or an access script runs (a peer cannot make the
// node do the expensive work for free), and with the error of the cheap
// check.
func TestCheapChecksBeforeSignatureAndScripts(t *testing.T) {
	e := newEnv(t, Config{})
	e.fund(2, 5*wire.Unit)
	bob, pauper := e.keys[1], e.keys[5]
	var scripts int
	check := func(*wire.Tx, []*wire.Tx) error { scripts++; return nil }
	badSig := func(tx *wire.Tx) *wire.Tx { tx.Sig[3] ^= 1; return tx }
	tests := []struct {
		name     string
		tx       *wire.Tx
		sentinel error
		code     consensus.ErrorCode
	}{
		{"nonce gap", badSig(e.put(bob, "public/gap", 7, 1)), ErrNonceGap, 0},
		{"used nonce", badSig(e.put(e.keys[0], "public/used", 0, 1)), ErrBadTx, consensus.ErrBadNonce},
		{"no funds", badSig(e.put(pauper, "public/poor", 0, 1)), ErrBadTx, consensus.ErrInsufficientFunds},
	}
	for _, tc := range tests {
		sigs := chain.NewSigCache(1000)
		e.pool = New(Config{Params: e.p, DB: e.db, Sigs: sigs, Check: check})
		scripts = 0
		_, err := e.pool.Add(tc.tx)
		if !errors.Is(err, tc.sentinel) || consensus.CodeOf(err) != tc.code {
			t.Errorf("%s: err %v, want %v (code %v)", tc.name, err, tc.sentinel, tc.code)
		}
		if scripts != 0 {
			t.Errorf("%s: the access check ran %d times before the nonce and balance check", tc.name, scripts)
		}
	}
	// A good one still runs both, once.
	e.pool = New(Config{Params: e.p, DB: e.db, Sigs: chain.NewSigCache(1000), Check: check})
	scripts = 0
	if _, err := e.pool.Add(e.put(bob, "public/ok", 0, 1)); err != nil || scripts != 1 {
		t.Fatalf("good put: %v, access check ran %d times", err, scripts)
	}
	// A bad signature with a nonce and funds that fit is still a bad signature.
	if _, err := e.pool.Add(badSig(e.put(bob, "public/bad", 1, 1))); consensus.CodeOf(err) != consensus.ErrBadSignature {
		t.Fatalf("bad signature: %v", err)
	}
}

// NextNonce counts the sender's pending transactions that a block has not
// confirmed even before the pool hears of the block: between the chain's
// commit and BlockConnected, a client asking for its next nonce must not be
// handed one a pending transaction holds (seen under make race as "a
// transaction with this nonce is pending" right after a block).
func TestNextNonceBetweenBlockAndPool(t *testing.T) {
	e := newEnv(t, Config{})
	e.fund(2, 10*wire.Unit)
	a := e.keys[1]
	a0, a1, a2 := e.put(a, "public/a0", 0, 1), e.put(a, "public/a1", 1, 1), e.put(a, "public/a2", 2, 1)
	for _, tx := range []*wire.Tx{a0, a1, a2} {
		if _, err := e.pool.Add(tx); err != nil {
			t.Fatal(err)
		}
	}
	var got []uint64
	e.onConnect = func(*wire.Block) {
		n, err := e.pool.NextNonce(a.PubKey())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	e.mine(e.keys[0].PubKey(), a0, a1)
	if len(got) != 1 || got[0] != 3 {
		t.Fatalf("NextNonce while the block was being connected = %v; want [3] (a2, nonce 2, is pending)", got)
	}
	if n, err := e.pool.NextNonce(a.PubKey()); err != nil || n != 3 {
		t.Fatalf("NextNonce after = %d, %v; want 3", n, err)
	}
}
