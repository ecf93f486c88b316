package chain

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"sort"
	"sync"
	"time"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// blockNode is a header in the in-memory index.
type blockNode struct {
	id      wire.Hash
	header  wire.Header
	parent  *blockNode
	height  uint64
	work    *big.Int // cumulative, including this block
	invalid bool
}

const (
	statusOK      = 0
	statusInvalid = 1
)

// Config wires a chain to its surroundings.
type Config struct {
	Params *consensus.Params
	DB     *bbolt.DB
	Now    func() time.Time // nil = time.Now
	Log    *slog.Logger
	Sigs   *SigCache // shared with the mempool; nil = a fresh one
	// Scripts runs keyspaces' access scripts (a worker pool in the
	// product). nil: blocks with scripted writes cannot be validated.
	Scripts *state.Scripts
	// AdmissionScripts runs them for CheckAccess (mempool admission and
	// previews): the pool's admission lane, which yields to block
	// validation (script.Lanes). nil: Scripts.
	AdmissionScripts *state.Scripts
	// Hooks run after each block is connected or disconnected, with the
	// chain lock held: they must not call back into Chain's mutating methods.
	OnConnect    func(b *wire.Block, height uint64)
	OnDisconnect func(b *wire.Block, height uint64)
	// IndexTx writes what the node indexes beside the chain (the address
	// index) inside the transaction that connects (add) or disconnects b,
	// so the index commits with the block and never lags it. Full chains
	// only.
	IndexTx func(tx *bbolt.Tx, b *wire.Block, add bool) error

	// The blocktree: which chain this is (zero: the root), the forest it
	// belongs to (nil: a root chain alone, which cannot check
	// checkpoints), and whether it keeps headers only (a branch the node
	// does not follow: no bodies, no state; hooks get header-only blocks).
	ID          wire.ChainID
	Forest      *Forest
	HeadersOnly bool
}

// Chain is a validated proof-of-work chain over a bbolt database.
type Chain struct {
	cfg  Config
	p    *consensus.Params
	db   *bbolt.DB
	log  *slog.Logger
	sigs *SigCache
	id   wire.ChainID

	forest *Forest
	// mu is the forest's lock when the chain is in one, else its own.
	mu    *sync.RWMutex
	index map[wire.Hash]*blockNode
	best  []*blockNode // best[h] is the main-chain block at height h
	// held keeps blocks waiting for their parent (and, in a forest, for
	// an anchor or checkpointed block); shared by a forest's chains.
	held *heldPool
	// rejected remembers why blocks failed to connect (for their submitter),
	// and which unstored blocks broke a rule that depends only on their
	// ancestry (so their descendants are rejected, not held as orphans).
	rejected map[wire.Hash]error
	// early holds, for a block processLocked is about to connect, the block
	// as received (its encoding is what was stored), its tx IDs and the
	// signature check started while it is stored; connect uses them.
	early map[wire.Hash]*earlyBlock
	// testEntries, set by tests only, replaces the checkpoint a root
	// template would carry (to build hostile blocks with true state roots).
	testEntries func() []wire.CheckpointEntry
}

type earlyBlock struct {
	block *wire.Block
	ids   []wire.Hash
	sigs  *sigJob
}

// New opens the chain stored in cfg.DB, writing the genesis block on first
// use, and moves to the best valid chain it knows.
func New(cfg Config) (*Chain, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Sigs == nil {
		cfg.Sigs = NewSigCache(200_000)
	}
	if cfg.AdmissionScripts == nil {
		cfg.AdmissionScripts = cfg.Scripts
	}
	c := &Chain{cfg: cfg, p: cfg.Params, db: cfg.DB, log: cfg.Log.With("chain", cfg.ID.String()), sigs: cfg.Sigs, id: cfg.ID,
		forest: cfg.Forest, mu: &sync.RWMutex{},
		index: map[wire.Hash]*blockNode{}, held: newHeldPool(MaxHeldBytes), rejected: map[wire.Hash]error{},
		early: map[wire.Hash]*earlyBlock{}}
	if cfg.Forest != nil {
		c.mu = &cfg.Forest.mu
		c.held = cfg.Forest.held
	}
	if err := c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

// ID returns which chain of the blocktree this is.
func (c *Chain) ID() wire.ChainID { return c.id }

// HeadersOnly reports whether the chain keeps headers only.
func (c *Chain) HeadersOnly() bool { return c.cfg.HeadersOnly }

// Params returns the consensus parameters.
func (c *Chain) Params() *consensus.Params { return c.p }

// SigCache returns the signature cache.
func (c *Chain) SigCache() *SigCache { return c.sigs }

// DB returns the database (for read-only views).
func (c *Chain) DB() *bbolt.DB { return c.db }

func (c *Chain) load() error {
	gen := GenesisOf(c.p, c.id)
	gid := gen.ID()
	err := c.db.Update(func(tx *bbolt.Tx) error {
		idx := tx.Bucket(store.Index)
		if idx.Get(gid[:]) != nil {
			return nil
		}
		if idx.Stats().KeyN > 0 {
			return fmt.Errorf("database belongs to another network (no genesis %s)", gid.Short())
		}
		if err := tx.Bucket(store.Blocks).Put(gid[:], gen.Encode()); err != nil {
			return err
		}
		if err := tx.Bucket(store.Index).Put(gid[:], indexValue(&gen.Header, statusOK)); err != nil {
			return err
		}
		if err := tx.Bucket(store.Roots).Put(gid[:], state.Roots{}.Encode()); err != nil {
			return err
		}
		if err := tx.Bucket(store.Main).Put(store.U64(0), gid[:]); err != nil {
			return err
		}
		return tx.Bucket(store.Meta).Put(store.KeyTip, gid[:])
	})
	if err != nil {
		return err
	}
	// Rebuild the index from headers.
	var nodes []*blockNode
	err = c.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(store.Index).ForEach(func(k, v []byte) error {
			h, err := wire.DecodeHeader(v[:len(v)-1])
			if err != nil {
				return fmt.Errorf("index entry %x: %w", k[:4], err)
			}
			n := &blockNode{header: h, height: h.Height, invalid: v[len(v)-1] == statusInvalid}
			copy(n.id[:], k)
			nodes = append(nodes, n)
			return nil
		})
	})
	if err != nil {
		return err
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].height < nodes[j].height })
	for _, n := range nodes {
		c.index[n.id] = n
	}
	for _, n := range nodes {
		if n.height == 0 {
			n.work = consensus.Work(n.header.Bits)
			continue
		}
		n.parent = c.index[n.header.Prev]
		if n.parent == nil {
			return fmt.Errorf("index is missing the parent of block %s", n.id.Short())
		}
		n.work = new(big.Int).Add(n.parent.work, consensus.Work(n.header.Bits))
		if n.parent.invalid {
			n.invalid = true
		}
	}
	// The stored main chain.
	var tipID wire.Hash
	c.db.View(func(tx *bbolt.Tx) error {
		copy(tipID[:], tx.Bucket(store.Meta).Get(store.KeyTip))
		return nil
	})
	tip := c.index[tipID]
	if tip == nil {
		return fmt.Errorf("stored tip %s is not in the index", tipID.Short())
	}
	c.setBest(tip)
	// A crash mid-reorg leaves a consistent but maybe not best tip: finish the job.
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reorgToBest()
}

// setBest rebuilds the main-chain slice ending at tip.
func (c *Chain) setBest(tip *blockNode) {
	best := make([]*blockNode, tip.height+1)
	for n := tip; n != nil; n = n.parent {
		best[n.height] = n
	}
	c.best = best
}

func indexValue(h *wire.Header, status byte) []byte { return append(h.Encode(), status) }

func (c *Chain) tip() *blockNode { return c.best[len(c.best)-1] }

// ancestor returns n's ancestor at height h (n itself if h == n.height).
func (c *Chain) ancestor(n *blockNode, h uint64) *blockNode {
	for n != nil && n.height > h {
		if n.height < uint64(len(c.best)) && c.best[n.height] == n {
			return c.best[h]
		}
		n = n.parent
	}
	return n
}

// Result says what ProcessBlock did with a block.
type Result int

// Results.
const (
	Connected Result = iota // now part of the best chain
	SideChain               // valid so far, stored, not on the best chain
	Orphan                  // parent unknown; held
)

// ProcessBlock validates b and adds it to the chain. A rule violation returns
// a *consensus.RuleError; an unknown parent returns ErrOrphan.
func (c *Chain) ProcessBlock(b *wire.Block) (Result, error) { return c.ProcessBlockFrom(b, "") }

// ProcessBlockFrom is ProcessBlock for a block that source (a peer ID; ""
// for this node) sent: if it is held for a block not yet seen, and the
// held blocks fill their byte budget, the newest of the source holding the
// most bytes is dropped first.
func (c *Chain) ProcessBlockFrom(b *wire.Block, source string) (Result, error) {
	if c.forest != nil {
		return c.forest.ProcessBlockFrom(b, source)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	res, err := c.processLocked(b, source)
	if err != nil {
		return res, err
	}
	// Parents may have arrived for held orphans.
	if res != Orphan {
		c.processOrphans(b.ID())
	}
	return res, nil
}

func (c *Chain) processLocked(b *wire.Block, source string) (Result, error) {
	id := b.ID()
	if n, ok := c.index[id]; ok {
		if n.invalid {
			return SideChain, consensus.Rule(consensus.ErrInvalidAncestor, "block %s was already found invalid", id.Short())
		}
		return SideChain, ErrKnown
	}
	if c.held.has(id) {
		return Orphan, ErrKnown
	}
	ids, raw, err := checkSanity(c.p, c.id, b, c.cfg.Now())
	// bodyErr: a branch block whose header and coinbase pass
	// (checkClaimed) but whose body breaks a stateless rule is stored,
	// marked invalid: a node keeping the branch as headers only syncs
	// header, coinbase and its Merkle branch, and stores it, and a root
	// checkpoint naming it must be judged alike by both.
	var bodyErr error
	if err != nil {
		cl := ClaimedOf(b)
		if c.id.IsRoot() || consensus.CodeOf(err) == 0 || checkClaimed(c.p, c.id, &cl, c.cfg.Now()) != nil {
			return SideChain, err
		}
		bodyErr = err
		raw = b.Encode() // its size, should it be held
	}
	// The encoding round trip (checkRoundTrip) runs below, once the
	// signature check of a block about to be connected is under way.
	roundTripped := bodyErr != nil // its body is not stored
	roundTrip := func() error {
		if roundTripped {
			return nil
		}
		roundTripped = true
		if err := checkRoundTrip(raw); err != nil {
			if cl := ClaimedOf(b); !c.id.IsRoot() && checkClaimed(c.p, c.id, &cl, c.cfg.Now()) == nil {
				bodyErr = err // stored invalid, as above
				return nil
			}
			return err
		}
		return nil
	}
	parent := c.index[b.Header.Prev]
	if parent == nil {
		if err := roundTrip(); err != nil {
			return SideChain, err
		}
		if _, bad := c.rejected[b.Header.Prev]; bad {
			return SideChain, c.reject(id, consensus.Rule(consensus.ErrInvalidAncestor, "block %s builds on a rejected block", id.Short()))
		}
		if !c.couldFollow(&b.Header) {
			return SideChain, errNotHeld
		}
		c.held.add(b, len(raw), b.Header.Prev, source, true)
		return Orphan, ErrOrphan
	}
	// A branch block on an invalid block is still stored (marked invalid)
	// if its header passes: a node keeping the branch as headers only
	// stores it, and a root checkpoint naming it must be judged the same
	// way by both.
	if parent.invalid && c.id.IsRoot() {
		return SideChain, c.reject(id, consensus.Rule(consensus.ErrInvalidAncestor, "block %s builds on an invalid block", id.Short()))
	}
	// Held blocks below have passed the header rules that need only their
	// parent (height, bits): what waits carries real work.
	if err := c.checkContext(&b.Header, parent); err != nil {
		var dep *missingDep
		if errors.As(err, &dep) {
			if err := roundTrip(); err != nil {
				return SideChain, err
			}
			c.forest.hold(dep.id, b, len(raw), source)
			return Orphan, ErrOrphan
		}
		if consensus.CodeOf(err) == 0 {
			return SideChain, err
		}
		return SideChain, c.reject(id, err)
	}
	if c.id.IsRoot() {
		dep, missing, err := c.checkpointDeps(b)
		if err != nil {
			return SideChain, err
		}
		if missing {
			if err := roundTrip(); err != nil {
				return SideChain, err
			}
			c.forest.hold(dep, b, len(raw), source)
			return Orphan, ErrOrphan
		}
	}
	n := &blockNode{id: id, header: b.Header, parent: parent, height: b.Header.Height,
		work: new(big.Int).Add(parent.work, consensus.Work(b.Header.Bits)), invalid: parent.invalid || bodyErr != nil}
	if n.work.Cmp(c.tip().work) > 0 && !c.cfg.HeadersOnly && !n.invalid {
		// It will be connected now: check its signatures while it is stored.
		job := startSigJob(c.p.Net, b.Txs, ids, c.sigs)
		c.early[id] = &earlyBlock{block: b, ids: ids, sigs: job}
		defer func() {
			delete(c.early, id)
			job.wait() // b belongs to the caller again once we return
		}()
	}
	if err := roundTrip(); err != nil {
		return SideChain, err
	}
	if bodyErr != nil {
		n.invalid = true
	}
	err = c.db.Update(func(tx *bbolt.Tx) error {
		if !c.cfg.HeadersOnly && bodyErr == nil {
			if err := tx.Bucket(store.Blocks).Put(id[:], raw); err != nil {
				return err
			}
		}
		if !c.id.IsRoot() {
			bk, err := tx.CreateBucketIfNotExists(claimsBucket)
			if err != nil {
				return err
			}
			cb := b.Txs[0].Body.(wire.Coinbase)
			if err := bk.Put(id[:], encodeClaim(cb.Amount, cb.To)); err != nil {
				return err
			}
		}
		status := byte(statusOK)
		if n.invalid {
			status = statusInvalid
		}
		return tx.Bucket(store.Index).Put(id[:], indexValue(&b.Header, status))
	})
	if err != nil {
		return SideChain, fmt.Errorf("store block: %w", err)
	}
	c.index[id] = n
	if bodyErr != nil {
		return SideChain, c.reject(id, bodyErr)
	}
	if n.invalid {
		return SideChain, consensus.Rule(consensus.ErrInvalidAncestor, "block %s builds on an invalid block", id.Short())
	}
	if err := c.reorgToBest(); err != nil {
		return SideChain, err
	}
	if c.tip() == n || (n.height < uint64(len(c.best)) && c.best[n.height] == n) {
		return Connected, nil
	}
	if n.invalid {
		return SideChain, c.invalidReason(n)
	}
	return SideChain, nil
}

// forkReach is how far below the latest possible fork point couldFollow
// looks for the easiest target a fork could have started from.
const forkReach = 32

// couldFollow reports whether a block whose parent is unknown has bits some
// fork of this chain could have at its height: within the per-block step
// bound (consensus.BitsReachable) of the easiest target on the best chain
// in the forkReach blocks below where its fork could start at the latest.
// A block easier than that would wait in memory on work nobody did.
func (c *Chain) couldFollow(h *wire.Header) bool {
	if h.Height == 0 {
		return false
	}
	top := h.Height - 1
	if tip := c.tip().height; top > tip {
		top = tip
	}
	from := uint64(0)
	if top > forkReach {
		from = top - forkReach
	}
	easiest := c.best[from]
	for i := from + 1; i <= top; i++ {
		if consensus.CompactToBig(c.best[i].header.Bits).Cmp(consensus.CompactToBig(easiest.header.Bits)) > 0 {
			easiest = c.best[i]
		}
	}
	return c.p.BitsReachable(easiest.header.Bits, h.Bits, h.Height-easiest.height)
}

// maxRejected bounds the memory of rejected blocks.
const maxRejected = 4096

// reject remembers that the block id broke a rule for good and returns err.
func (c *Chain) reject(id wire.Hash, err error) error {
	if len(c.rejected) >= maxRejected {
		for k := range c.rejected { // any one: this is only a cache
			delete(c.rejected, k)
			break
		}
	}
	c.rejected[id] = err
	return err
}

// invalidReasons remembers why blocks failed to connect, for the caller that
// submitted them.
func (c *Chain) invalidReason(n *blockNode) error {
	if err, ok := c.rejected[n.id]; ok {
		return err
	}
	return consensus.Rule(consensus.ErrInvalidAncestor, "block %s is invalid", n.id.Short())
}

func (c *Chain) processOrphans(parent wire.Hash) {
	queue := []wire.Hash{parent}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, h := range c.held.take(p, true) {
			id := h.id
			if _, err := c.processLocked(h.b, h.source); err != nil && !errors.Is(err, ErrKnown) {
				c.log.Info("orphan rejected", "block", id.Short(), "err", err)
			}
			if _, stored := c.index[id]; stored { // stored invalid too: its children follow
				queue = append(queue, id)
			}
		}
	}
}

// bestCandidate returns the valid block with the most work (ties go to the
// current tip, then to the first seen — here, the lowest ID for determinism).
func (c *Chain) bestCandidate() *blockNode {
	cp := c.finalCheckpoint()
	tip := c.tip()
	if !c.eligible(tip, cp) {
		tip = c.best[0] // the tree above moved: start over from genesis
	}
	best := tip
	for _, n := range c.index {
		if !c.eligible(n, cp) {
			continue
		}
		// Map order is random: break ties by ID so every run picks the same.
		cmp := n.work.Cmp(best.work)
		if cmp > 0 || (cmp == 0 && best != tip && bytes.Compare(n.id[:], best.id[:]) < 0) {
			best = n
		}
	}
	return best
}

// reorgToBest moves the tip to the most-work valid block, one block per bbolt
// transaction. If a block on the new branch fails, it and its descendants are
// marked invalid and the search repeats (so the old branch comes back when
// it is again the best).
func (c *Chain) reorgToBest() error {
	for {
		target := c.bestCandidate()
		if target == c.tip() {
			return nil
		}
		fork := target
		for !(fork.height < uint64(len(c.best)) && c.best[fork.height] == fork) {
			fork = fork.parent
		}
		old := append([]*blockNode(nil), c.best[fork.height+1:]...)
		for c.tip() != fork {
			if err := c.disconnectTip(); err != nil {
				return err
			}
		}
		var path []*blockNode
		for n := target; n != fork; n = n.parent {
			path = append(path, n)
		}
		if c.cfg.HeadersOnly {
			// Headers break no rule when connected: one commit for all.
			for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
				path[i], path[j] = path[j], path[i]
			}
			return c.connectHeaders(path)
		}
		failed := false
		for i := len(path) - 1; i >= 0; i-- {
			if err := c.connect(path[i]); err != nil {
				if errors.Is(err, state.ErrScriptUnavailable) {
					// No verdict is not a verdict: the block stays a
					// candidate, tried again at the next reorganization,
					// and the node goes back to its old tip rather than
					// stop below it.
					c.log.Warn("block could not be validated yet", "block", path[i].id.Short(), "height", path[i].height, "err", err)
					c.restoreTip(fork, old)
					return err
				}
				if consensus.CodeOf(err) == 0 {
					return err // storage failure: stop, state is consistent at the tip
				}
				c.log.Warn("block failed to connect", "block", path[i].id.Short(), "height", path[i].height, "err", err)
				c.reject(path[i].id, err)
				if err := c.markInvalid(path[i]); err != nil {
					return err
				}
				failed = true
				break
			}
		}
		if !failed {
			return nil
		}
	}
}

// restoreTip goes back to fork and reconnects old, the blocks that were
// the best line above it, when a reorganization cannot finish and the line
// it reached has less work. A failure leaves the node where it stopped.
func (c *Chain) restoreTip(fork *blockNode, old []*blockNode) {
	if len(old) == 0 || c.tip().work.Cmp(old[len(old)-1].work) >= 0 {
		return
	}
	for c.tip() != fork {
		if err := c.disconnectTip(); err != nil {
			return
		}
	}
	for _, n := range old {
		if err := c.connect(n); err != nil {
			c.log.Warn("could not restore the previous tip", "block", n.id.Short(), "err", err)
			return
		}
	}
}

func (c *Chain) markInvalid(bad *blockNode) error {
	var marked []*blockNode
	for _, n := range c.index {
		for a := n; a != nil && a.height >= bad.height; a = a.parent {
			if a == bad {
				n.invalid = true
				marked = append(marked, n)
				break
			}
		}
	}
	return c.db.Update(func(tx *bbolt.Tx) error {
		for _, n := range marked {
			if err := tx.Bucket(store.Index).Put(n.id[:], indexValue(&n.header, statusInvalid)); err != nil {
				return err
			}
		}
		return nil
	})
}
