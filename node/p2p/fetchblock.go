package p2p

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
)

// FetchBlock fetches block id of chain c, one this node keeps the header
// of only, from a connected peer: first those whose status says they store
// c in full, then the others, at most maxProvidersAsked. The block must
// hash to id (GetChainBlocks checks it: the header is the one this node
// verified), its transactions must hash to the header's transaction root
// and their signatures must verify; a peer that sends anything else is
// banned. It returns the block and the peer that sent it, or
// ErrNoProvider with what each peer said.
func (x *Host) FetchBlock(ctx context.Context, c wire.ChainID, id wire.Hash) (*wire.Block, peer.ID, error) {
	asked := map[peer.ID]bool{x.h.ID(): true}
	var fails []string
	for _, stage := range [][]peer.ID{x.peersStoring(c), x.h.Network().Peers()} {
		for _, p := range stage {
			if asked[p] || x.Banned(p) || len(asked) > maxProvidersAsked {
				continue
			}
			asked[p] = true
			b, err := x.fetchBlockFrom(ctx, p, c, id)
			if err == nil {
				return b, p, nil
			}
			fails = append(fails, fmt.Sprintf("%s: %v", p.ShortString(), err))
			if ctx.Err() != nil {
				return nil, "", fmt.Errorf("%w: %w", ErrNoProvider, ctx.Err())
			}
		}
	}
	if len(fails) == 0 {
		return nil, "", fmt.Errorf("%w: no peer is connected", ErrNoProvider)
	}
	return nil, "", fmt.Errorf("%w: asked %d: %s", ErrNoProvider, len(fails), strings.Join(fails, "; "))
}

func (x *Host) fetchBlockFrom(ctx context.Context, p peer.ID, c wire.ChainID, id wire.Hash) (*wire.Block, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	blocks, err := x.GetChainBlocks(ctx, p, c, []wire.Hash{id})
	if err != nil {
		if errors.Is(err, ErrProtocol) {
			x.guard.ban(p, 0, "fetch of a block: "+err.Error())
		}
		return nil, err
	}
	b := blocks[0]
	if b == nil {
		return nil, errors.New("does not have it")
	}
	if b.Header.Chain != c {
		x.rejectFrom(p, faultBan, fmt.Sprintf("served block %s as chain %s's, it is chain %s's", id.Short(), c, b.Header.Chain))
		return nil, fmt.Errorf("%w: sent a block of chain %s", ErrForgedProof, b.Header.Chain)
	}
	ids := b.TxIDs()
	if root := wire.MerkleRoot(ids); root != b.Header.TxRoot {
		x.rejectFrom(p, faultBan, fmt.Sprintf("served block %s with transactions that do not match its header", id.Short()))
		return nil, fmt.Errorf("%w: transactions do not match the header's root", ErrForgedProof)
	}
	var sigs *chain.SigCache
	if cc := x.node.Forest().Chain(c); cc != nil {
		sigs = cc.SigCache()
	}
	if i, err := chain.VerifyTxs(x.net, b.Txs, ids, sigs); err != nil {
		x.rejectFrom(p, faultBan, fmt.Sprintf("served block %s with a bad signature in transaction %d: %v", id.Short(), i, err))
		return nil, fmt.Errorf("%w: a bad signature in transaction %d", ErrForgedProof, i)
	}
	return b, nil
}

// RemoteBlocks adapts FetchBlock for node.SetRemoteBlocks, so that the
// node's FetchBlock opens blocks of chains it keeps headers only for.
func (x *Host) RemoteBlocks() node.RemoteBlocks {
	return func(ctx context.Context, c wire.ChainID, id wire.Hash) (*wire.Block, string, error) {
		b, p, err := x.FetchBlock(ctx, c, id)
		if err != nil {
			return nil, "", err
		}
		return b, p.String(), nil
	}
}
