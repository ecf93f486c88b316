package chain

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// Forest is the blocktree as one node holds it: a Chain per prefix, from
// the root down to some depth. Chains the node follows keep full state;
// the others keep headers only (Config.HeadersOnly), enough to check
// anchors, checkpoints and the proofs peers send for them.
//
// Every chain of a forest shares the forest's lock, because their rules
// read each other: a branch block's anchor is a block of its parent chain,
// and a root checkpoint names branch blocks. With one lock, one goroutine
// at a time changes the whole tree, and a change that moves one chain's
// best line (a root reorg) re-settles every chain below before anyone sees
// the tree again.
type Forest struct {
	mu     sync.RWMutex
	p      *consensus.Params
	chains map[wire.ChainID]*Chain
	order  []*Chain // root first, then by depth and prefix

	// pending holds blocks that name a block this node has not seen (an
	// anchor, or a branch block in a checkpoint), keyed by what they wait
	// for; they are processed again when it arrives.
	pending      map[wire.Hash][]*wire.Block
	pendingCount int
}

// maxPending bounds the blocks held for a missing anchor or checkpoint.
const maxPending = 1024

// NewForest returns an empty forest; add its root first.
func NewForest(p *consensus.Params) *Forest {
	return &Forest{p: p, chains: map[wire.ChainID]*Chain{}, pending: map[wire.Hash][]*wire.Block{}}
}

// Add opens a chain of the forest (cfg.Forest and cfg.ID set by the
// caller). A branch's parent chain must have been added before it.
func (f *Forest) Add(cfg Config) (*Chain, error) {
	cfg.Forest = f
	if !cfg.ID.IsRoot() && f.chains[cfg.ID.Parent()] == nil {
		return nil, fmt.Errorf("chain %s needs its parent chain %s first", cfg.ID, cfg.ID.Parent())
	}
	if cfg.ID.IsRoot() && cfg.HeadersOnly {
		return nil, errors.New("the root chain always keeps full state")
	}
	c, err := New(cfg)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chains[cfg.ID] = c
	f.order = append(f.order, c)
	sort.SliceStable(f.order, func(i, j int) bool { return chainLess(f.order[i].id, f.order[j].id) })
	return c, f.settleLocked()
}

// Chain returns the chain with the given ID, or nil.
func (f *Forest) Chain(id wire.ChainID) *Chain {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.chains[id]
}

// Chains lists the forest's chains, root first.
func (f *Forest) Chains() []*Chain {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return append([]*Chain(nil), f.order...)
}

// Root returns the root chain.
func (f *Forest) Root() *Chain { return f.Chain(wire.RootChain) }

func chainLess(a, b wire.ChainID) bool {
	if a.Depth != b.Depth {
		return a.Depth < b.Depth
	}
	return a.Bits < b.Bits
}

// ProcessBlock hands b to the chain it names and settles the tree.
func (f *Forest) ProcessBlock(b *wire.Block) (Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.chains[b.Header.Chain]
	if c == nil {
		return SideChain, consensus.Rule(consensus.ErrWrongChain, "this node does not track chain %s", b.Header.Chain)
	}
	res, err := c.processLocked(b)
	if err == nil && res != Orphan {
		c.processOrphans(b.ID())
	}
	f.releaseLocked()
	if serr := f.settleLocked(); serr != nil && err == nil {
		err = serr
	}
	if err == nil && res == SideChain && c.onBest(c.index[b.ID()]) {
		res = Connected // settling moved the tree onto it
	}
	return res, err
}

// hold keeps b until the block dep arrives.
func (f *Forest) hold(dep wire.Hash, b *wire.Block) {
	for _, x := range f.pending[dep] {
		if x.ID() == b.ID() {
			return
		}
	}
	if f.pendingCount >= maxPending {
		for k, v := range f.pending { // drop any one group: a peer offers them again
			f.pendingCount -= len(v)
			delete(f.pending, k)
			break
		}
	}
	f.pending[dep] = append(f.pending[dep], b)
	f.pendingCount++
}

// releaseLocked processes again every held block whose dependency is now
// known, until nothing more moves.
func (f *Forest) releaseLocked() {
	// Bounded: a block is released only when what it waits for is known,
	// so each round consumes at least one held block.
	for moved, rounds := true, 0; moved && rounds <= maxPending; rounds++ {
		moved = false
		for dep, blocks := range f.pending {
			if !f.knownLocked(dep) {
				continue
			}
			delete(f.pending, dep)
			f.pendingCount -= len(blocks)
			for _, b := range blocks {
				c := f.chains[b.Header.Chain]
				if res, err := c.processLocked(b); err == nil && res != Orphan {
					c.processOrphans(b.ID())
				}
			}
			moved = true
		}
	}
}

// Pending returns the number of blocks held for a missing anchor or
// checkpointed block.
func (f *Forest) Pending() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.pendingCount
}

func (f *Forest) knownLocked(id wire.Hash) bool {
	for _, c := range f.order {
		if _, ok := c.index[id]; ok {
			return true
		}
	}
	return false
}

// settleLocked moves every chain, root first, to its best eligible tip:
// a change above (a reorg, a new checkpoint) can change what is eligible
// below.
func (f *Forest) settleLocked() error {
	for _, c := range f.order {
		if err := c.reorgToBest(); err != nil {
			return fmt.Errorf("chain %s: %w", c.id, err)
		}
	}
	return nil
}

// parentChain returns the chain c's anchors point into.
func (c *Chain) parentChain() *Chain {
	if c.forest == nil || c.id.IsRoot() {
		return nil
	}
	return c.forest.chains[c.id.Parent()]
}

// anchorOf returns the parent-chain block n's header names.
func (c *Chain) anchorOf(n *blockNode) *blockNode {
	pc := c.parentChain()
	if pc == nil {
		return nil
	}
	return pc.index[n.header.Anchor]
}

// rootAnchor follows anchors from n (a block of c) up to the root chain.
func (c *Chain) rootAnchor(n *blockNode) *blockNode {
	for cur := c; !cur.id.IsRoot(); cur = cur.parentChain() {
		if n = cur.anchorOf(n); n == nil {
			return nil
		}
	}
	return n
}

// eligible reports whether n may be this chain's tip given the rest of the
// tree: its anchor is on the parent chain's best line (and so, since
// anchors only move forwards, are all its ancestors'), and it keeps the
// chain's last checkpoint on the root's best line.
func (c *Chain) eligible(n *blockNode, cp *blockNode) bool {
	if n.invalid {
		return false
	}
	if c.id.IsRoot() || c.forest == nil {
		return true
	}
	pc := c.parentChain()
	if a := c.anchorOf(n); a == nil || !pc.onBest(a) {
		return false
	}
	if cp != nil {
		if n.height >= cp.height {
			return c.ancestor(n, cp.height) == cp
		}
		return c.ancestor(cp, n.height) == n
	}
	return true
}

// lastCheckpoint returns the block of c the root's best line last
// checkpointed, if this node knows it.
func (c *Chain) lastCheckpoint() *blockNode {
	if c.forest == nil || c.id.IsRoot() {
		return nil
	}
	root := c.forest.chains[wire.RootChain]
	var id wire.Hash
	root.db.View(func(tx *bbolt.Tx) error {
		id = state.Checkpoint(tx, c.id)
		return nil
	})
	if id.IsZero() {
		return nil
	}
	return c.index[id]
}

// checkAnchor applies the anchor rules to a branch header whose parent is
// parent: the anchor is a known, valid block of the parent chain that
// equals or descends from the parent block's anchor. A missing anchor is
// errMissingDep (the block waits for it).
func (c *Chain) checkAnchor(h *wire.Header, parent *blockNode) error {
	pc := c.parentChain()
	if pc == nil {
		return fmt.Errorf("chain %s has no parent chain in this node's tree", c.id)
	}
	a := pc.index[h.Anchor]
	if a == nil {
		return &missingDep{id: h.Anchor}
	}
	if a.invalid {
		return consensus.Rule(consensus.ErrBadAnchor, "anchor %s is an invalid block of chain %s", h.Anchor.Short(), pc.id)
	}
	pa := pc.index[parent.header.Anchor]
	if pa == nil || pc.ancestor(a, pa.height) != pa {
		return consensus.Rule(consensus.ErrBadAnchor, "anchor %s of chain %s does not descend from the parent block's anchor %s",
			h.Anchor.Short(), pc.id, parent.header.Anchor.Short())
	}
	return nil
}

// missingDep says a block names a block this node has not seen yet.
type missingDep struct{ id wire.Hash }

func (e *missingDep) Error() string { return fmt.Sprintf("waiting for block %s", e.id.Short()) }

// checkpointDeps returns the first checkpointed block b names that this
// node has not seen, if any.
func (c *Chain) checkpointDeps(b *wire.Block) (wire.Hash, bool, error) {
	if len(b.Txs) < 2 || b.Txs[1].Type != wire.TxCheckpoint {
		return wire.Hash{}, false, nil
	}
	if c.forest == nil {
		return wire.Hash{}, false, errors.New("this node tracks no branch chains and cannot check a checkpoint")
	}
	for _, e := range b.Txs[1].Body.(wire.Checkpoint).Entries {
		cc := c.forest.chains[e.Chain]
		if cc == nil || e.Chain.IsRoot() {
			continue // checkCheckpoint rejects it
		}
		if _, ok := cc.index[e.Block]; !ok {
			return e.Block, true, nil
		}
	}
	return wire.Hash{}, false, nil
}

// checkCheckpoint checks a root block's checkpoint before the batch pays
// it: for each chain, entries continue its last checkpoint one block at a
// time, name known valid blocks of the right height whose anchors lead to
// the root line this block extends, and, for chains this node stores in
// full, carry the block's own coinbase (fees and miner).
func (c *Chain) checkCheckpoint(batch *state.Batch, cp wire.Checkpoint, rootParent *blockNode) error {
	if len(cp.Entries) == 0 {
		return consensus.Rule(consensus.ErrBadCheckpoint, "checkpoint has no entries")
	}
	last := map[wire.ChainID]wire.Hash{}
	for i, e := range cp.Entries {
		if e.Chain.IsRoot() || e.Chain.Depth > c.p.MaxDepth {
			return consensus.Rule(consensus.ErrBadCheckpoint, "entry %d is for chain %s, not a branch of depth 1 to %d", i, e.Chain, c.p.MaxDepth)
		}
		if i > 0 && chainLess(e.Chain, cp.Entries[i-1].Chain) {
			return consensus.Rule(consensus.ErrBadCheckpoint, "entry %d (chain %s) is out of order", i, e.Chain)
		}
		cc := c.forest.chains[e.Chain]
		if cc == nil {
			return consensus.Rule(consensus.ErrBadCheckpoint, "entry %d is for chain %s, below the depth this node tracks", i, e.Chain)
		}
		n := cc.index[e.Block]
		if n == nil {
			return &missingDep{id: e.Block}
		}
		if n.invalid {
			return consensus.Rule(consensus.ErrBadCheckpoint, "entry %s names an invalid block", e)
		}
		if n.height != e.Height {
			return consensus.Rule(consensus.ErrBadCheckpoint, "entry %s: the block is at height %d", e, n.height)
		}
		prev, ok := last[e.Chain]
		if !ok {
			if prev = batch.LastCheckpoint(e.Chain); prev.IsZero() {
				prev = cc.best[0].id
			}
		}
		if n.parent == nil || n.parent.id != prev {
			return consensus.Rule(consensus.ErrBadCheckpoint, "entry %s does not continue the chain's last checkpoint %s", e, prev.Short())
		}
		last[e.Chain] = e.Block
		ra := cc.rootAnchor(n)
		if ra == nil || c.ancestor(rootParent, ra.height) != ra {
			return consensus.Rule(consensus.ErrBadCheckpoint, "entry %s is anchored off this block's root line", e)
		}
		if !cc.cfg.HeadersOnly {
			var blk *wire.Block
			err := cc.db.View(func(tx *bbolt.Tx) error {
				var err error
				blk, err = blockByID(tx, n.id)
				return err
			})
			if err != nil {
				return err
			}
			cb := blk.Txs[0].Body.(wire.Coinbase)
			if cb.Amount != e.Fees || cb.To != e.Miner {
				return consensus.Rule(consensus.ErrBadCheckpoint, "entry %s pays %d to %x, the block's coinbase claims %d for %x",
					e, e.Fees, e.Miner[:4], cb.Amount, cb.To[:4])
			}
		}
	}
	return nil
}

// checkpointEntries lists, for a root template on tip, the blocks of every
// fully stored branch chain between its last checkpoint and its tip.
func (c *Chain) checkpointEntries(rootTx *bbolt.Tx) ([]wire.CheckpointEntry, error) {
	if c.forest == nil {
		return nil, nil
	}
	var out []wire.CheckpointEntry
	for _, cc := range c.forest.order {
		if cc.id.IsRoot() || cc.cfg.HeadersOnly {
			continue
		}
		lastID := state.Checkpoint(rootTx, cc.id)
		if lastID.IsZero() {
			lastID = cc.best[0].id
		}
		last := cc.index[lastID]
		tip := cc.tip()
		if last == nil || tip.height <= last.height || cc.ancestor(tip, last.height) != last {
			continue
		}
		var run []*blockNode
		for n := tip; n != last; n = n.parent {
			run = append(run, n)
		}
		err := cc.db.View(func(tx *bbolt.Tx) error {
			for i := len(run) - 1; i >= 0 && len(out) < wire.MaxCheckpointEntries; i-- {
				blk, err := blockByID(tx, run[i].id)
				if err != nil {
					return err
				}
				cb := blk.Txs[0].Body.(wire.Coinbase)
				out = append(out, wire.CheckpointEntry{Chain: cc.id, Block: run[i].id, Height: run[i].height, Fees: cb.Amount, Miner: cb.To})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
