package p2p

import (
	"context"

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
