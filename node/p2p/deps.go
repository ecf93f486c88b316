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
	if c := x.node.Forest().Chain(m.chain); c != nil && c.HeadersOnly() {
		return d.getClaimed(c, m.id, p)
	}
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

// getClaimed fetches block id of c, a chain this node keeps as headers
// only, from p as a claim (header, coinbase, Merkle branch): p's headers
// of c past this node's locator up to id, then the claims of those this
// node lacks, stored in order. A block further than one reply of headers
// or claims is left to sync.
func (d *depFetcher) getClaimed(c *chain.Chain, id wire.Hash, p peer.ID) error {
	x := d.x
	if c.HasBlock(id) {
		return nil
	}
	ctx, cancel := context.WithTimeout(x.ctx, fetchTimeout)
	defer cancel()
	hs, err := x.GetChainHeaders(ctx, p, c.ID(), c.Locator(), MaxHeadersPerReply)
	if err != nil {
		if errors.Is(err, ErrProtocol) {
			x.guard.ban(p, 0, "fetch of a missing block: "+err.Error())
		}
		return err
	}
	end := -1
	for i := range hs {
		if hs[i].ID() == id {
			end = i
			break
		}
	}
	if end < 0 {
		return fmt.Errorf("block %s of chain %s is not within the next %d headers of the peer's best chain", id.Short(), c.ID(), len(hs))
	}
	var todo []wire.Header
	for _, h := range hs[:end+1] {
		if !c.HasBlock(h.ID()) {
			todo = append(todo, h)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	if len(todo) > MaxClaimsPerReq {
		return fmt.Errorf("block %s of chain %s is %d blocks ahead: left to sync", id.Short(), c.ID(), len(todo))
	}
	got, err := x.GetChainClaims(ctx, p, c.ID(), todo)
	if err != nil {
		if errors.Is(err, ErrProtocol) {
			x.guard.ban(p, 0, "fetch of a missing block: "+err.Error())
		}
		return err
	}
	cls := make([]chain.Claimed, 0, len(got))
	for i, cl := range got {
		if cl == nil {
			return fmt.Errorf("peer does not serve block %s of chain %s", todo[i].ID().Short(), c.ID())
		}
		cls = append(cls, *cl)
	}
	d.mu.Lock()
	d.fetched += uint64(len(cls)) // counted before they are stored: they may release what waited for them
	d.mu.Unlock()
	n, err := x.node.Forest().ProcessClaimed(cls)
	x.counters.fetchedClaims.Add(uint64(n))
	if err != nil && consensus.CodeOf(err) != 0 {
		if f := blockFault(err); f != faultNone {
			x.rejectFrom(p, f, "served an invalid block: "+err.Error())
		}
	}
	return err
}

// fetchForClaim is fetchFor for a claim gossiped on a headers-only chain
// whose parent or anchor this node lacks. Claims are not held: a missing
// parent is fetched with the claim itself (getClaimed through its id); a
// missing anchor is fetched, and the claim is then offered again.
func (d *depFetcher) fetchForClaim(cl *chain.Claimed, p peer.ID) {
	x := d.x
	if x.ctx == nil || x.ctx.Err() != nil {
		return
	}
	f := x.node.Forest()
	c := f.Chain(cl.Header.Chain)
	if c == nil {
		return
	}
	id := cl.ID()
	d.mu.Lock()
	if d.inFlight[id] || len(d.inFlight) >= maxDepFetches {
		d.mu.Unlock()
		x.syncer.poke()
		return
	}
	d.inFlight[id] = true
	d.mu.Unlock()
	x.spawn(func() {
		defer func() {
			d.mu.Lock()
			delete(d.inFlight, id)
			d.mu.Unlock()
		}()
		var err error
		switch pid := cl.Header.Chain.Parent(); {
		case !c.HasBlock(cl.Header.Prev):
			err = d.getClaimed(c, id, p)
		case f.Chain(pid) != nil && !f.Chain(pid).HasBlock(cl.Header.Anchor):
			if err = d.get(dep{pid, cl.Header.Anchor}, p, 0); err == nil {
				var n int
				n, err = f.ProcessClaimed([]chain.Claimed{*cl})
				x.counters.gossipClaims.Add(uint64(n))
			}
		}
		if err != nil {
			x.log.Debug("fetch what a claim needs", "chain", c.ID(), "block", id.Short(), "peer", p, "err", err)
			x.syncer.poke()
		}
	})
}
