package chain

import (
	"encoding/binary"
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

	// held keeps, within MaxHeldBytes for the whole forest, blocks whose
	// parent this node has not seen, and blocks that name another block it
	// has not seen (an anchor, or a branch block in a checkpoint); they are
	// processed again when it arrives.
	held *heldPool
}

// NewForest returns an empty forest; add its root first.
func NewForest(p *consensus.Params) *Forest {
	return &Forest{p: p, chains: map[wire.ChainID]*Chain{}, held: newHeldPool(MaxHeldBytes)}
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
func (f *Forest) ProcessBlock(b *wire.Block) (Result, error) { return f.ProcessBlockFrom(b, "") }

// ProcessBlockFrom is ProcessBlock for a block source (a peer ID) sent
// (see Chain.ProcessBlockFrom).
func (f *Forest) ProcessBlockFrom(b *wire.Block, source string) (Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.chains[b.Header.Chain]
	if c == nil {
		return SideChain, consensus.Rule(consensus.ErrWrongChain, "this node does not track chain %s", b.Header.Chain)
	}
	res, err := c.processLocked(b, source)
	if _, stored := c.index[b.ID()]; stored {
		// Also when it is stored invalid (a branch block): its held
		// children are stored invalid in turn, as if they came after it.
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

// hold keeps b (size bytes, from source) until the block dep arrives.
func (f *Forest) hold(dep wire.Hash, b *wire.Block, size int, source string) {
	f.held.add(b, size, dep, source, false)
}

// releaseLocked processes again every held block whose dependency is now
// known, until nothing more moves.
func (f *Forest) releaseLocked() {
	// Bounded: a block is released only when what it waits for is known,
	// so each round consumes at least one held block.
	limit := len(f.held.blocks)
	for moved, rounds := true, 0; moved && rounds <= limit; rounds++ {
		moved = false
		for _, dep := range f.held.deps() {
			if !f.knownLocked(dep) {
				continue
			}
			for _, h := range f.held.take(dep, false) {
				c := f.chains[h.b.Header.Chain]
				if res, err := c.processLocked(h.b, h.source); err == nil && res != Orphan {
					c.processOrphans(h.id)
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
	return f.held.count(false, nil)
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

// finalCheckpoint returns the block of c whose checkpoint on the root's
// best line last matured, if this node knows it. Only a matured checkpoint
// binds the branch's fork choice: a pending one may still be replaced by
// a heavier fork (checkCheckpoint).
func (c *Chain) finalCheckpoint() *blockNode {
	if c.forest == nil || c.id.IsRoot() {
		return nil
	}
	root := c.forest.chains[wire.RootChain]
	var id wire.Hash
	root.db.View(func(tx *bbolt.Tx) error {
		id = state.FinalCheckpoint(tx, c.id)
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
	// An anchor this node found invalid is not refused here: a node that
	// keeps the parent chain as headers only could not tell, and whether a
	// header is stored must not depend on the follow set (checkpoints name
	// stored headers). Fork choice never puts it on a best line.
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

// checkCheckpoint checks a root block's checkpoint before the batch
// applies it, by rules that need only the branch headers and the coinbase
// claims every node checked against them, so a node that keeps a branch as
// headers only judges it exactly as one that stores it in full:
//
//   - entries are sorted by chain; each names a known block of its height
//     whose anchors lead to the root line this block extends, with the
//     fees and miner of that block's coinbase;
//   - a chain's entries form one run, each the child of the one before;
//   - the run starts at the child of the chain's last checkpoint (it
//     extends it), or at the child of its final (matured) checkpoint: a
//     replacement, allowed only for a fork that does not contain the last
//     checkpoint and has more work than it. A replacement voids every
//     pending payout of the chain.
//
// Whether a branch block's transactions are valid is not a root rule (a
// headers-only node cannot know); an invalid block, however it was
// checkpointed, is outworked by the honest branch miners, whose heavier
// fork replaces it before its payout matures. It returns the chains whose
// pending checkpoints the entries replace.
func (c *Chain) checkCheckpoint(batch *state.Batch, cp wire.Checkpoint, rootParent *blockNode) ([]wire.ChainID, error) {
	if len(cp.Entries) == 0 {
		return nil, consensus.Rule(consensus.ErrBadCheckpoint, "checkpoint has no entries")
	}
	type run struct {
		cc          *Chain
		first, last *blockNode
	}
	var runs []*run
	for i, e := range cp.Entries {
		if e.Chain.IsRoot() || e.Chain.Depth > c.p.MaxDepth {
			return nil, consensus.Rule(consensus.ErrBadCheckpoint, "entry %d is for chain %s, not a branch of depth 1 to %d", i, e.Chain, c.p.MaxDepth)
		}
		if i > 0 && chainLess(e.Chain, cp.Entries[i-1].Chain) {
			return nil, consensus.Rule(consensus.ErrBadCheckpoint, "entry %d (chain %s) is out of order", i, e.Chain)
		}
		cc := c.forest.chains[e.Chain]
		if cc == nil {
			return nil, consensus.Rule(consensus.ErrBadCheckpoint, "entry %d is for chain %s, below the depth this node tracks", i, e.Chain)
		}
		n := cc.index[e.Block]
		if n == nil {
			return nil, &missingDep{id: e.Block}
		}
		if n.height != e.Height || n.height == 0 {
			return nil, consensus.Rule(consensus.ErrBadCheckpoint, "entry %s: the block is at height %d", e, n.height)
		}
		if len(runs) > 0 && runs[len(runs)-1].cc == cc {
			r := runs[len(runs)-1]
			if n.parent != r.last {
				return nil, consensus.Rule(consensus.ErrBadCheckpoint, "entry %s does not continue the entry before it", e)
			}
			r.last = n
		} else {
			runs = append(runs, &run{cc: cc, first: n, last: n})
		}
		ra := cc.rootAnchor(n)
		if ra == nil || c.ancestor(rootParent, ra.height) != ra {
			return nil, consensus.Rule(consensus.ErrBadCheckpoint, "entry %s is anchored off this block's root line", e)
		}
		amount, to, err := cc.claim(n)
		if err != nil {
			return nil, err
		}
		if amount != e.Fees || to != e.Miner {
			return nil, consensus.Rule(consensus.ErrBadCheckpoint, "entry %s pays %d to %x, the block's coinbase claims %d for %x",
				e, e.Fees, e.Miner[:4], amount, to[:4])
		}
	}
	var replaced []wire.ChainID
	for _, r := range runs {
		last, err := r.cc.checkpointNode(batch.LastCheckpoint(r.cc.id))
		if err != nil {
			return nil, err
		}
		final, err := r.cc.checkpointNode(batch.FinalCheckpoint(r.cc.id))
		if err != nil {
			return nil, err
		}
		switch {
		case r.first.parent == last:
		case r.first.parent == final:
			if r.cc.ancestor(r.last, last.height) == last || r.last.work.Cmp(last.work) <= 0 {
				return nil, consensus.Rule(consensus.ErrBadCheckpoint, "entries of chain %s replace its pending checkpoints with a fork that does not outwork the last one %s",
					r.cc.id, last.id.Short())
			}
			replaced = append(replaced, r.cc.id)
		default:
			return nil, consensus.Rule(consensus.ErrBadCheckpoint, "entry for block %s of chain %s continues neither the chain's last checkpoint %s nor its final one %s",
				r.first.id.Short(), r.cc.id, last.id.Short(), final.id.Short())
		}
	}
	return replaced, nil
}

// applyCheckpoint checks cp (checkCheckpoint), voids what it replaces and
// applies it to batch.
func (c *Chain) applyCheckpoint(batch *state.Batch, cp wire.Checkpoint, rootParent *blockNode) error {
	replaced, err := c.checkCheckpoint(batch, cp, rootParent)
	if err != nil {
		return err
	}
	for _, id := range replaced {
		batch.VoidCheckpoints(id)
	}
	return batch.ApplyCheckpoint(cp)
}

// checkpointNode returns the block a checkpoint leaf names (zero: the
// chain's genesis).
func (c *Chain) checkpointNode(id wire.Hash) (*blockNode, error) {
	if id.IsZero() {
		return c.best[0], nil
	}
	n := c.index[id]
	if n == nil {
		return nil, fmt.Errorf("checkpointed block %s of chain %s is not in this node's index", id.Short(), c.id)
	}
	return n, nil
}

// matureCheckpoint pays, on connecting the root block at height, the
// checkpoint of the main-chain block CheckpointMaturity below it.
func (c *Chain) matureCheckpoint(tx *bbolt.Tx, batch *state.Batch, height uint64) error {
	m := c.p.CheckpointMaturity
	if !c.id.IsRoot() || c.forest == nil || height <= m {
		return nil
	}
	mh := height - m
	if mh >= uint64(len(c.best)) {
		return fmt.Errorf("maturing height %d is above the tip", mh)
	}
	b, err := blockByID(tx, c.best[mh].id)
	if err != nil {
		return err
	}
	if len(b.Txs) < 2 {
		return nil
	}
	cp, ok := b.Txs[1].Body.(wire.Checkpoint)
	if !ok {
		return nil
	}
	return batch.MatureCheckpoint(cp, mh)
}

// checkpointEntries lists, for a root template on tip, the blocks of every
// fully stored branch chain between its last checkpoint and its tip; where
// the branch's tip left the last checkpoint for a heavier fork, the run
// starts at the final checkpoint instead (a replacement).
func (c *Chain) checkpointEntries(rootTx *bbolt.Tx) ([]wire.CheckpointEntry, error) {
	if c.forest == nil {
		return nil, nil
	}
	var out []wire.CheckpointEntry
	for _, cc := range c.forest.order {
		if cc.id.IsRoot() || cc.cfg.HeadersOnly {
			continue
		}
		last, err := cc.checkpointNode(state.Checkpoint(rootTx, cc.id))
		if err != nil {
			return nil, err
		}
		tip := cc.tip()
		from := last
		if cc.ancestor(tip, last.height) != last {
			final, err := cc.checkpointNode(state.FinalCheckpoint(rootTx, cc.id))
			if err != nil {
				return nil, err
			}
			if tip.work.Cmp(last.work) <= 0 || cc.ancestor(tip, final.height) != final ||
				tip.height-final.height > uint64(wire.MaxCheckpointEntries-len(out)) {
				continue
			}
			from = final
		}
		if tip.height <= from.height {
			continue
		}
		var run []*blockNode
		for n := tip; n != from; n = n.parent {
			run = append(run, n)
		}
		for i := len(run) - 1; i >= 0 && len(out) < wire.MaxCheckpointEntries; i-- {
			amount, to, err := cc.claim(run[i])
			if err != nil {
				return nil, err
			}
			out = append(out, wire.CheckpointEntry{Chain: cc.id, Block: run[i].id, Height: run[i].height, Fees: amount, Miner: to})
		}
	}
	return out, nil
}

// claimsBucket keeps, for each branch block, what its coinbase claims
// (amount u64 ‖ miner pubkey), also when the chain keeps headers only:
// every node checked the coinbase against the header's tx root on receipt,
// and checkpoints are judged by it.
var claimsBucket = []byte("claims")

func encodeClaim(amount uint64, to wire.PubKey) []byte {
	w := wire.NewWriter(8 + len(to))
	w.U64(amount)
	w.Fixed(to[:])
	return w.Bytes()
}

// Claim is what the coinbase of known block id claims (amount and miner),
// recorded for every branch block the chain took, headers only too. A
// branch coinbase claims exactly its block's fees, so a claim of 0 says
// the block holds no write: discovery skips fetching such blocks.
func (c *Chain) Claim(id wire.Hash) (uint64, wire.PubKey, error) {
	c.mu.RLock()
	n := c.index[id]
	c.mu.RUnlock()
	if n == nil {
		return 0, wire.PubKey{}, fmt.Errorf("%w: block %s", ErrNotFound, id.Short())
	}
	return c.claim(n)
}

// claim returns what n's coinbase claims.
func (c *Chain) claim(n *blockNode) (uint64, wire.PubKey, error) {
	var amount uint64
	var to wire.PubKey
	err := c.db.View(func(tx *bbolt.Tx) error {
		if bk := tx.Bucket(claimsBucket); bk != nil {
			if v := bk.Get(n.id[:]); len(v) == 8+len(to) {
				amount = binary.BigEndian.Uint64(v)
				copy(to[:], v[8:])
				return nil
			}
		}
		if c.cfg.HeadersOnly {
			return fmt.Errorf("the coinbase of block %s of chain %s is not recorded (a store from an older version: remove %s and let it sync again)",
				n.id.Short(), c.id, c.db.Path())
		}
		blk, err := blockByID(tx, n.id)
		if err != nil {
			return err
		}
		cb := blk.Txs[0].Body.(wire.Coinbase)
		amount, to = cb.Amount, cb.To
		return nil
	})
	return amount, to, err
}
