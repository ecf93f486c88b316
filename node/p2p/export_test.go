package p2p

import (
	"context"
	"io"
	"math/big"
	"sync/atomic"
	"time"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
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

// ServeSyncLies makes h, a bare libp2p host, answer the status protocol
// claiming a root tip (height, tip, work) on net, and the sync protocol's
// header requests with headers(locator); it has none of the blocks asked
// for. A test double for a peer that lies about its work.
func ServeSyncLies(h host.Host, net wire.Network, genesis wire.Hash, height uint64, tip wire.Hash, work *big.Int,
	headers func(locator []wire.Hash) []wire.Header) {
	st := &Status{Version: statusVersion, NetID: net.ID, Genesis: genesis, Height: height, Tip: tip, Work: work}
	h.SetStreamHandler(ProtoStatus(net), func(s network.Stream) {
		defer s.Close()
		if _, err := readFrame(s, MaxStatusFrame); err != nil {
			s.Reset()
			return
		}
		writeFrame(s, st.encode())
	})
	h.SetStreamHandler(ProtoSync(net), func(s network.Stream) {
		defer s.Close()
		raw, err := readFrame(s, MaxRequestFrame)
		if err != nil {
			s.Reset()
			return
		}
		q, err := decodeRequest(raw)
		if err != nil {
			s.Reset()
			return
		}
		switch q.Type {
		case msgGetHeaders:
			writeFrame(s, encodeHeaders(headers(q.Locator)))
		case msgGetBlocks:
			w := wire.NewWriter(8)
			w.U8(replyOK)
			w.Uvarint(uint64(len(q.IDs)))
			writeFrame(s, w.Bytes())
			for range q.IDs {
				writeFrame(s, []byte{0})
			}
		}
	})
}

// ServeBlockLies makes h, a bare libp2p host, pass for honest: it answers
// the status protocol with src's status (so it claims to store what src
// stores) and the sync protocol's block requests with src's blocks turned
// into lies by lie (nil: it does not have the block). Header requests get
// no headers. A test double for a peer that serves bodies not matching
// their headers.
func ServeBlockLies(h host.Host, src *Host, lie func(b *wire.Block) *wire.Block) {
	h.SetStreamHandler(ProtoStatus(src.net), func(s network.Stream) {
		defer s.Close()
		if _, err := readFrame(s, MaxStatusFrame); err != nil {
			s.Reset()
			return
		}
		writeFrame(s, src.ourStatus().encode())
	})
	h.SetStreamHandler(ProtoSync(src.net), func(s network.Stream) {
		defer s.Close()
		raw, err := readFrame(s, MaxRequestFrame)
		if err != nil {
			s.Reset()
			return
		}
		q, err := decodeRequest(raw)
		if err != nil {
			s.Reset()
			return
		}
		switch q.Type {
		case msgGetHeaders:
			writeFrame(s, encodeHeaders(nil))
		case msgGetBlocks:
			w := wire.NewWriter(8)
			w.U8(replyOK)
			w.Uvarint(uint64(len(q.IDs)))
			writeFrame(s, w.Bytes())
			for _, id := range q.IDs {
				var b *wire.Block
				if c := src.node.Forest().Chain(q.Chain); c != nil {
					if honest, err := c.BlockByID(id); err == nil {
						b = lie(honest)
					}
				}
				if b == nil {
					writeFrame(s, []byte{0})
					continue
				}
				writeFrame(s, append([]byte{1}, b.Encode()...))
			}
		}
	})
}

// SetStatusTimeout shortens one status exchange's deadline for a test;
// the returned func restores it.
func SetStatusTimeout(d time.Duration) (restore func()) {
	old := statusNanos.Swap(int64(d))
	return func() { statusNanos.Store(old) }
}

// StallStatus makes x leave its first n status handshakes unanswered
// (held open until the asker gives up), as a loaded node does, and answer
// the later ones as usual.
func StallStatus(x *Host, n int) {
	var seen atomic.Int32
	x.h.SetStreamHandler(ProtoStatus(x.net), func(s network.Stream) {
		if int(seen.Add(1)) <= n {
			s.SetDeadline(time.Now().Add(time.Minute))
			io.Copy(io.Discard, s) // until the asker resets it
			s.Reset()
			return
		}
		x.services.handleStatus(s)
	})
}
