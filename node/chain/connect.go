package chain

import (
	"fmt"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// connect applies n (a child of the tip) to the state in one bbolt
// transaction: state transitions, undo record, roots, main-chain and tx
// index, and the tip pointer.
func (c *Chain) connect(n *blockNode) error {
	if c.cfg.HeadersOnly {
		return c.connectHeader(n)
	}
	// A branch reads the root's ledger at the root block its anchors lead
	// to; the read transaction on the root's database stays open while
	// the block applies.
	var ledger state.RootLedger
	var rtx *bbolt.Tx
	closeRoot := func() {
		if rtx != nil {
			rtx.Rollback()
			rtx = nil
		}
	}
	defer closeRoot()
	if !c.id.IsRoot() {
		ra := c.rootAnchor(n)
		if ra == nil {
			return fmt.Errorf("block %s has no root anchor in this node's tree", n.id.Short())
		}
		var err error
		if rtx, err = c.forest.chains[wire.RootChain].db.Begin(false); err != nil {
			return err
		}
		roots, err := rootsOf(rtx, ra.id)
		if err != nil {
			return fmt.Errorf("root anchor %s: %w", ra.id.Short(), err)
		}
		if ledger, err = state.NewLedgerAt(rtx, roots); err != nil {
			return err
		}
	}
	var b *wire.Block
	err := c.db.Update(func(tx *bbolt.Tx) error {
		var ids []wire.Hash
		var sigs *sigJob
		if e := c.early[n.id]; e != nil {
			// Just received: sanity-checked to match its stored encoding.
			b, ids, sigs = e.block, e.ids, e.sigs
		} else {
			raw := tx.Bucket(store.Blocks).Get(n.id[:])
			if raw == nil {
				return fmt.Errorf("block %s is indexed but not stored", n.id.Short())
			}
			var err error
			if b, err = wire.DecodeBlock(raw); err != nil {
				return fmt.Errorf("stored block %s: %w", n.id.Short(), err)
			}
			ids = b.TxIDs()
			sigs = startSigJob(c.p.Net, b.Txs, ids, c.sigs)
		}
		parentRoots, err := rootsOf(tx, n.parent.id)
		if err != nil {
			return err
		}
		matured, err := c.maturedCoinbase(tx, n.height)
		if err != nil {
			return err
		}
		batch := state.NewBatch(tx, c.p, b.Header.Height)
		if ledger != nil {
			batch = state.NewBranchBatch(tx, c.p, b.Header.Height, c.id, ledger)
		}
		var checkpoint func(*state.Batch, wire.Checkpoint) error
		if c.forest != nil {
			checkpoint = func(batch *state.Batch, cp wire.Checkpoint) error { return c.checkCheckpoint(batch, cp, n.parent) }
		}
		roots, undo, err := applyBatch(batch, c.cfg.Scripts, b, ids, parentRoots, matured, sigs, checkpoint)
		if err != nil {
			return err
		}
		if roots.StateRoot() != b.Header.StateRoot {
			return consensus.Rule(consensus.ErrBadStateRoot, "state root after the block is %s, the header says %s",
				roots.StateRoot().Short(), b.Header.StateRoot.Short())
		}
		if err := tx.Bucket(store.Undo).Put(n.id[:], undo); err != nil {
			return err
		}
		if err := tx.Bucket(store.Roots).Put(n.id[:], roots.Encode()); err != nil {
			return err
		}
		if err := tx.Bucket(store.Main).Put(store.U64(n.height), n.id[:]); err != nil {
			return err
		}
		txi := tx.Bucket(store.TxIndex)
		for i, id := range ids {
			if err := txi.Put(id[:], txLocation(n.id, uint32(i))); err != nil {
				return err
			}
		}
		return tx.Bucket(store.Meta).Put(store.KeyTip, n.id[:])
	})
	closeRoot() // before the hooks, which may write to the root's database
	if err != nil {
		return err
	}
	c.best = append(c.best, n)
	if c.cfg.OnConnect != nil {
		c.cfg.OnConnect(b, n.height)
	}
	return nil
}

// ApplyBlock runs a block's transactions against the state in tx on top of
// parentRoots: signatures verified in parallel (skipping cached ones) while
// the state transitions run, then the coinbase. It returns the new roots and
// the undo record; on error the caller must roll tx back.
func ApplyBlock(tx *bbolt.Tx, p *consensus.Params, scripts *state.Scripts, b *wire.Block, ids []wire.Hash, parentRoots state.Roots,
	matured *wire.Tx, sigs *SigCache) (state.Roots, []byte, error) {
	return applyBatch(state.NewBatch(tx, p, b.Header.Height), scripts, b, ids, parentRoots, matured, startSigJob(p.Net, b.Txs, ids, sigs), nil)
}

// applyBatch is ApplyBlock with the batch made and the signature check
// already under way. The state transitions, and the tree updates of
// Commit, run while signatures are still being verified: nothing is final
// until the caller commits tx, and a bad signature makes it roll back. A
// bad signature is reported before any other failure. checkpoint checks a
// root block's checkpoint against the tree (nil: checkpoints refused).
func applyBatch(batch *state.Batch, scripts *state.Scripts, b *wire.Block, ids []wire.Hash, parentRoots state.Roots,
	matured *wire.Tx, sigs *sigJob, checkpoint func(*state.Batch, wire.Checkpoint) error) (state.Roots, []byte, error) {
	batch.SetScripts(scripts, b.Header.Time)
	var applyErr error
	for i, t := range b.Txs[1:] {
		if cp, ok := t.Body.(wire.Checkpoint); ok && i == 0 {
			if checkpoint == nil {
				applyErr = fmt.Errorf("this node tracks no branch chains and cannot check a checkpoint")
				break
			}
			if applyErr = checkpoint(batch, cp); applyErr == nil {
				applyErr = batch.ApplyCheckpoint(cp)
			}
			if applyErr != nil {
				applyErr = fmt.Errorf("checkpoint: %w", applyErr)
				break
			}
			continue
		}
		if err := batch.ApplyWithID(t, ids[i+1], i+1); err != nil {
			applyErr = fmt.Errorf("transaction %d (%s): %w", i+1, ids[i+1].Short(), err)
			break
		}
	}
	if applyErr == nil {
		applyErr = batch.ApplyCoinbase(b.Txs[0], matured)
	}
	var roots state.Roots
	var undo []byte
	if applyErr == nil {
		roots, undo, applyErr = batch.Commit(parentRoots)
	}
	if err := sigs.wait(); err != nil {
		return state.Roots{}, nil, err
	}
	if applyErr != nil {
		return state.Roots{}, nil, applyErr
	}
	return roots, undo, nil
}

// sigJob is a block's signature check running in the background.
type sigJob struct {
	done chan struct{}
	err  error // a *consensus.RuleError, once done is closed
}

// startSigJob verifies the signatures of txs (VerifyTxs) in the background.
func startSigJob(net wire.Network, txs []*wire.Tx, ids []wire.Hash, cache *SigCache) *sigJob {
	j := &sigJob{done: make(chan struct{})}
	go func() {
		defer close(j.done)
		if i, err := VerifyTxs(net, txs, ids, cache); err != nil {
			j.err = consensus.Rule(consensus.ErrBadSignature, "transaction %d (%s): %v", i, ids[i].Short(), err)
		}
	}()
	return j
}

func (j *sigJob) wait() error {
	<-j.done
	return j.err
}

// maturedCoinbase returns the coinbase of the main-chain block whose reward
// matures at height, or nil.
func (c *Chain) maturedCoinbase(tx *bbolt.Tx, height uint64) (*wire.Tx, error) {
	if height <= c.p.CoinbaseMaturity || !c.id.IsRoot() {
		return nil, nil // block 0 has no coinbase
	}
	mh := height - c.p.CoinbaseMaturity
	if mh >= uint64(len(c.best)) {
		return nil, fmt.Errorf("maturing height %d is above the tip", mh)
	}
	b, err := blockByID(tx, c.best[mh].id)
	if err != nil {
		return nil, err
	}
	return b.Txs[0], nil
}

// disconnectTip undoes the tip block in one bbolt transaction.
func (c *Chain) disconnectTip() error {
	n := c.tip()
	if n.height == 0 {
		return fmt.Errorf("cannot disconnect the genesis block")
	}
	if c.cfg.HeadersOnly {
		return c.disconnectHeader(n)
	}
	var b *wire.Block
	err := c.db.Update(func(tx *bbolt.Tx) error {
		var err error
		if b, err = blockByID(tx, n.id); err != nil {
			return err
		}
		undo := tx.Bucket(store.Undo).Get(n.id[:])
		if undo == nil {
			return fmt.Errorf("no undo record for block %s", n.id.Short())
		}
		if err := state.Disconnect(tx, n.height, undo); err != nil {
			return err
		}
		if err := tx.Bucket(store.Undo).Delete(n.id[:]); err != nil {
			return err
		}
		if err := tx.Bucket(store.Main).Delete(store.U64(n.height)); err != nil {
			return err
		}
		txi := tx.Bucket(store.TxIndex)
		for _, t := range b.Txs {
			id := t.ID()
			if err := txi.Delete(id[:]); err != nil {
				return err
			}
		}
		return tx.Bucket(store.Meta).Put(store.KeyTip, n.parent.id[:])
	})
	if err != nil {
		return err
	}
	c.best = c.best[:len(c.best)-1]
	if c.cfg.OnDisconnect != nil {
		c.cfg.OnDisconnect(b, n.height)
	}
	return nil
}

func rootsOf(tx *bbolt.Tx, id wire.Hash) (state.Roots, error) {
	raw := tx.Bucket(store.Roots).Get(id[:])
	if raw == nil {
		return state.Roots{}, fmt.Errorf("no state roots for block %s", id.Short())
	}
	return state.DecodeRoots(raw)
}

func blockByID(tx *bbolt.Tx, id wire.Hash) (*wire.Block, error) {
	raw := tx.Bucket(store.Blocks).Get(id[:])
	if raw == nil {
		return nil, fmt.Errorf("%w: block %s", ErrNotFound, id.Short())
	}
	return wire.DecodeBlock(raw)
}

func txLocation(block wire.Hash, pos uint32) []byte {
	w := wire.NewWriter(36)
	w.Hash(block)
	w.U32(pos)
	return w.Bytes()
}

// connectHeader moves a headers-only chain's tip to n.
func (c *Chain) connectHeader(n *blockNode) error {
	err := c.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(store.Main).Put(store.U64(n.height), n.id[:]); err != nil {
			return err
		}
		return tx.Bucket(store.Meta).Put(store.KeyTip, n.id[:])
	})
	if err != nil {
		return err
	}
	c.best = append(c.best, n)
	if c.cfg.OnConnect != nil {
		c.cfg.OnConnect(&wire.Block{Header: n.header}, n.height)
	}
	return nil
}

// disconnectHeader moves a headers-only chain's tip back from n.
func (c *Chain) disconnectHeader(n *blockNode) error {
	err := c.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(store.Main).Delete(store.U64(n.height)); err != nil {
			return err
		}
		return tx.Bucket(store.Meta).Put(store.KeyTip, n.parent.id[:])
	})
	if err != nil {
		return err
	}
	c.best = c.best[:len(c.best)-1]
	if c.cfg.OnDisconnect != nil {
		c.cfg.OnDisconnect(&wire.Block{Header: n.header}, n.height)
	}
	return nil
}
