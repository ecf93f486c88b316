package p2p

import (
	"context"
	"slices"
	"time"

	"github.com/bitverse/bitverse/node/blob"
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
	maxProvidedKeys  = 4096 // blob and pool keys announced per round
	provideQueue     = 256  // ProvideNow keys waiting
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
	return KeyCID(k)
}

// provideChains announces every chain the node stores, and every key the
// listers added with Provide name, as DHT provider records, once the host
// has a peer and then every provideInterval; in between it announces the
// keys handed to ProvideNow. It owns the announcing: one record at a time.
func (x *Host) provideChains() {
	defer x.wg.Done()
	wait := time.Second
	for {
		select {
		case <-x.ctx.Done():
			return
		case k := <-x.provideNow:
			if len(x.h.Network().Peers()) > 0 {
				x.provideKey(k)
			}
			continue
		case <-time.After(wait):
		}
		if len(x.h.Network().Peers()) == 0 {
			wait = 3 * time.Second
			continue
		}
		wait = provideInterval
		for _, c := range x.node.StoredChains() {
			if !x.provideKey(ChainKey(x.net, c)) {
				wait = 10 * time.Second
			}
		}
		x.providedMu.Lock()
		listers := slices.Clone(x.provided)
		x.providedMu.Unlock()
		n := 0
		for _, list := range listers {
			for _, k := range list() {
				if n++; n > maxProvidedKeys || x.ctx.Err() != nil {
					break
				}
				if !x.provideKey(k) {
					wait = 10 * time.Second
				}
			}
		}
	}
}

// provideKey announces k; false if the DHT refused or timed out.
func (x *Host) provideKey(k wire.Hash) bool {
	ctx, cancel := context.WithTimeout(x.ctx, provideTimeout)
	defer cancel()
	if err := x.dht.Provide(ctx, KeyCID(k), true); err != nil {
		x.log.Debug("announce in the DHT", "key", k.Short(), "err", err)
		return false
	}
	return true
}

// Provide adds a lister of DHT keys this node announces as a provider
// every provideInterval (blobs it stores in full, pools it serves). At
// most maxProvidedKeys keys are announced per round, all listers together.
func (x *Host) Provide(list func() []wire.Hash) {
	x.providedMu.Lock()
	x.provided = append(x.provided, list)
	x.providedMu.Unlock()
}

// ProvideNow announces k soon (a blob just stored), without waiting for
// the next round. A full queue drops k: the next round announces it.
func (x *Host) ProvideNow(k wire.Hash) {
	if x.dht == nil {
		return
	}
	select {
	case x.provideNow <- k:
	default:
	}
}

// BlobKey is the DHT provider key of a blob (docs/PROTOCOL.md §24):
// SHA-256("bitverse/blob/v1" ‖ network id u32 ‖ the 52-byte manifest).
// The whole manifest, not the root alone (§13: a root does not fix the
// chunks).
func BlobKey(net wire.Network, m blob.Manifest) wire.Hash {
	w := wire.NewWriter(56)
	w.U32(net.ID)
	w.Fixed(m.Encode())
	return wire.TaggedSum("bitverse/blob/v1", w.Bytes())
}

// PoolKey is the DHT provider key the members of an availability pool
// announce: SHA-256("bitverse/pool/v1" ‖ network id u32 ‖ pool id).
func PoolKey(net wire.Network, pool wire.Hash) wire.Hash {
	w := wire.NewWriter(36)
	w.U32(net.ID)
	w.Hash(pool)
	return wire.TaggedSum("bitverse/pool/v1", w.Bytes())
}

// KeyCID is a provider key as the DHT takes it: a CIDv1 (raw codec) of
// the SHA-256 multihash whose digest is the key.
func KeyCID(k wire.Hash) cid.Cid {
	mh, _ := multihash.Encode(k[:], multihash.SHA2_256) // cannot fail: a 32-byte SHA-256 digest
	return cid.NewCidV1(cid.Raw, mh)
}

// FindProviders looks up who announced k, at most max of them, for at
// most findProvTimeout; banned peers and this host are left out. Without a
// DHT it finds nobody.
func (x *Host) FindProviders(ctx context.Context, k wire.Hash, max int) []peer.ID {
	if x.dht == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, findProvTimeout)
	defer cancel()
	var out []peer.ID
	for ai := range x.dht.FindProvidersAsync(ctx, KeyCID(k), max) {
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

// dhtProviders looks up who announced chain c, for at most findProvTimeout.
// Without a DHT it finds nobody.
func (x *Host) dhtProviders(ctx context.Context, c wire.ChainID) []peer.ID {
	return x.FindProviders(ctx, ChainKey(x.net, c), maxFoundProvider)
}
