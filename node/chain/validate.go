package chain

import (
	"fmt"
	"sort"
	"time"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// CheckSanity applies every rule that needs no other block: size, version,
// chain, proof of work, transaction root and the coinbase's place. It
// returns the tx IDs, which the caller reuses.
func CheckSanity(p *consensus.Params, b *wire.Block, now time.Time) ([]wire.Hash, error) {
	ids, raw, err := checkSanity(p, b.Header.Chain, b, now)
	if err != nil {
		return nil, err
	}
	return ids, checkRoundTrip(raw)
}

// checkSanity is CheckSanity, but for the encoding round trip
// (checkRoundTrip), that also returns the block's encoding.
func checkSanity(p *consensus.Params, chain wire.ChainID, b *wire.Block, now time.Time) ([]wire.Hash, []byte, error) {
	h := &b.Header
	raw := b.Encode()
	if size := len(raw); size > p.MaxBlockSize {
		return nil, nil, consensus.Rule(consensus.ErrBlockTooBig, "block of %d bytes exceeds %d", size, p.MaxBlockSize)
	}
	if err := checkHeaderSanity(p, chain, h, now); err != nil {
		return nil, nil, err
	}
	if len(b.Txs) == 0 {
		return nil, nil, consensus.Rule(consensus.ErrNoTxs, "block has no transactions")
	}
	if b.Txs[0].Type != wire.TxCoinbase {
		return nil, nil, consensus.Rule(consensus.ErrFirstTxNotCoinbase, "first transaction is a %s, not a coinbase", b.Txs[0].Type)
	}
	ids := make([]wire.Hash, len(b.Txs))
	seen := make(map[wire.Hash]struct{}, len(b.Txs))
	for i, tx := range b.Txs {
		if i > 0 && tx.Type == wire.TxCoinbase {
			return nil, nil, consensus.Rule(consensus.ErrMultipleCoinbases, "transaction %d is a second coinbase", i)
		}
		if tx.Type == wire.TxCheckpoint {
			if i != 1 || !h.Chain.IsRoot() {
				return nil, nil, consensus.Rule(consensus.ErrBadCheckpoint, "a checkpoint may only be a root block's second transaction")
			}
			if !tx.From.IsZero() || tx.Sig != (wire.Signature{}) || tx.Fee != 0 || tx.Nonce != 0 || !tx.Chain.IsRoot() {
				return nil, nil, consensus.Rule(consensus.ErrBadCheckpoint, "a checkpoint has no sender, signature, fee or nonce")
			}
		}
		if err := checkTxShape(tx); err != nil {
			return nil, nil, consensus.Rule(consensus.CodeOf(err), "transaction %d: %v", i, err)
		}
		ids[i] = tx.ID()
		if _, dup := seen[ids[i]]; dup {
			return nil, nil, consensus.Rule(consensus.ErrDuplicateTx, "transaction %s appears twice", ids[i].Short())
		}
		seen[ids[i]] = struct{}{}
	}
	if root := wire.MerkleRoot(ids); root != h.TxRoot {
		return nil, nil, consensus.Rule(consensus.ErrBadTxRoot, "transaction root %s does not match the header's %s", root.Short(), h.TxRoot.Short())
	}
	return ids, raw, nil
}

// checkHeaderSanity applies the rules of CheckSanity that read the header
// alone: version, chain, anchor presence, merge proof, bits, proof of
// work and the clock.
func checkHeaderSanity(p *consensus.Params, chain wire.ChainID, h *wire.Header, now time.Time) error {
	if h.Version != consensus.BlockVersion {
		return consensus.Rule(consensus.ErrBadVersion, "block version %d, want %d", h.Version, consensus.BlockVersion)
	}
	// Compared as names: a chain ID with stray bits is malformed, caught below.
	if h.Chain.String() != chain.String() {
		return consensus.Rule(consensus.ErrWrongChain, "block is for chain %s, this is chain %s", h.Chain, chain)
	}
	if h.Chain.Depth > p.MaxDepth {
		return consensus.Rule(consensus.ErrWrongChain, "chain %s is deeper than the network's %d levels", h.Chain, p.MaxDepth)
	}
	if h.Chain.IsRoot() != h.Anchor.IsZero() {
		return consensus.Rule(consensus.ErrBadAnchor, "a branch block names an anchor and a root block none")
	}
	// A block mined alone has no merge proof; one mined along a path sits
	// at its depth's slot of the full merge tree (wire/merge.go), so one
	// attempt never yields two blocks of one chain.
	if n := len(h.Merge.Branch); n != 0 || h.Merge.Index != 0 {
		if n != p.MergeBranchLen() || h.Merge.Index != uint32(h.Chain.Depth) {
			return consensus.Rule(consensus.ErrBadMerge, "a merge proof must place a depth-%d block at slot %d with a branch of %d hashes, not slot %d with %d",
				h.Chain.Depth, h.Chain.Depth, p.MergeBranchLen(), h.Merge.Index, n)
		}
	}
	target := consensus.CompactToBig(h.Bits)
	if target.Sign() <= 0 || target.Cmp(p.PowLimit) > 0 {
		return consensus.Rule(consensus.ErrBadBits, "target %08x is out of range", h.Bits)
	}
	if !consensus.HashMeetsTarget(h.PowHash(), target) {
		return consensus.Rule(consensus.ErrHighHash, "proof of work %s is above the target", h.PowHash().Short())
	}
	if limit := now.Add(p.MaxFutureTime).UnixMilli(); h.Time > limit {
		return consensus.Rule(consensus.ErrTimeTooNew, "block time is %s ahead of this node's clock",
			time.Duration(h.Time-now.UnixMilli())*time.Millisecond)
	}
	return nil
}

// checkRoundTrip is the last sanity rule, apart so that the chain can start
// checking signatures before it: the chain stores the encoding and
// connects what it decodes from it, so a block built in memory that its
// own encoding cannot reproduce would stay "valid, not yet connected"
// forever and stall the chain.
func checkRoundTrip(raw []byte) error {
	if _, err := wire.DecodeBlock(raw); err != nil {
		return consensus.Rule(consensus.ErrMalformed, "block does not decode from its own encoding: %v", err)
	}
	return nil
}

// checkTxShape rejects what the decoder would refuse, with the rule's code:
// a body that does not match the type byte, and put keys and values over
// their size limits.
func checkTxShape(tx *wire.Tx) error {
	if tx.Body == nil || tx.Body.TxType() != tx.Type {
		return consensus.Rule(consensus.ErrUnknownTxType, "type %s does not match its body", tx.Type)
	}
	if put, ok := tx.Body.(wire.Put); ok {
		if len(put.Key) > wire.MaxKeySize {
			return consensus.Rule(consensus.ErrBadKey, "key of %d bytes (max %d)", len(put.Key), wire.MaxKeySize)
		}
		if len(put.Value) > wire.MaxValueSize {
			return consensus.Rule(consensus.ErrValueTooBig, "value of %d bytes (max %d)", len(put.Value), wire.MaxValueSize)
		}
	}
	return nil
}

// checkContext applies the rules that depend on the parent: height, the
// ASERT target, and time above the median of the last MTPWindow blocks.
func (c *Chain) checkContext(h *wire.Header, parent *blockNode) error {
	if h.Height != parent.height+1 {
		return consensus.Rule(consensus.ErrBadHeight, "height %d does not follow parent height %d", h.Height, parent.height)
	}
	// Bits before the anchor: a block held for a missing anchor has
	// already shown the work its parent requires.
	if want := c.nextBits(parent); h.Bits != want {
		return consensus.Rule(consensus.ErrBadBits, "target bits %08x, the difficulty rule requires %08x", h.Bits, want)
	}
	if !c.id.IsRoot() {
		if err := c.checkAnchor(h, parent); err != nil {
			return err
		}
	}
	if mtp := medianTimePast(parent); h.Time <= mtp {
		return consensus.Rule(consensus.ErrTimeTooOld, "block time %d is not after the median time past %d", h.Time, mtp)
	}
	if !c.id.IsRoot() {
		// Branches share the root's genesis time; without this, block 1
		// (the ASERT anchor) could be dated back to it and make every
		// later block look months late. The root's clock is the tree's.
		pc := c.parentChain()
		ra := pc.index[h.Anchor]
		if !pc.id.IsRoot() {
			ra = pc.rootAnchor(ra)
		}
		if ra == nil {
			return fmt.Errorf("anchor %s has no root anchor in this node's tree", h.Anchor.Short())
		}
		if mtp := medianTimePast(ra); h.Time <= mtp {
			return consensus.Rule(consensus.ErrTimeTooOld, "block time %d is not after the median time past %d of its root anchor %s",
				h.Time, mtp, ra.id.Short())
		}
	}
	return nil
}

// nextBits returns the required target bits for a child of parent.
func (c *Chain) nextBits(parent *blockNode) uint32 {
	if parent.height == 0 {
		return c.p.GenesisBitsAt(c.id.Depth)
	}
	anchor := c.ancestor(parent, 1)
	asert := c.p.NextBitsAt(c.id.Depth, consensus.Anchor{Height: 1, Time: anchor.header.Time, Bits: anchor.header.Bits},
		parent.height, parent.header.Time)
	return c.p.StepBits(parent.header.Bits, asert)
}

// medianTimePast is the median time of the last MTPWindow blocks ending at n.
func medianTimePast(n *blockNode) int64 {
	times := make([]int64, 0, consensus.MTPWindow)
	for i := 0; i < consensus.MTPWindow && n != nil; i++ {
		times = append(times, n.header.Time)
		n = n.parent
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return times[len(times)/2]
}
