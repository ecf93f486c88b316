package chain

import (
	"errors"
	"math/big"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/state/smt"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// Bounds of one run (ProcessRun): what a single write transaction holds.
// A block's state-tree records (some 8 KiB per write) and the bbolt pages
// it dirties stay in memory until the transaction commits, so MaxRunBytes
// of blocks bounds the memory. Small blocks share the pages of the flat
// buckets (records, history, transaction index) the more of them one
// commit holds: at 128 blocks of 10 writes a block writes a fifth fewer
// bytes of pages than at 32, and pays 1/128 of a commit's fsync.
const (
	MaxRunBlocks = 128
	MaxRunBytes  = 8 << 20
)

// runBlock is a block of a run, checked before the run's transaction.
type runBlock struct {
	b   *wire.Block
	n   *blockNode
	ids []wire.Hash
	raw []byte
	// sigs is the index of the block's first transaction in the run's
	// signature job.
	sigs int
}

// ProcessRun connects blocks, a line that extends the tip in order, as
// ProcessBlock would one by one, but stores and connects them in one
// bbolt transaction (one commit, one fsync, instead of two per block).
// Every rule runs as for ProcessBlock, and the signatures of the whole
// run are checked together (batch verification across blocks).
//
// It connects the longest leading part of blocks it can take without a
// verdict other than "connected": it stops before a block that is known,
// does not extend the line, waits for a block this node lacks, or breaks
// any rule. It returns how many blocks it connected; the caller hands the
// block after them to ProcessBlockFrom, which gives the exact outcome (a
// rejection, a held block) and records it. A storage failure is returned
// as an error.
func (c *Chain) ProcessRun(blocks []*wire.Block) (int, error) {
	if c.forest != nil {
		return c.forest.ProcessRun(blocks)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.processRunLocked(blocks)
	for _, b := range blocks[:n] {
		c.processOrphans(b.ID())
	}
	return n, err
}

// ProcessRun is Chain.ProcessRun for blocks of one chain of the forest
// (the chain the first names); the tree settles once, after the run.
func (f *Forest) ProcessRun(blocks []*wire.Block) (int, error) {
	if len(blocks) == 0 {
		return 0, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.chains[blocks[0].Header.Chain]
	if c == nil {
		return 0, nil
	}
	n, err := c.processRunLocked(blocks)
	if n == 0 {
		return 0, err
	}
	for _, b := range blocks[:n] {
		c.processOrphans(b.ID())
	}
	f.releaseLocked()
	if serr := f.settleLocked(); serr != nil && err == nil {
		err = serr
	}
	// Settling may move the tree off a block of the run (a checkpoint in
	// it changed what is eligible below the root, say): count what stayed.
	kept := 0
	for _, b := range blocks[:n] {
		if !c.onBest(c.index[b.ID()]) {
			break
		}
		kept++
	}
	return kept, err
}

// processRunLocked is ProcessRun with the chain lock held. A line longer
// than one transaction may hold (MaxRunBlocks, MaxRunBytes) is connected
// in several.
func (c *Chain) processRunLocked(blocks []*wire.Block) (int, error) {
	if c.cfg.HeadersOnly || len(blocks) == 0 || c.bestCandidate() != c.tip() {
		return 0, nil
	}
	total := 0
	for total < len(blocks) {
		run, capped := c.prepareRun(blocks[total:])
		for len(run) > 0 {
			bad, err := c.connectRun(run)
			if err != nil {
				return total, err
			}
			if bad < 0 {
				break
			}
			// Block bad failed: nothing was committed. Connect the
			// blocks before it; the caller learns bad's verdict from
			// ProcessBlock.
			run, capped = run[:bad], false
		}
		total += len(run)
		if !capped || len(run) == 0 {
			break
		}
	}
	return total, nil
}

// prepareRun checks, before any write, what ProcessBlock checks of each
// block before storing it: not known, sanity, a child of the block before
// (the tip for the first), the context rules (height, bits, time,
// anchor), checkpointed blocks known, the encoding round trip. It returns
// the leading blocks that pass, linked as nodes (not yet in the index),
// and whether it stopped only because a transaction holds no more.
func (c *Chain) prepareRun(blocks []*wire.Block) (run []*runBlock, capped bool) {
	parent := c.tip()
	size := 0
	now := c.cfg.Now()
	for _, b := range blocks {
		if len(run) == MaxRunBlocks {
			return run, true
		}
		id := b.ID()
		if _, known := c.index[id]; known || c.held.has(id) || b.Header.Chain != c.id || b.Header.Prev != parent.id {
			break
		}
		ids, raw, err := checkSanity(c.p, c.id, b, now)
		if err != nil {
			break
		}
		if len(run) > 0 && size+len(raw) > MaxRunBytes {
			return run, true
		}
		if parent.invalid || c.checkContext(&b.Header, parent) != nil {
			break
		}
		if c.id.IsRoot() {
			if _, missing, err := c.checkpointDeps(b); err != nil || missing {
				break
			}
		}
		if checkRoundTrip(raw) != nil {
			break
		}
		n := &blockNode{id: id, header: b.Header, parent: parent, height: b.Header.Height,
			work: new(big.Int).Add(parent.work, consensus.Work(b.Header.Bits))}
		run = append(run, &runBlock{b: b, n: n, ids: ids, raw: raw})
		size += len(raw)
		parent = n
	}
	return run, false
}

// connectRun stores and connects run in one transaction. The nodes join
// the index and the best line while it runs (the rules of a block read
// its ancestors through them) and leave both again if it fails. It
// returns -1 when the run committed, else the index of the first block
// that broke a rule (nothing committed).
func (c *Chain) connectRun(run []*runBlock) (int, error) {
	// One signature job for the whole run: cached signatures (checked as
	// the blocks arrived) cost a lookup, the rest verify in batches on the
	// other cores while the blocks apply.
	var txs []*wire.Tx
	var ids []wire.Hash
	for _, r := range run {
		r.sigs = len(txs)
		txs = append(txs, r.b.Txs...)
		ids = append(ids, r.ids...)
	}
	job := startSigJob(c.p.Net, txs, ids, c.sigs)
	defer job.wait()
	base := len(c.best)
	added := 0
	undoMemory := func() {
		for _, r := range run[:added] {
			delete(c.index, r.n.id)
		}
		c.best = c.best[:base]
	}
	bad := -1
	err := c.db.Update(func(tx *bbolt.Tx) error {
		// The blocks' key/value trees are applied on one overlay and only
		// the last block's is stored (state.RestoreKVTree).
		kv, err := state.NewKVOverlay(tx)
		if err != nil {
			return err
		}
		var last state.Roots
		for i, r := range run {
			c.index[r.n.id] = r.n
			c.best = append(c.best, r.n)
			added++
			if err := c.storeRunBlock(tx, r); err != nil {
				return err
			}
			if last, err = c.applyRunBlock(tx, r, kv); err != nil {
				if consensus.CodeOf(err) != 0 || errors.Is(err, state.ErrScriptUnavailable) {
					bad = i
				}
				return err
			}
		}
		if err := job.wait(); err != nil {
			bad = runBlockOf(run, job.failed)
			return err
		}
		return kv.Persist(last.KV)
	})
	if err != nil {
		undoMemory()
		if bad >= 0 {
			return bad, nil
		}
		return 0, err
	}
	for _, r := range run {
		if c.cfg.OnConnect != nil {
			c.cfg.OnConnect(r.b, r.n.height)
		}
	}
	return -1, nil
}

// runBlockOf returns the index in run of the block holding the run's
// transaction at position pos.
func runBlockOf(run []*runBlock, pos int) int {
	for i := len(run) - 1; i >= 0; i-- {
		if pos >= run[i].sigs {
			return i
		}
	}
	return 0
}

// storeRunBlock writes what processLocked stores of a block: its
// encoding, a branch block's coinbase claim and its index entry.
func (c *Chain) storeRunBlock(tx *bbolt.Tx, r *runBlock) error {
	id := r.n.id
	if err := tx.Bucket(store.Blocks).Put(id[:], r.raw); err != nil {
		return err
	}
	if !c.id.IsRoot() {
		bk, err := tx.CreateBucketIfNotExists(claimsBucket)
		if err != nil {
			return err
		}
		cb := r.b.Txs[0].Body.(wire.Coinbase)
		if err := bk.Put(id[:], encodeClaim(cb.Amount, cb.To)); err != nil {
			return err
		}
	}
	return tx.Bucket(store.Index).Put(id[:], indexValue(&r.b.Header, statusOK))
}

// applyRunBlock is connect's transaction for one block of a run
// (signatures apart: the run's job checks them), its key/value tree
// applied on kv. It returns the block's roots.
func (c *Chain) applyRunBlock(tx *bbolt.Tx, r *runBlock, kv *smt.Overlay) (state.Roots, error) {
	ledger, closeRoot, err := c.branchLedger(r.n)
	if err != nil {
		return state.Roots{}, err
	}
	defer closeRoot()
	parentRoots, err := rootsOf(tx, r.n.parent.id)
	if err != nil {
		return state.Roots{}, err
	}
	batch, err := c.applier(r.n, ledger)(tx, r.b, r.ids)
	if err != nil {
		return state.Roots{}, err
	}
	batch.SetKVOverlay(kv)
	roots, undo, err := batch.Commit(parentRoots)
	if err != nil {
		return state.Roots{}, err
	}
	if err := checkStateRoot(r.b, roots); err != nil {
		return state.Roots{}, err
	}
	if err := writeConnect(tx, r.n, r.ids, roots, undo); err != nil {
		return state.Roots{}, err
	}
	return roots, c.indexTx(tx, r.b, true)
}
