package p2p

import (
	"context"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

// RemoteReader adapts GetVerified for node.SetRemoteReader, so that the
// node's get answers keys of chains it keeps headers only for.
func (x *Host) RemoteReader() node.RemoteReader {
	return func(ctx context.Context, c wire.ChainID, key string) (*node.RemoteRead, error) {
		vr, err := x.GetVerified(ctx, c, key)
		if err != nil {
			return nil, err
		}
		return &node.RemoteRead{Peer: vr.Peer.String(), Header: vr.Header, Record: vr.Record}, nil
	}
}

// ChainPeers counts, for each chain, the connected peers whose last status
// says they store it in full (node.SetChainPeers).
func (x *Host) ChainPeers() map[wire.ChainID]int {
	out := map[wire.ChainID]int{}
	x.book.each(func(p peer.ID, ps *peerState) {
		if ps.status == nil || x.h.Network().Connectedness(p) != network.Connected {
			return
		}
		out[wire.RootChain]++
		for _, ct := range ps.status.Chains {
			out[ct.Chain]++
		}
	})
	return out
}
