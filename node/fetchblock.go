package node

import (
	"context"
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// RemoteBlocks fetches block id of chain c from a peer that stores it and
// returns it with that peer's id; the caller checks it against its header.
type RemoteBlocks func(ctx context.Context, c wire.ChainID, id wire.Hash) (*wire.Block, string, error)

// SetRemoteBlocks lets the network layer fetch the blocks of chains this
// node keeps headers only for (p2p.Host.RemoteBlocks); nil: no network.
func (n *Node) SetRemoteBlocks(r RemoteBlocks) {
	n.hooksMu.Lock()
	n.blocks = r
	n.hooksMu.Unlock()
}

// FetchBlock implements API. A block of a fully stored chain is BlockOn's;
// one of a headers-only chain is fetched from a peer and accepted only if
// it is the block of the header this node verified: the same ID (the
// header hashes to it) and transactions whose Merkle root is the header's.
// Nothing fetched is stored.
func (n *Node) FetchBlock(ctx context.Context, chainName, ref string) (*BlockInfo, error) {
	hdr, err := n.BlockOn(ctx, chainName, ref)
	if err != nil || !hdr.HeadersOnly {
		return hdr, err
	}
	n.hooksMu.RLock()
	r := n.blocks
	n.hooksMu.RUnlock()
	if r == nil {
		return nil, fmt.Errorf("%w: block %s is on chain %s, which this node keeps as headers only, and it has no network to fetch the block from (run it with --follow %s)",
			ErrNotStored, hdr.ID.Short(), hdr.Chain, hdr.Chain)
	}
	cid, err := wire.ParseChainID(hdr.Chain)
	if err != nil {
		return nil, err
	}
	b, peer, err := r(ctx, cid, hdr.ID)
	if err != nil {
		return nil, fmt.Errorf("%w: no peer sent block %s of chain %s, which this node keeps as headers only (%w)", ErrNotFound, hdr.ID.Short(), hdr.Chain, err)
	}
	if b.ID() != hdr.ID || b.ComputeTxRoot() != b.Header.TxRoot {
		return nil, fmt.Errorf("peer %s sent a block that is not block %s of chain %s", peer, hdr.ID.Short(), hdr.Chain)
	}
	c := n.forest.Chain(cid)
	info := n.blockInfoOn(c, b, true)
	info.HeadersOnly, info.FromPeer = true, peer
	return &info, nil
}
