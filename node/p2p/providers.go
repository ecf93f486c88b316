package p2p

import (
	"context"
	"time"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multihash"
)

const (
	provideInterval  = 30 * time.Minute // re-announce stored chains (records outlive it many times)
	provideTimeout   = 30 * time.Second
	findProvTimeout  = 5 * time.Second // a DHT lookup for a read; then connected peers are asked
	maxFoundProvider = 8
)

// ChainKey is the DHT provider key of a chain (docs/PROTOCOL.md §14):
// SHA-256("bitverse/chain/v1" ‖ network id u32 ‖ chain depth u8 ‖ chain bits u32).
func ChainKey(net wire.Network, c wire.ChainID) wire.Hash {
	w := wire.NewWriter(9)
	w.U32(net.ID)
	w.U8(c.Depth)
	w.U32(c.Bits)
	return wire.TaggedSum("bitverse/chain/v1", w.Bytes())
}

// ChainCID is ChainKey as the DHT takes it: a CIDv1 (raw codec) of the
// SHA-256 multihash whose digest is the key.
func ChainCID(net wire.Network, c wire.ChainID) cid.Cid {
	k := ChainKey(net, c)
	mh, _ := multihash.Encode(k[:], multihash.SHA2_256) // cannot fail: a 32-byte SHA-256 digest
	return cid.NewCidV1(cid.Raw, mh)
}

// provideChains announces every chain the node stores as a DHT provider
// record, once the host has a peer and then every provideInterval.
func (x *Host) provideChains() {
	defer x.wg.Done()
	wait := time.Second
	for {
		select {
		case <-x.ctx.Done():
			return
		case <-time.After(wait):
		}
		if len(x.h.Network().Peers()) == 0 {
			wait = 3 * time.Second
			continue
		}
		wait = provideInterval
		for _, c := range x.node.StoredChains() {
			ctx, cancel := context.WithTimeout(x.ctx, provideTimeout)
			err := x.dht.Provide(ctx, ChainCID(x.net, c), true)
			cancel()
			if err != nil {
				x.log.Debug("announce chain in the DHT", "chain", c, "err", err)
				wait = 10 * time.Second
			}
		}
	}
}

// dhtProviders looks up who announced chain c, for at most findProvTimeout.
// Without a DHT it finds nobody.
func (x *Host) dhtProviders(ctx context.Context, c wire.ChainID) []peer.ID {
	if x.dht == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, findProvTimeout)
	defer cancel()
	var out []peer.ID
	for ai := range x.dht.FindProvidersAsync(ctx, ChainCID(x.net, c), maxFoundProvider) {
		if ai.ID == x.h.ID() || !x.guard.gate.allow(ai.ID) {
			continue
		}
		if len(ai.Addrs) > 0 {
			x.h.Peerstore().AddAddrs(ai.ID, ai.Addrs, time.Hour)
		}
		out = append(out, ai.ID)
	}
	return out
}
