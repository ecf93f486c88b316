package p2p

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Fetches of missing dependencies.
const (
	maxDepFetches = 16 // blocks fetched by id at once
	maxDepDepth   = 8  // a fetched block that is itself held starts at most this many more rounds
)

// dep is a block this node lacks, with the chain it is on: a branch
// block's id does not say its chain, so the request has to.
type dep struct {
	chain wire.ChainID
	id    wire.Hash
}

// missingDeps lists the blocks b names that this node does not know: its
// parent (same chain), a branch block's anchor (parent chain), and the
// branch blocks a root checkpoint names (the entry's chain). Chains
// outside the forest are left to the block's own rules.
func missingDeps(f *chain.Forest, b *wire.Block) []dep {
	var out []dep
	c := f.Chain(b.Header.Chain)
	if c == nil {
		return nil
	}
	if !c.HasBlock(b.Header.Prev) {
		out = append(out, dep{b.Header.Chain, b.Header.Prev})
	}
	if !b.Header.Chain.IsRoot() {
		pid := b.Header.Chain.Parent()
		if pc := f.Chain(pid); pc != nil && !pc.HasBlock(b.Header.Anchor) {
			out = append(out, dep{pid, b.Header.Anchor})
		}
	}
	if b.Header.Chain.IsRoot() && len(b.Txs) > 1 && b.Txs[1].Type == wire.TxCheckpoint {
		if cp, ok := b.Txs[1].Body.(wire.Checkpoint); ok {
			for _, e := range cp.Entries {
				if cc := f.Chain(e.Chain); cc != nil && !e.Chain.IsRoot() && !cc.HasBlock(e.Block) {
					out = append(out, dep{e.Chain, e.Block})
				}
			}
		}
	}
	return out
}

// depFetcher asks the peer that sent a held block for the blocks it waits
// for, by id, at most maxDepFetches at a time (more are left to sync).
type depFetcher struct {
	x        *Host
	mu       sync.Mutex
	inFlight map[wire.Hash]bool
	fetched  uint64 // blocks fetched and submitted (Stats)
}

func newDepFetcher(x *Host) *depFetcher {
	return &depFetcher{x: x, inFlight: map[wire.Hash]bool{}}
}

// fetchFor starts fetches of what the held block b waits for, from p.
func (d *depFetcher) fetchFor(b *wire.Block, p peer.ID) { d.fetch(b, p, 0) }

func (d *depFetcher) fetch(b *wire.Block, p peer.ID, depth int) {
	if depth >= maxDepDepth || d.x.ctx == nil || d.x.ctx.Err() != nil {
		d.x.syncer.poke()
		return
	}
	for _, m := range missingDeps(d.x.node.Forest(), b) {
		d.mu.Lock()
		if d.inFlight[m.id] || len(d.inFlight) >= maxDepFetches {
			full := !d.inFlight[m.id]
			d.mu.Unlock()
			if full {
				d.x.syncer.poke() // too many at once: sync brings the rest
			}
			continue
		}
		d.inFlight[m.id] = true
		d.mu.Unlock()
		d.x.log.Debug("fetch a missing block", "chain", m.chain.String(), "block", m.id.Short(), "for", b.ID().Short(), "peer", p)
		d.x.spawn(func() {
			defer func() {
				d.mu.Lock()
				delete(d.inFlight, m.id)
				d.mu.Unlock()
			}()
			if err := d.get(m, p, depth); err != nil {
				d.x.log.Debug("fetch a missing block", "chain", m.chain, "block", m.id.Short(), "peer", p, "err", err)
				d.x.syncer.poke()
			}
		})
	}
}

// get fetches one missing block from p and submits it; if it is held in
// turn, what it waits for is fetched next.
func (d *depFetcher) get(m dep, p peer.ID, depth int) error {
	x := d.x
	ctx, cancel := context.WithTimeout(x.ctx, fetchTimeout)
	defer cancel()
	blocks, err := x.GetChainBlocks(ctx, p, m.chain, []wire.Hash{m.id})
	if err != nil {
		if errors.Is(err, ErrProtocol) {
			x.guard.ban(p, 0, "fetch of a missing block: "+err.Error())
		}
		return err
	}
	b := blocks[0]
	if b == nil {
		return fmt.Errorf("peer does not have block %s of chain %s", m.id.Short(), m.chain)
	}
	c := x.node.Forest().Chain(m.chain)
	if c == nil {
		return fmt.Errorf("chain %s is not in this node's tree", m.chain)
	}
	if c.HasBlock(m.id) {
		return nil // arrived meanwhile
	}
	if i, err := chain.VerifyTxs(x.net, b.Txs, b.TxIDs(), c.SigCache()); err != nil {
		x.rejectFrom(p, faultBan, fmt.Sprintf("served block %s with a bad signature in transaction %d: %v", m.id.Short(), i, err))
		return err
	}
	d.mu.Lock()
	d.fetched++ // counted before it is submitted: it may release what waited for it
	d.mu.Unlock()
	_, err = x.gossip.submitBlock(b, p)
	switch {
	case err == nil, errors.Is(err, chain.ErrKnown):
		return nil
	case errors.Is(err, chain.ErrOrphan):
		d.fetch(b, p, depth+1)
		return nil
	case consensus.CodeOf(err) != 0:
		if f := blockFault(err); f != faultNone {
			x.rejectFrom(p, f, "served an invalid block: "+err.Error())
		}
	}
	return err
}

// fetchedCount returns how many missing blocks were fetched (and then
// submitted).
func (d *depFetcher) fetchedCount() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.fetched
}
