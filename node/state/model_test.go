package state_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
	"pgregory.net/rapid"
)

// The model: balances, nonces and key/value records as plain maps, with the
// rules written the simplest way. state.Batch never checks signatures (the
// chain does, in parallel), so transactions here are unsigned.

type modelRecord struct {
	value  string
	writer wire.PubKey
	height uint64
	txID   wire.Hash
}

type model struct {
	accounts map[wire.PubKey]state.Account
	kv       map[string]modelRecord
	hist     map[string][]modelRecord
}

func (m *model) clone() *model {
	c := &model{accounts: map[wire.PubKey]state.Account{}, kv: map[string]modelRecord{}, hist: map[string][]modelRecord{}}
	for k, v := range m.accounts {
		c.accounts[k] = v
	}
	for k, v := range m.kv {
		c.kv[k] = v
	}
	for k, v := range m.hist {
		c.hist[k] = append([]modelRecord(nil), v...)
	}
	return c
}

// apply returns the rule the transaction breaks (0 if none) and, if none,
// applies it.
func (m *model) apply(p *consensus.Params, t *wire.Tx, height uint64) consensus.ErrorCode {
	if t.Fee < p.MinFee(t.Size()) {
		return consensus.ErrFeeTooLow
	}
	from := m.accounts[t.From]
	if t.Nonce != from.Nonce {
		return consensus.ErrBadNonce
	}
	spend := t.Fee
	switch b := t.Body.(type) {
	case wire.Transfer:
		if b.Amount == 0 {
			return consensus.ErrZeroAmount
		}
		spend += b.Amount // amounts are small here: no overflow
	case wire.Put:
	}
	if from.Balance < spend {
		return consensus.ErrInsufficientFunds
	}
	from.Balance -= spend
	from.Nonce++
	m.accounts[t.From] = from
	switch b := t.Body.(type) {
	case wire.Transfer:
		to := m.accounts[b.To] // after the debit: from may be to
		to.Balance += b.Amount
		m.accounts[b.To] = to
	case wire.Put:
		r := modelRecord{value: string(b.Value), writer: t.From, height: height, txID: t.ID()}
		m.kv[b.Key] = r
		m.hist[b.Key] = append(m.hist[b.Key], r)
	}
	return 0
}

type modelBlock struct {
	height   uint64
	txs      []*wire.Tx // applied, in order
	coinbase *wire.Tx
	undo     []byte
	roots    state.Roots
	before   *model
}

func modelParams() *consensus.Params {
	p := consensus.Regtest()
	p.CoinbaseMaturity = 2
	p.InitialReward = 200_000
	return p
}

func applyBlock(tx *bbolt.Tx, p *consensus.Params, parent state.Roots, blk *modelBlock, matured *wire.Tx) (state.Roots, []byte, error) {
	b := state.NewBatch(tx, p, blk.height)
	for i, t := range blk.txs {
		if err := b.Apply(t, i+1); err != nil {
			return state.Roots{}, nil, err
		}
	}
	if err := b.ApplyCoinbase(blk.coinbase, matured); err != nil {
		return state.Roots{}, nil, err
	}
	return b.Commit(parent)
}

func maturedAt(blocks []*modelBlock, p *consensus.Params, height uint64) *wire.Tx {
	if height <= p.CoinbaseMaturity {
		return nil
	}
	return blocks[height-p.CoinbaseMaturity-1].coinbase
}

func dumpBuckets(tx *bbolt.Tx) map[string]string {
	out := map[string]string{}
	for _, name := range [][]byte{store.Accounts, store.KV, store.KVHist} {
		tx.Bucket(name).ForEach(func(k, v []byte) error {
			out[string(name)+"/"+string(k)] = string(v)
			return nil
		})
	}
	return out
}

var errRollback = errors.New("rollback")

// TestStateModel drives random blocks of transfers and puts (some invalid),
// and disconnections of the tip followed by different blocks (a reorg), and
// after every step compares the flat state with the model and the state
// root with a replay of the remaining blocks from an empty state.
func TestStateModel(tt *testing.T) {
	dir := tt.TempDir()
	run := 0
	rapid.Check(tt, func(t *rapid.T) {
		run++
		p := modelParams()
		db, err := store.Open(filepath.Join(dir, fmt.Sprintf("s%d.db", run)))
		if err != nil {
			t.Fatal(err)
		}
		db.NoSync = true
		t.Cleanup(func() { db.Close() })
		rdb, err := store.Open(filepath.Join(dir, fmt.Sprintf("r%d.db", run)))
		if err != nil {
			t.Fatal(err)
		}
		rdb.NoSync = true
		t.Cleanup(func() { rdb.Close() })

		var pks []wire.PubKey
		for i := byte(1); i <= 4; i++ {
			pks = append(pks, wire.PubKey{i, 0xaa})
		}
		keys := []string{"public/k", "public/k/a", "public/k/b", "public/other"}
		m := &model{accounts: map[wire.PubKey]state.Account{}, kv: map[string]modelRecord{}, hist: map[string][]modelRecord{}}
		var blocks []*modelBlock
		roots := state.Roots{}

		t.Repeat(map[string]func(*rapid.T){
			"block": func(t *rapid.T) {
				height := uint64(len(blocks) + 1)
				blk := &modelBlock{height: height, before: m.clone()}
				next := m.clone()
				var fees uint64
				err := db.Update(func(tx *bbolt.Tx) error {
					b := state.NewBatch(tx, p, height)
					n := rapid.IntRange(0, 6).Draw(t, "txs")
					for i := 0; i < n; i++ {
						from := rapid.SampledFrom(pks).Draw(t, "from")
						nonce := next.accounts[from].Nonce
						switch rapid.IntRange(0, 9).Draw(t, "nonce skew") {
						case 0:
							nonce++
						case 1:
							nonce-- // wraps at 0: still wrong
						}
						var body wire.Body
						if rapid.Bool().Draw(t, "transfer") {
							bal := next.accounts[from].Balance
							body = wire.Transfer{To: rapid.SampledFrom(pks).Draw(t, "to"),
								Amount: rapid.Uint64Range(0, bal+bal/4+1).Draw(t, "amount")}
						} else {
							body = wire.Put{Key: rapid.SampledFrom(keys).Draw(t, "key"),
								Value: []byte(rapid.StringN(0, 12, -1).Draw(t, "value"))}
						}
						wt := wire.NewTx(wire.RootChain, body, nonce, 0)
						p.SetMinFee(wt)
						wt.From = from
						if rapid.IntRange(0, 19).Draw(t, "low fee") == 0 {
							wt.Fee--
						}
						want := next.clone().apply(p, wt, height)
						err := b.Apply(wt, len(blk.txs)+1)
						if got := consensus.CodeOf(err); got != want || (err != nil && got == 0) {
							return fmt.Errorf("tx %d: Apply gave %v, the model %v", i, err, want)
						}
						if err == nil {
							next.apply(p, wt, height)
							blk.txs = append(blk.txs, wt)
							fees += wt.Fee
						}
					}
					to := rapid.SampledFrom(pks).Draw(t, "miner")
					blk.coinbase = wire.NewTx(wire.RootChain, wire.Coinbase{To: to, Amount: p.Reward(height) + fees}, height, 0)
					matured := maturedAt(blocks, p, height)
					if err := b.ApplyCoinbase(blk.coinbase, matured); err != nil {
						return err
					}
					a := next.accounts[to]
					a.Immature += p.Reward(height) + fees
					next.accounts[to] = a
					if matured != nil {
						mb := matured.Body.(wire.Coinbase)
						a := next.accounts[mb.To]
						a.Immature -= mb.Amount
						a.Balance += mb.Amount
						next.accounts[mb.To] = a
					}
					var err error
					blk.roots, blk.undo, err = b.Commit(roots)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				blocks = append(blocks, blk)
				roots = blk.roots
				m = next
			},
			"disconnect": func(t *rapid.T) {
				if len(blocks) == 0 {
					t.Skip("at genesis")
				}
				n := rapid.IntRange(1, min(3, len(blocks))).Draw(t, "depth")
				for i := 0; i < n; i++ {
					top := blocks[len(blocks)-1]
					if err := db.Update(func(tx *bbolt.Tx) error { return state.Disconnect(tx, top.height, top.undo) }); err != nil {
						t.Fatal(err)
					}
					blocks = blocks[:len(blocks)-1]
					m = top.before
				}
				roots = state.Roots{}
				if len(blocks) > 0 {
					roots = blocks[len(blocks)-1].roots
				}
			},
			"": func(t *rapid.T) {
				checkModel(t, db, rdb, p, m, blocks, roots)
			},
		})
	})
}

func checkModel(t *rapid.T, db, rdb *bbolt.DB, p *consensus.Params, m *model, blocks []*modelBlock, roots state.Roots) {
	var flat map[string]string
	err := db.View(func(tx *bbolt.Tx) error {
		n := 0
		if err := tx.Bucket(store.Accounts).ForEach(func(k, v []byte) error { n++; return nil }); err != nil {
			return err
		}
		live := 0
		for pk, want := range m.accounts {
			if !want.IsZero() {
				live++
			}
			got, err := state.GetAccount(tx, pk)
			if err != nil {
				return err
			}
			if got != want {
				return fmt.Errorf("account %x: %+v, model %+v", pk[:2], got, want)
			}
		}
		if n != live {
			return fmt.Errorf("%d stored accounts, model has %d", n, live)
		}
		for k, want := range m.kv {
			rec, err := state.Get(tx, k)
			if err != nil {
				return err
			}
			if string(rec.Value) != want.value || rec.Writer != want.writer || rec.Height != want.height || rec.TxID != want.txID {
				return fmt.Errorf("key %q: %+v, model %+v", k, rec, want)
			}
		}
		if got := len(state.Keys(tx, "", "", 0)); got != len(m.kv) {
			return fmt.Errorf("%d stored keys, model has %d", got, len(m.kv))
		}
		for k, want := range m.hist {
			got, err := state.History(tx, k, 0)
			if err != nil {
				return err
			}
			if len(got) != len(want) {
				return fmt.Errorf("history of %q: %d entries, model %d", k, len(got), len(want))
			}
			for i := range want {
				if string(got[i].Value) != want[i].value || got[i].Height != want[i].height {
					return fmt.Errorf("history of %q[%d] differs", k, i)
				}
			}
		}
		fr, err := state.RootsFromFlat(tx)
		if err != nil {
			return err
		}
		if fr != roots {
			return fmt.Errorf("roots from the flat state %x, committed %x", fr.Encode(), roots.Encode())
		}
		flat = dumpBuckets(tx)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Replay the blocks from an empty state, in a transaction rolled back.
	err = rdb.Update(func(tx *bbolt.Tx) error {
		r := state.Roots{}
		for i, blk := range blocks {
			var err error
			if r, _, err = applyBlock(tx, p, r, blk, maturedAt(blocks, p, blk.height)); err != nil {
				return fmt.Errorf("replay block %d: %w", i+1, err)
			}
		}
		if r != roots {
			return fmt.Errorf("replay gives roots %x, the state has %x", r.Encode(), roots.Encode())
		}
		if r.StateRoot() != roots.StateRoot() {
			return fmt.Errorf("state roots differ")
		}
		replayed := dumpBuckets(tx)
		if len(replayed) != len(flat) {
			return fmt.Errorf("replay has %d flat entries, the state %d", len(replayed), len(flat))
		}
		for k, v := range flat {
			if !bytes.Equal([]byte(replayed[k]), []byte(v)) {
				return fmt.Errorf("flat entry %q differs from the replay", k)
			}
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
}
