package chain

import (
	"errors"
	"fmt"
	"time"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

var errDiscard = errors.New("discard template transaction")

// Template is a candidate block for the miner: everything but the nonce.
type Template struct {
	Block    *wire.Block
	Rejected []*wire.Tx // candidates that no longer apply (the mempool drops them)
	Fees     uint64
}

// NewTemplate builds a candidate block on the tip paying coinbaseTo, taking
// candidates in order and skipping any that do not apply or do not fit. The
// state root is computed in a bbolt transaction that is then rolled back.
func (c *Chain) NewTemplate(coinbaseTo wire.PubKey, candidates []*wire.Tx, now time.Time) (*Template, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	parent := c.tip()
	height := parent.height + 1
	t := now.UnixMilli()
	if mtp := medianTimePast(parent); t <= mtp {
		t = mtp + 1
	}
	h := wire.Header{
		Version: consensus.BlockVersion,
		Chain:   c.id,
		Height:  height,
		Prev:    parent.id,
		Time:    t,
		Bits:    c.nextBits(parent),
	}
	// A branch block anchors to its parent chain's tip and reads the root
	// ledger where that tip's anchors lead.
	var ledger state.RootLedger
	if !c.id.IsRoot() {
		pc := c.parentChain()
		if pc == nil {
			return nil, fmt.Errorf("chain %s has no parent chain in this node's tree", c.id)
		}
		anchor := pc.tip()
		h.Anchor = anchor.id
		ra := pc.rootAnchor(anchor)
		if ra == nil {
			return nil, fmt.Errorf("the tip of chain %s has no root anchor", pc.id)
		}
		if mtp := medianTimePast(ra); h.Time <= mtp {
			h.Time = mtp + 1
		}
		rtx, err := c.forest.chains[wire.RootChain].db.Begin(false)
		if err != nil {
			return nil, err
		}
		defer rtx.Rollback()
		roots, err := rootsOf(rtx, ra.id)
		if err != nil {
			return nil, err
		}
		if ledger, err = state.NewLedgerAt(rtx, roots); err != nil {
			return nil, err
		}
	}
	var tmpl *Template
	for skipCheckpoint := false; ; skipCheckpoint = true {
		tmpl = &Template{}
		var txs []*wire.Tx
		err := c.db.Update(func(tx *bbolt.Tx) error {
			parentRoots, err := rootsOf(tx, parent.id)
			if err != nil {
				return err
			}
			matured, err := c.maturedCoinbase(tx, height)
			if err != nil {
				return err
			}
			batch := state.NewBatch(tx, c.p, height)
			if ledger != nil {
				batch = state.NewBranchBatch(tx, c.p, height, c.id, ledger)
			}
			batch.SetScripts(c.cfg.Scripts, t)
			size := 1024 // header, coinbase and slack
			if c.id.IsRoot() && c.forest != nil {
				if err := c.matureCheckpoint(tx, batch, height); err != nil {
					return err
				}
			}
			// Lineups the parent's ID drew, as connect writes them (applyTxs).
			if err := batch.DrawLineups(parent.id); err != nil {
				return err
			}
			if c.id.IsRoot() && c.forest != nil && !skipCheckpoint {
				cp, err := c.templateCheckpoint(tx, batch, parent)
				if err != nil {
					return err
				}
				if cp != nil {
					txs = append(txs, cp)
					size += cp.Size()
				}
			}
			// A sender whose transaction did not fit cannot have its later ones
			// in this block either; they are left out, not rejected (they are
			// still valid and the mempool must keep them).
			deferred := map[wire.PubKey]bool{}
			for _, cand := range candidates {
				if deferred[cand.From] {
					continue
				}
				s := cand.Size()
				if size+s > c.p.MaxBlockSize {
					deferred[cand.From] = true
					continue
				}
				if err := batch.Apply(cand, len(txs)+1); err != nil {
					if (consensus.IsCode(err, consensus.ErrNoCredit) || consensus.IsCode(err, consensus.ErrNoKeyspace)) && !c.id.IsRoot() {
						// The credit may be stamped (the keyspace bought) on
						// the root but not yet under this block's anchor (the
						// parent chain's tip anchors further back, or the root
						// transaction is still pending): a later template sees
						// it.
						deferred[cand.From] = true
						continue
					}
					if consensus.CodeOf(err) != 0 {
						c.log.Debug("template skips transaction", "tx", cand.ID().Short(), "err", err)
						tmpl.Rejected = append(tmpl.Rejected, cand)
						continue
					}
					if errors.Is(err, state.ErrScriptUnavailable) {
						// No verdict here now; the transaction stays in the
						// mempool and is tried again with the next template.
						c.log.Warn("template leaves out a scripted write", "tx", cand.ID().Short(), "err", err)
						deferred[cand.From] = true
						continue
					}
					return err
				}
				size += s
				txs = append(txs, cand)
			}
			reward := c.p.Reward(height)
			if !c.id.IsRoot() {
				reward = 0 // branch miners are paid their fees by a root checkpoint
			}
			amount, err := wire.AddAmounts(reward, batch.Fees())
			if err != nil {
				return err
			}
			tmpl.Fees = batch.Fees()
			cb := wire.NewTx(c.id, wire.Coinbase{To: coinbaseTo, Amount: amount}, height, 0)
			if err := batch.ApplyCoinbase(cb, matured); err != nil {
				return err
			}
			roots, _, err := batch.Commit(parentRoots)
			if err != nil {
				return err
			}
			h.StateRoot = roots.StateRoot()
			tmpl.Block = &wire.Block{Header: h, Txs: append([]*wire.Tx{cb}, txs...)}
			return errDiscard
		})
		if errors.Is(err, errSkipCheckpoint) && !skipCheckpoint {
			continue
		}
		if err != nil && !errors.Is(err, errDiscard) {
			return nil, err
		}
		break
	}
	tmpl.Block.Header.TxRoot = tmpl.Block.ComputeTxRoot()
	return tmpl, nil
}

// templateCheckpoint builds the checkpoint of a root template on parent
// and applies it to batch; nil if no branch moved. A checkpoint the rules
// would refuse makes errSkipCheckpoint: the template is built again
// without one (the batch may be half changed).
func (c *Chain) templateCheckpoint(tx *bbolt.Tx, batch *state.Batch, parent *blockNode) (*wire.Tx, error) {
	entries, err := c.checkpointEntries(tx)
	if c.testEntries != nil {
		entries = c.testEntries()
	}
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	cp := wire.Checkpoint{Entries: entries}
	if err := c.applyCheckpoint(batch, cp, parent); err != nil {
		if consensus.CodeOf(err) == 0 {
			return nil, err
		}
		c.log.Warn("template leaves the checkpoint out", "err", err)
		return nil, errSkipCheckpoint
	}
	return wire.NewTx(wire.RootChain, cp, 0, 0), nil
}

var errSkipCheckpoint = errors.New("template without a checkpoint")
