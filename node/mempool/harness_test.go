package mempool

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// env is a regtest chain and a pool over one bbolt file, wired like the
// node wires them: the chain's hooks tell the pool about blocks.
type env struct {
	t     testing.TB
	p     *consensus.Params
	path  string
	db    *bbolt.DB
	clk   *clock
	sigs  *chain.SigCache
	c     *chain.Chain
	pool  *Pool
	cfg   Config // pool config (DB and Sigs filled in by open)
	keys  []wire.PrivKey
	mined []*wire.Block // blocks this env mined or was fed, in order
	// onConnect, if set, runs when the chain has connected a block and
	// before the pool hears of it (what the node's event hooks may see).
	onConnect func(b *wire.Block)
}

func key(t testing.TB, seed byte) wire.PrivKey {
	t.Helper()
	b := make([]byte, 32)
	b[0], b[31] = 1, seed
	k, err := wire.PrivKeyFromBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	e := &env{t: t, p: consensus.Regtest(), path: filepath.Join(t.TempDir(), "chain.db"), cfg: cfg}
	e.clk = &clock{t: time.UnixMilli(e.p.GenesisTime).Add(time.Hour)}
	for i := byte(1); i <= 8; i++ {
		e.keys = append(e.keys, key(t, i))
	}
	e.open()
	return e
}

// open opens the database, the chain and a fresh pool (not loaded).
func (e *env) open() {
	e.t.Helper()
	db, err := store.Open(e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	db.NoSync = true
	e.db = db
	e.t.Cleanup(func() { db.Close() })
	e.sigs = chain.NewSigCache(100_000)
	cfg := e.cfg
	cfg.Params, cfg.DB, cfg.Sigs = e.p, db, e.sigs
	e.pool = New(cfg)
	e.c, err = chain.New(chain.Config{Params: e.p, DB: db, Now: e.clk.Now, Sigs: e.sigs,
		OnConnect: func(b *wire.Block, _ uint64) {
			if e.onConnect != nil {
				e.onConnect(b)
			}
			e.pool.BlockConnected(b)
		},
		OnDisconnect: func(b *wire.Block, _ uint64) { e.pool.BlockDisconnected(b) },
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// reopen closes everything and opens it again, loading the pool.
func (e *env) reopen() int {
	e.t.Helper()
	if err := e.db.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
	n, err := e.pool.Load()
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func solve(b *wire.Block) {
	target := consensus.CompactToBig(b.Header.Bits)
	for !consensus.HashMeetsTarget(b.Header.PowHash(), target) {
		b.Header.Nonce++
	}
}

// block templates a block holding exactly txs (failing if one does not
// apply), paying to, and solves it.
func (e *env) block(to wire.PubKey, txs ...*wire.Tx) *wire.Block {
	e.t.Helper()
	e.clk.t = e.clk.t.Add(e.p.TargetInterval)
	tmpl, err := e.c.NewTemplate(to, txs, e.clk.t)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(tmpl.Rejected) > 0 || len(tmpl.Block.Txs) != len(txs)+1 {
		e.t.Fatalf("template rejected %d of %d txs", len(tmpl.Rejected), len(txs))
	}
	solve(tmpl.Block)
	return tmpl.Block
}

func (e *env) mine(to wire.PubKey, txs ...*wire.Tx) *wire.Block {
	e.t.Helper()
	b := e.block(to, txs...)
	e.process(b)
	return b
}

func (e *env) process(b *wire.Block) {
	e.t.Helper()
	if res, err := e.c.ProcessBlock(b); err != nil || res != chain.Connected {
		e.t.Fatalf("block %d: %v %v", b.Header.Height, res, err)
	}
	e.mined = append(e.mined, b)
}

// fund gives keys[0] two matured rewards and each of keys[1..n-1] amount.
func (e *env) fund(n int, amount uint64) {
	e.t.Helper()
	for i := uint64(0); i < e.p.CoinbaseMaturity+2; i++ {
		e.mine(e.keys[0].PubKey())
	}
	var txs []*wire.Tx
	for i := 1; i < n; i++ {
		txs = append(txs, e.tx(e.keys[0], wire.Transfer{To: e.keys[i].PubKey(), Amount: amount}, uint64(i-1), 1))
	}
	if len(txs) > 0 {
		e.mine(e.keys[0].PubKey(), txs...)
	}
}

// tx signs body from k with nonce and feeMul times the minimum fee.
func (e *env) tx(k wire.PrivKey, body wire.Body, nonce uint64, feeMul uint64) *wire.Tx {
	t := wire.NewTx(wire.RootChain, body, nonce, 0)
	e.p.SetMinFee(t)
	t.Fee *= feeMul
	t.Sign(e.p.Net, k)
	return t
}

func (e *env) put(k wire.PrivKey, key string, nonce, feeMul uint64) *wire.Tx {
	return e.tx(k, wire.Put{Key: key, Value: []byte("value of " + key)}, nonce, feeMul)
}

func (e *env) account(pk wire.PubKey) state.Account {
	var a state.Account
	err := e.db.View(func(tx *bbolt.Tx) error {
		var err error
		a, err = state.GetAccount(tx, pk)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// persisted returns the IDs stored in the mempool bucket.
func (e *env) persisted() map[wire.Hash]bool {
	out := map[wire.Hash]bool{}
	e.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(store.Mempool).ForEach(func(k, v []byte) error {
			var id wire.Hash
			copy(id[:], k)
			out[id] = true
			return nil
		})
	})
	return out
}

// requireConsistent checks the pool's invariants: per sender, nonces are
// contiguous from the account's nonce; counts and bytes add up; memory and
// disk hold the same set.
func (e *env) requireConsistent() {
	e.t.Helper()
	p := e.pool
	p.mu.Lock()
	defer p.mu.Unlock()
	n, bytes := 0, 0
	for from, s := range p.senders {
		acct := e.account(from)
		if s.base != acct.Nonce {
			e.t.Fatalf("sender %x: base %d, account nonce %d", from[:4], s.base, acct.Nonce)
		}
		if len(s.pending) == 0 {
			e.t.Fatalf("sender %x has an empty queue", from[:4])
		}
		for i, en := range s.pending {
			if en.tx.Nonce != s.base+uint64(i) {
				e.t.Fatalf("sender %x: pending[%d] has nonce %d, want %d", from[:4], i, en.tx.Nonce, s.base+uint64(i))
			}
			if p.byID[en.id] != en {
				e.t.Fatalf("sender %x: pending[%d] not indexed", from[:4], i)
			}
			n++
			bytes += en.size
		}
	}
	for id, en := range p.tumbles {
		if p.byID[id] != en {
			e.t.Fatalf("tumble %s not indexed", id.Short())
		}
		for _, in := range en.tx.Body.(wire.Tumble).Inputs {
			if p.inputs[in.Key] != id {
				e.t.Fatalf("tumble %s: input %x not mapped to it", id.Short(), in.Key[:4])
			}
		}
		n++
		bytes += en.size
	}
	if n != len(p.byID) || bytes != p.bytes {
		e.t.Fatalf("pool counts %d txs / %d bytes, queues hold %d / %d", len(p.byID), p.bytes, n, bytes)
	}
	disk := e.persisted()
	for id := range p.byID {
		if !disk[id] {
			e.t.Fatalf("pending %s is not persisted", id.Short())
		}
	}
	for id := range disk {
		if p.byID[id] == nil {
			e.t.Fatalf("persisted %s is not pending", id.Short())
		}
	}
}

func ids(txs []*wire.Tx) []wire.Hash {
	out := make([]wire.Hash, len(txs))
	for i, t := range txs {
		out[i] = t.ID()
	}
	return out
}
