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
	// the block applies and is closed before the hooks, which may write to
	// the root's database.
	ledger, closeRoot, err := c.branchLedger(n)
	if err != nil {
		return err
	}
	defer closeRoot()
	apply := c.applier(n, ledger)
	if e := c.early[n.id]; e != nil && e.sigs.pending >= splitMinSigs {
		err := c.connectEarly(n, e, apply)
		closeRoot()
		if err != nil {
			return err
		}
		c.connected(n, e.block)
		return nil
	}
	var b *wire.Block
	err = c.db.Update(func(tx *bbolt.Tx) error {
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
		var roots state.Roots
		var undo []byte
		batch, applyErr := apply(tx, b, ids)
		if applyErr == nil {
			roots, undo, applyErr = batch.Commit(parentRoots)
		}
		// A bad signature is reported before any other failure.
		if err := sigs.wait(); err != nil {
			return err
		}
		if applyErr != nil {
			return applyErr
		}
		if err := checkStateRoot(b, roots); err != nil {
			return err
		}
		if err := writeConnect(tx, n, ids, roots, undo); err != nil {
			return err
		}
		return c.indexTx(tx, b, true)
	})
	closeRoot()
	if err != nil {
		return err
	}
	c.connected(n, b)
	return nil
}

// applier returns the function that applies block n's transactions in a
// write transaction: coinbase maturity, checkpoints, then the
// transactions (ledger is the root's, for a branch block; nil for root).
func (c *Chain) applier(n *blockNode, ledger state.RootLedger) func(*bbolt.Tx, *wire.Block, []wire.Hash) (*state.Batch, error) {
	return func(tx *bbolt.Tx, b *wire.Block, ids []wire.Hash) (*state.Batch, error) {
		matured, err := c.maturedCoinbase(tx, n.height)
		if err != nil {
			return nil, err
		}
		batch := state.NewBatch(tx, c.p, b.Header.Height)
		if ledger != nil {
			batch = state.NewBranchBatch(tx, c.p, b.Header.Height, c.id, ledger)
		}
		var checkpoint func(*state.Batch, wire.Checkpoint) error
		if c.forest != nil {
			checkpoint = func(batch *state.Batch, cp wire.Checkpoint) error { return c.applyCheckpoint(batch, cp, n.parent) }
			if err := c.matureCheckpoint(tx, batch, n.height); err != nil {
				return nil, err
			}
		}
		return batch, applyTxs(batch, c.cfg.Scripts, b, ids, matured, checkpoint)
	}
}

// branchLedger opens, for a branch block n, the root's ledger at n's root
// anchor; close ends the read transaction. Root blocks get nil.
func (c *Chain) branchLedger(n *blockNode) (ledger state.RootLedger, close func(), err error) {
	if c.id.IsRoot() {
		return nil, func() {}, nil
	}
	ra := c.rootAnchor(n)
	if ra == nil {
		return nil, nil, fmt.Errorf("block %s has no root anchor in this node's tree", n.id.Short())
	}
	rtx, err := c.forest.chains[wire.RootChain].db.Begin(false)
	if err != nil {
		return nil, nil, err
	}
	var once bool
	close = func() {
		if !once {
			once = true
			rtx.Rollback()
		}
	}
	roots, err := rootsOf(rtx, ra.id)
	if err == nil {
		ledger, err = state.NewLedgerAt(rtx, roots)
	}
	if err != nil {
		close()
		return nil, nil, fmt.Errorf("root anchor %s: %w", ra.id.Short(), err)
	}
	return ledger, close, nil
}

// splitMinSigs is how many signatures, left to verify when a block is
// received, make connectEarly worth its extra commit (a variable for tests).
var splitMinSigs = 64

// connectEarly is connect for a block just received with many signatures
// still being checked on the other cores. Committing is the costliest step
// after the signatures, so it is split: the block is applied and its tree
// nodes committed meanwhile (unreferenced until the roots are stored, so
// harmless if the block fails); then one transaction writes the rest
// (state, undo record, roots, indexes, tip), as connect, and commits once
// the signatures pass — or rolls back. The chain lock is held throughout,
// and only the chain writes the state, so the second transaction sees the
// state the first applied the block to. The caller records the block as
// connected.
func (c *Chain) connectEarly(n *blockNode, e *earlyBlock, apply func(*bbolt.Tx, *wire.Block, []wire.Hash) (*state.Batch, error)) error {
	b, ids := e.block, e.ids
	var batch *state.Batch
	var roots state.Roots
	err := c.db.Update(func(tx *bbolt.Tx) error {
		parentRoots, err := rootsOf(tx, n.parent.id)
		if err != nil {
			return err
		}
		if batch, err = apply(tx, b, ids); err != nil {
			return err
		}
		if roots, err = batch.CommitTrees(parentRoots); err != nil {
			return err
		}
		return checkStateRoot(b, roots)
	})
	if err == nil {
		err = c.db.Update(func(tx *bbolt.Tx) error {
			undo, err := batch.CommitFlat(tx)
			if err == nil {
				err = writeConnect(tx, n, ids, roots, undo)
			}
			if err == nil {
				err = c.indexTx(tx, b, true)
			}
			if serr := e.sigs.wait(); serr != nil {
				return serr
			}
			return err
		})
	}
	// A bad signature is reported before any other failure.
	if serr := e.sigs.wait(); serr != nil {
		return serr
	}
	return err
}

func checkStateRoot(b *wire.Block, roots state.Roots) error {
	if roots.StateRoot() != b.Header.StateRoot {
		return consensus.Rule(consensus.ErrBadStateRoot, "state root after the block is %s, the header says %s",
			roots.StateRoot().Short(), b.Header.StateRoot.Short())
	}
	return nil
}

// writeConnect writes, beside the state, what connecting n records: its
// undo record and roots, the main-chain and tx index, and the tip.
func writeConnect(tx *bbolt.Tx, n *blockNode, ids []wire.Hash, roots state.Roots, undo []byte) error {
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
}

// indexTx runs the IndexTx hook, if any, in the transaction that connects
// (add) or disconnects b.
func (c *Chain) indexTx(tx *bbolt.Tx, b *wire.Block, add bool) error {
	if c.cfg.IndexTx == nil {
		return nil
	}
	return c.cfg.IndexTx(tx, b, add)
}

// connected records n, now committed, as the tip.
func (c *Chain) connected(n *blockNode, b *wire.Block) {
	c.best = append(c.best, n)
	if c.cfg.OnConnect != nil {
		c.cfg.OnConnect(b, n.height)
	}
}

// ApplyBlock runs a root block's transactions against the state in tx on
// top of parentRoots: signatures verified in parallel (skipping cached
// ones) while the state transitions run, then the coinbase. It returns the
// new roots and the undo record; on error the caller must roll tx back. It
// cannot check checkpoints (they need the forest).
func ApplyBlock(tx *bbolt.Tx, p *consensus.Params, scripts *state.Scripts, b *wire.Block, ids []wire.Hash, parentRoots state.Roots,
	matured *wire.Tx, sigs *SigCache) (state.Roots, []byte, error) {
	job := startSigJob(p.Net, b.Txs, ids, sigs)
	batch := state.NewBatch(tx, p, b.Header.Height)
	var roots state.Roots
	var undo []byte
	applyErr := applyTxs(batch, scripts, b, ids, matured, nil)
	if applyErr == nil {
		roots, undo, applyErr = batch.Commit(parentRoots)
	}
	if err := job.wait(); err != nil {
		return state.Roots{}, nil, err
	}
	return roots, undo, applyErr
}

// applyTxs runs the block's transactions, then its coinbase, in batch.
// checkpoint checks a root block's checkpoint against the tree and
// applies it (nil: checkpoints refused).
func applyTxs(batch *state.Batch, scripts *state.Scripts, b *wire.Block, ids []wire.Hash, matured *wire.Tx,
	checkpoint func(*state.Batch, wire.Checkpoint) error) error {
	batch.SetScripts(scripts, b.Header.Time)
	// Lineups the parent block's ID drew, before this block's transactions.
	if err := batch.DrawLineups(b.Header.Prev); err != nil {
		return fmt.Errorf("lineup draw: %w", err)
	}
	for i, t := range b.Txs[1:] {
		if cp, ok := t.Body.(wire.Checkpoint); ok && i == 0 {
			if checkpoint == nil {
				return fmt.Errorf("this node tracks no branch chains and cannot check a checkpoint")
			}
			if err := checkpoint(batch, cp); err != nil {
				return fmt.Errorf("checkpoint: %w", err)
			}
			continue
		}
		if err := batch.ApplyWithID(t, ids[i+1], i+1); err != nil {
			return fmt.Errorf("transaction %d (%s): %w", i+1, ids[i+1].Short(), err)
		}
	}
	return batch.ApplyCoinbase(b.Txs[0], matured)
}

// sigJob is a block's signature check running in the background.
type sigJob struct {
	pending int // signatures to verify (not cached)
	done    chan struct{}
	err     error // a *consensus.RuleError, once done is closed
	failed  int   // with err: the index of the first bad transaction
}

// startSigJob verifies the signatures of txs (VerifyTxs) in the background.
func startSigJob(net wire.Network, txs []*wire.Tx, ids []wire.Hash, cache *SigCache) *sigJob {
	todo := uncached(txs, ids, cache)
	j := &sigJob{pending: len(todo), done: make(chan struct{})}
	go func() {
		defer close(j.done)
		if i, err := verifyIndexes(net, txs, ids, todo, cache); err != nil {
			j.err = consensus.Rule(consensus.ErrBadSignature, "transaction %d (%s): %v", i, ids[i].Short(), err)
			j.failed = i
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
		// The parent may have been inside a run, its key/value tree
		// never stored: rebuild it, the tip's tree being the only one
		// read or updated.
		roots, err := rootsOf(tx, n.id)
		if err != nil {
			return err
		}
		parentRoots, err := rootsOf(tx, n.parent.id)
		if err != nil {
			return err
		}
		if err := state.RestoreKVTree(tx, parentRoots, roots, undo); err != nil {
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
		if err := c.indexTx(tx, b, false); err != nil {
			return err
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
