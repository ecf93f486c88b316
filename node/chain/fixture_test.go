package chain

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// fixture is a regtest chain on its own bbolt file where alice owns two
// matured block rewards (and ten immature ones), plus helpers to build,
// mutate and submit blocks.
type fixture struct {
	t     testing.TB
	c     *Chain
	clk   *testClock
	p     *consensus.Params
	db    *bbolt.DB
	path  string
	alice wire.PrivKey
	bob   wire.PrivKey
	carol wire.PrivKey
	dave  wire.PrivKey // owns nothing unless a test gives it something
	// blocks made by the fixture and accepted, genesis excluded, in order.
	blocks []*wire.Block
}

// openDB opens a store without fsync (tests do not need durability against
// power loss, only against Close and reopen).
func openDB(t testing.TB, path string) *bbolt.DB {
	t.Helper()
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	db.NoSync = true
	return db
}

func openChain(t testing.TB, db *bbolt.DB, p *consensus.Params, clk *testClock) *Chain {
	t.Helper()
	c, err := New(Config{Params: p, DB: db, Now: clk.Now, Scripts: state.NewScripts(script.NewInProcess())})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newBareFixture is a fixture at genesis. tweak, if not nil, changes the
// regtest parameters first.
func newBareFixture(t testing.TB, tweak func(*consensus.Params)) *fixture {
	t.Helper()
	p := consensus.Regtest()
	if tweak != nil {
		tweak(p)
	}
	path := filepath.Join(t.TempDir(), "chain.db")
	db := openDB(t, path)
	t.Cleanup(func() { db.Close() })
	clk := &testClock{t: time.UnixMilli(p.GenesisTime).Add(time.Hour)}
	fx := &fixture{t: t, c: openChain(t, db, p, clk), clk: clk, p: p, db: db, path: path,
		alice: key(t, 1), bob: key(t, 2), carol: key(t, 3), dave: key(t, 4)}
	return fx
}

// newFixture mines CoinbaseMaturity+2 blocks to alice: the rewards of blocks
// 1 and 2 are spendable, the rest immature.
func newFixture(t testing.TB, tweak func(*consensus.Params)) *fixture {
	t.Helper()
	fx := newBareFixture(t, tweak)
	for i := uint64(0); i < fx.p.CoinbaseMaturity+2; i++ {
		fx.mine(fx.alice.PubKey())
	}
	return fx
}

// tx returns body from k, signed for the fixture's network, with the
// minimum fee. nonce < 0 means the sender's next nonce on the tip.
func (fx *fixture) tx(k wire.PrivKey, body wire.Body, nonce int64) *wire.Tx {
	n := uint64(nonce)
	if nonce < 0 {
		n = fx.account(k.PubKey()).Nonce
	}
	t := wire.NewTx(wire.RootChain, body, n, 0)
	fx.p.SetMinFee(t)
	t.Sign(fx.p.Net, k)
	return t
}

func (fx *fixture) put(k wire.PrivKey, key, value string, nonce int64) *wire.Tx {
	return fx.tx(k, wire.Put{Key: key, Value: []byte(value)}, nonce)
}

func (fx *fixture) transfer(k wire.PrivKey, to wire.PubKey, amount uint64, nonce int64) *wire.Tx {
	return fx.tx(k, wire.Transfer{To: to, Amount: amount}, nonce)
}

func (fx *fixture) account(pk wire.PubKey) state.Account {
	var a state.Account
	err := fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		var err error
		a, err = state.GetAccount(tx, pk)
		return err
	})
	if err != nil {
		fx.t.Fatal(err)
	}
	return a
}

// template returns a solved block on the tip holding txs, advancing the
// clock by one target interval; it fails the test if a tx does not apply.
func (fx *fixture) template(txs ...*wire.Tx) *wire.Block {
	fx.t.Helper()
	return mineTemplate(fx.t, fx.c, fx.clk, fx.alice.PubKey(), txs...)
}

// templateWith builds a block on the tip under other parameters (a second
// Chain instance over the same database), at the clock's time. It is how a
// test makes a block the fixture's own parameters would never template.
func (fx *fixture) templateWith(p *consensus.Params, txs ...*wire.Tx) *wire.Block {
	fx.t.Helper()
	c2 := openChain(fx.t, fx.db, p, fx.clk)
	tmpl, err := c2.NewTemplate(fx.alice.PubKey(), txs, fx.clk.t)
	if err != nil {
		fx.t.Fatal(err)
	}
	if len(tmpl.Rejected) > 0 {
		fx.t.Fatalf("template rejected %d txs", len(tmpl.Rejected))
	}
	solve(tmpl.Block)
	return tmpl.Block
}

// mine makes and connects a block paying to.
func (fx *fixture) mine(to wire.PubKey, txs ...*wire.Tx) *wire.Block {
	fx.t.Helper()
	b := mine(fx.t, fx.c, fx.clk, to, txs...)
	fx.blocks = append(fx.blocks, b)
	return b
}

// reseal recomputes the tx root and solves the proof of work again.
func reseal(b *wire.Block) *wire.Block {
	b.Header.TxRoot = b.ComputeTxRoot()
	return resolve(b)
}

// resolve solves the proof of work again, leaving the tx root alone.
func resolve(b *wire.Block) *wire.Block {
	b.Header.Nonce = 0
	solve(b)
	return b
}

// copyBlock returns a deep enough copy to mutate header and tx list.
func copyBlock(b *wire.Block) *wire.Block {
	c, err := wire.DecodeBlock(b.Encode())
	if err != nil {
		panic(err)
	}
	return c
}

// dumpState returns the buckets that must be equal between a node and a
// replay of its best chain: flat state, history, main chain, tx index, undo
// records, and the tip with its roots (stored and recomputed from the flat
// state).
func dumpState(t testing.TB, c *Chain) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	err := c.View(func(tx *bbolt.Tx, tip TipInfo, roots state.Roots) error {
		for _, name := range [][]byte{store.Accounts, store.KV, store.KVHist, store.Main, store.TxIndex, store.Undo, store.Keyspace, store.Paid, store.Leaves, store.Market} {
			m := map[string]string{}
			if err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				m[string(k)] = string(v)
				return nil
			}); err != nil {
				return err
			}
			out[string(name)] = m
		}
		flat, err := state.RootsFromFlat(tx)
		if err != nil {
			return err
		}
		if flat != roots {
			return fmt.Errorf("flat state gives roots %x, the tip's are %x", flat.Encode(), roots.Encode())
		}
		if roots.StateRoot() != tip.StateRoot {
			return fmt.Errorf("stored roots hash to %s, the tip header says %s", roots.StateRoot().Short(), tip.StateRoot.Short())
		}
		out["tip"] = map[string]string{"id": string(tip.ID[:]), "root": string(tip.StateRoot[:])}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// diffState describes the first differences between two dumps.
func diffState(a, b map[string]map[string]string) string {
	var out []string
	names := map[string]bool{}
	for n := range a {
		names[n] = true
	}
	for n := range b {
		names[n] = true
	}
	for n := range names {
		for k, v := range a[n] {
			if w, ok := b[n][k]; !ok {
				out = append(out, fmt.Sprintf("%s: %x only in the first", n, k))
			} else if v != w {
				out = append(out, fmt.Sprintf("%s: %x differs", n, k))
			}
		}
		for k := range b[n] {
			if _, ok := a[n][k]; !ok {
				out = append(out, fmt.Sprintf("%s: %x only in the second", n, k))
			}
		}
	}
	sort.Strings(out)
	if len(out) > 10 {
		out = append(out[:10], fmt.Sprintf("... %d more", len(out)-10))
	}
	var buf bytes.Buffer
	for _, s := range out {
		buf.WriteString(s + "\n")
	}
	return buf.String()
}

// replay feeds blocks, in order, to a fresh chain with the same parameters
// and returns it.
func replay(t testing.TB, p *consensus.Params, clk *testClock, blocks []*wire.Block) *Chain {
	t.Helper()
	db := openDB(t, filepath.Join(t.TempDir(), "replay.db"))
	t.Cleanup(func() { db.Close() })
	c := openChain(t, db, p, clk)
	for i, b := range blocks {
		if res, err := c.ProcessBlock(copyBlock(b)); err != nil || res != Connected {
			t.Fatalf("replay block %d (height %d): result %v, err %v", i, b.Header.Height, res, err)
		}
	}
	return c
}

// requireSameState fails unless c's state equals that of a replay of blocks.
func requireSameState(t testing.TB, c *Chain, p *consensus.Params, clk *testClock, blocks []*wire.Block) {
	t.Helper()
	r := replay(t, p, clk, blocks)
	got, want := dumpState(t, c), dumpState(t, r)
	if d := diffState(got, want); d != "" {
		t.Fatalf("state differs from a replay of %d blocks:\n%s", len(blocks), d)
	}
}
