package mempool

import (
	"errors"
	"sort"

	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// BlockConnected removes what the block confirmed and anything it made
// stale, in memory and on disk.
func (p *Pool) BlockConnected(b *wire.Block) {
	senders := touchedBy(b) // a tumble's inputs are its senders
	var gone []wire.Hash
	for from := range senders {
		acct, err := p.account(from)
		if err != nil {
			continue
		}
		p.mu.Lock()
		gone = append(gone, p.dropStaleLocked(from, acct.Nonce)...)
		p.mu.Unlock()
	}
	for _, t := range b.Txs[1:] {
		gone = append(gone, t.ID())
	}
	// Pending tumbles the block mined, or whose inputs it spent otherwise.
	p.mu.Lock()
	for _, e := range p.tumblesTouchingLocked(senders) {
		for _, in := range e.tx.Body.(wire.Tumble).Inputs {
			if acct, err := p.account(in.Key); err != nil || acct.Nonce != in.Nonce {
				p.removeTumbleLocked(e.id)
				gone = append(gone, e.id)
				break
			}
		}
	}
	p.mu.Unlock()
	p.forget(gone)
}

// BlockDisconnected returns the block's transactions to the pool; those that
// no longer apply are dropped. Signatures are still in the cache.
//
// The block's transactions come before what their senders have pending (a
// sender's nonces in a block are below those in the pool), so each sender's
// pending transactions are taken out, the block's admitted, and the pending
// ones admitted again behind them.
func (p *Pool) BlockDisconnected(b *wire.Block) {
	requeue := map[wire.PubKey][]*wire.Tx{}
	var order []wire.PubKey
	touched := touchedBy(b)
	p.mu.Lock()
	for _, t := range b.Txs[1:] {
		froms := []wire.PubKey{t.From}
		if tb, ok := t.Body.(wire.Tumble); ok {
			froms = tb.Keys()
		}
		for _, from := range froms {
			if _, done := requeue[from]; done {
				continue
			}
			var txs []*wire.Tx
			if s := p.senders[from]; s != nil {
				for _, e := range s.pending {
					txs = append(txs, e.tx)
					delete(p.byID, e.id)
					p.bytes -= e.size
				}
				delete(p.senders, from)
			}
			requeue[from] = txs
			order = append(order, from)
		}
	}
	// Pending tumbles spending an account the block touched are judged
	// again after it (they are stale if it had moved their nonces).
	var tumbles []*wire.Tx
	for _, e := range p.tumblesTouchingLocked(touched) {
		p.removeTumbleLocked(e.id)
		tumbles = append(tumbles, e.tx)
	}
	p.mu.Unlock()
	for _, t := range b.Txs[1:] {
		p.add(t, true, true, false)
	}
	var gone []wire.Hash
	for _, from := range order {
		for _, t := range requeue[from] {
			if _, err := p.add(t, false, true, false); err != nil && !errors.Is(err, ErrKnown) {
				gone = append(gone, t.ID())
			}
		}
	}
	for _, t := range tumbles {
		if _, err := p.add(t, false, true, false); err != nil && !errors.Is(err, ErrKnown) {
			gone = append(gone, t.ID())
		}
	}
	p.forget(gone)
}

func (p *Pool) forget(ids []wire.Hash) {
	if len(ids) == 0 {
		return
	}
	// Most of a block's transactions were never stored here (a syncing
	// node's pool is empty): a read first spares a commit for nothing.
	stored := false
	p.cfg.DB.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(store.Mempool)
		for _, id := range ids {
			if b.Get(id[:]) != nil {
				stored = true
				break
			}
		}
		return nil
	})
	if !stored {
		return
	}
	p.cfg.DB.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(store.Mempool)
		for _, id := range ids {
			b.Delete(id[:])
		}
		return nil
	})
}

// Remove drops transactions (for example ones a template found invalid),
// together with their sender's later transactions.
func (p *Pool) Remove(txs []*wire.Tx) {
	var gone []wire.Hash
	p.mu.Lock()
	for _, t := range txs {
		if _, ok := t.Body.(wire.Tumble); ok {
			if id := t.ID(); p.removeTumbleLocked(id) {
				gone = append(gone, id)
			}
			continue
		}
		s := p.senders[t.From]
		if s == nil {
			continue
		}
		for i, e := range s.pending {
			if e.tx.Nonce == t.Nonce {
				for _, d := range s.pending[i:] {
					delete(p.byID, d.id)
					p.bytes -= d.size
					gone = append(gone, d.id)
				}
				s.pending = s.pending[:i]
				if len(s.pending) == 0 {
					delete(p.senders, t.From)
				}
				break
			}
		}
	}
	p.mu.Unlock()
	p.forget(gone)
}

// Load re-admits the persisted transactions (after a restart), in nonce
// order per sender, and deletes those that no longer apply. It returns how
// many were kept.
func (p *Pool) Load() (int, error) {
	var txs []*wire.Tx
	var bad [][]byte
	err := p.cfg.DB.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(store.Mempool).ForEach(func(k, v []byte) error {
			t, err := wire.DecodeTx(v)
			if err != nil {
				bad = append(bad, append([]byte(nil), k...))
				return nil
			}
			txs = append(txs, t)
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	sortByNonce(txs)
	kept := 0
	var gone []wire.Hash
	for _, t := range txs {
		if _, err := p.add(t, false, true, true); err != nil {
			gone = append(gone, t.ID())
			continue
		}
		kept++
	}
	for _, k := range bad {
		var id wire.Hash
		copy(id[:], k)
		gone = append(gone, id)
	}
	p.forget(gone)
	return kept, nil
}

func sortByNonce(txs []*wire.Tx) {
	// Order across senders does not matter; nonce order within one does.
	sort.SliceStable(txs, func(i, j int) bool { return txs[i].Nonce < txs[j].Nonce })
}
