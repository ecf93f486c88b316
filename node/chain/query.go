package chain

import (
	"encoding/binary"
	"fmt"
	"math/big"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// TipInfo describes the best block.
type TipInfo struct {
	ID        wire.Hash
	Height    uint64
	Time      int64
	Bits      uint32
	Work      *big.Int
	StateRoot wire.Hash
	Header    wire.Header // the whole header (View's fn must not call HeaderByID)
}

// Tip returns the best block.
func (c *Chain) Tip() TipInfo {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := c.tip()
	return TipInfo{ID: n.id, Height: n.height, Time: n.header.Time, Bits: n.header.Bits,
		Work: new(big.Int).Set(n.work), StateRoot: n.header.StateRoot, Header: n.header}
}

// Orphans returns how many orphan blocks are held.
func (c *Chain) Orphans() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.held.count(true, &c.id)
}

// HasBlock reports whether id is known (stored, orphan or invalid).
func (c *Chain) HasBlock(id wire.Hash) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.index[id]
	return ok || c.held.has(id)
}

// HeaderByID returns a known header and whether it is on the best chain.
func (c *Chain) HeaderByID(id wire.Hash) (wire.Header, bool, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := c.index[id]
	if n == nil {
		return wire.Header{}, false, fmt.Errorf("%w: block %s", ErrNotFound, id.Short())
	}
	return n.header, c.onBest(n), nil
}

func (c *Chain) onBest(n *blockNode) bool {
	return n.height < uint64(len(c.best)) && c.best[n.height] == n
}

// IDAt returns the ID of the best-chain block at height.
func (c *Chain) IDAt(height uint64) (wire.Hash, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if height >= uint64(len(c.best)) {
		return wire.Hash{}, fmt.Errorf("%w: no block at height %d (tip is %d)", ErrNotFound, height, len(c.best)-1)
	}
	return c.best[height].id, nil
}

// BlockByID returns a stored block.
func (c *Chain) BlockByID(id wire.Hash) (*wire.Block, error) {
	var b *wire.Block
	err := c.db.View(func(tx *bbolt.Tx) error {
		var err error
		b, err = blockByID(tx, id)
		return err
	})
	return b, err
}

// BlockByHeight returns the best-chain block at height.
func (c *Chain) BlockByHeight(height uint64) (*wire.Block, error) {
	id, err := c.IDAt(height)
	if err != nil {
		return nil, err
	}
	return c.BlockByID(id)
}

// TxLocation says where a transaction was confirmed.
type TxLocation struct {
	Block  wire.Hash
	Height uint64
	Pos    uint32
}

// TxByID returns a confirmed transaction and where it is.
func (c *Chain) TxByID(id wire.Hash) (*wire.Tx, TxLocation, error) {
	var loc TxLocation
	var t *wire.Tx
	err := c.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(store.TxIndex).Get(id[:])
		if v == nil {
			return fmt.Errorf("%w: transaction %s is not in a block", ErrNotFound, id.Short())
		}
		copy(loc.Block[:], v[:32])
		loc.Pos = binary.BigEndian.Uint32(v[32:])
		b, err := blockByID(tx, loc.Block)
		if err != nil {
			return err
		}
		if int(loc.Pos) >= len(b.Txs) {
			return fmt.Errorf("tx index points past the end of block %s", loc.Block.Short())
		}
		t = b.Txs[loc.Pos]
		loc.Height = b.Header.Height
		return nil
	})
	return t, loc, err
}

// Locator returns best-chain IDs from the tip back to genesis, dense near the
// tip and exponentially sparser below (the Bitcoin block locator).
func (c *Chain) Locator() []wire.Hash {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []wire.Hash
	step := uint64(1)
	h := uint64(len(c.best) - 1)
	for {
		out = append(out, c.best[h].id)
		if h == 0 {
			break
		}
		if len(out) >= 10 {
			step *= 2
		}
		if step > h {
			h = 0
		} else {
			h -= step
		}
	}
	return out
}

// HeadersAfter returns up to max best-chain headers after the first locator
// entry found on the best chain (after genesis if none is).
func (c *Chain) HeadersAfter(locator []wire.Hash, max int) []wire.Header {
	c.mu.RLock()
	defer c.mu.RUnlock()
	start := uint64(0)
	for _, id := range locator {
		if n := c.index[id]; n != nil && c.onBest(n) {
			start = n.height
			break
		}
	}
	var out []wire.Header
	for h := start + 1; h < uint64(len(c.best)) && len(out) < max; h++ {
		out = append(out, c.best[h].header)
	}
	return out
}

// View runs fn in a read-only bbolt transaction over the state at the tip,
// together with the tip's roots. TipInfo.Work is not set here. fn must not
// call Chain methods that take the chain lock (Tip, HeaderByID, ...): a
// block being connected holds that lock while bbolt may wait for this read
// transaction to end before it grows the file — a deadlock.
func (c *Chain) View(fn func(tx *bbolt.Tx, tip TipInfo, roots state.Roots) error) error {
	return c.db.View(func(tx *bbolt.Tx) error {
		var tipID wire.Hash
		copy(tipID[:], tx.Bucket(store.Meta).Get(store.KeyTip))
		roots, err := rootsOf(tx, tipID)
		if err != nil {
			return err
		}
		// Never take c.mu inside a bbolt read transaction: a writer holding
		// c.mu may be waiting for readers to finish before it remaps.
		raw := tx.Bucket(store.Index).Get(tipID[:])
		if raw == nil {
			return fmt.Errorf("tip %s not indexed", tipID.Short())
		}
		h, err := wire.DecodeHeader(raw[:len(raw)-1])
		if err != nil {
			return err
		}
		info := TipInfo{ID: tipID, Height: h.Height, Time: h.Time, Bits: h.Bits, StateRoot: h.StateRoot, Header: h}
		return fn(tx, info, roots)
	})
}

// CheckAccess runs a put's or keyspace transaction's keyspace and script
// checks, or a market transaction's bounty checks, against the tip state,
// as for the next block (see state.Batch.CheckAccess). It does not hold the chain lock while a script
// runs: the bbolt read transaction is a consistent snapshot.
//
// parents are pending transactions t may depend on (a keyspace bought
// before a write into it), applied first in order, as a block holding
// them before t would; one that no longer applies is skipped, so that t
// is then judged without it.
func (c *Chain) CheckAccess(t *wire.Tx, parents ...*wire.Tx) error {
	switch t.Body.(type) {
	case wire.Put, wire.KeyspaceBuy, wire.KeyspaceScript, wire.KeyspaceTransfer:
	case wire.Bounty, wire.Accept, wire.Commit, wire.Settle, wire.Dispute, wire.Refund,
		wire.RelayRegister, wire.RelayLeave, wire.Countersign, wire.RelayMiss:
	case wire.PoolFund, wire.PoolJoin, wire.PoolLeave, wire.PoolAnswer, wire.TokenBuy, wire.TokenRedeem, wire.PoolReport, wire.PoolSilence, wire.PoolServe:
	default:
		return nil
	}
	c.mu.RLock()
	tip := c.tip()
	parentID := tip.id
	height, blockTime := tip.height+1, c.cfg.Now().UnixMilli()
	if mtp := medianTimePast(tip); blockTime <= mtp {
		blockTime = mtp + 1
	}
	c.mu.RUnlock()
	return c.db.View(func(tx *bbolt.Tx) error {
		b := state.NewBatch(tx, c.p, height)
		b.SetScripts(c.cfg.AdmissionScripts, blockTime) // the lane that yields to blocks
		// The draws the next block writes decide who may accept or
		// countersign (and which slot a miss names); the other types do
		// not need them, and skipping spares admission the registry walk.
		switch t.Body.(type) {
		case wire.Accept, wire.Countersign, wire.RelayMiss, wire.PoolAnswer, wire.PoolLeave, wire.TokenRedeem, wire.PoolReport, wire.PoolSilence, wire.PoolServe:
			if err := b.DrawLineups(parentID); err != nil {
				return err
			}
		}
		for i, p := range parents {
			if err := b.Apply(p, i+1); err != nil && consensus.CodeOf(err) == 0 {
				return err
			}
		}
		return b.CheckAccess(t)
	})
}
