package p2p

import (
	"context"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Hooks for the external tests (package p2p_test), which need the harness.

// SetReadBlame makes the host report bad proof answers to f instead of
// banning or penalising their senders (nil: back to the default).
func (x *Host) SetReadBlame(f func(p peer.ID, err error)) {
	x.reads.mu.Lock()
	x.reads.blame = f
	x.reads.mu.Unlock()
}

// ForgetLiars clears the list of peers caught lying.
func (x *Host) ForgetLiars() {
	x.reads.mu.Lock()
	x.reads.liars = nil
	x.reads.mu.Unlock()
}

// DHTProviders runs the DHT lookup GetVerified starts with.
func (x *Host) DHTProviders(ctx context.Context, c wire.ChainID) []peer.ID {
	return x.dhtProviders(ctx, c)
}
