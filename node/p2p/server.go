package p2p

import (
	"context"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"go.etcd.io/bbolt"
)

const (
	requestTimeout = 10 * time.Second // to read a request
	replyTimeout   = 60 * time.Second // to write a reply
)

// services answers peers' requests: status (/status/3), the sync
// protocol's headers, blocks and pushed transactions (/sync/2), and key
// proofs (/proof/1). libp2p runs each stream's handler on its own
// goroutine; the services keep no state of their own, and charge every
// request to its peer and subnet through the guard before doing its work.
type services struct{ x *Host }

// requestCost is what a request takes from the peer's rate bucket.
func requestCost(q *request) float64 {
	return 1 + float64(len(q.IDs))/4 + float64(len(q.Txs))/8
}

// read takes the one request frame of stream s: nothing from a banned
// peer (the stream is reset), and a read failure is the peer's
// (streamFailed). ok is false when the handler has nothing to serve.
func (sv *services) read(s network.Stream, timeout time.Duration, max int) (p peer.ID, raw []byte, ok bool) {
	p = s.Conn().RemotePeer()
	if sv.x.Banned(p) {
		s.Reset()
		return p, nil, false
	}
	s.SetReadDeadline(time.Now().Add(timeout))
	raw, err := readFrame(s, max)
	if err != nil {
		sv.x.streamFailed(p, s, err)
		return p, nil, false
	}
	return p, raw, true
}

// charge takes cost from p's and its subnet's request buckets. Only a
// peer's own overrun costs it points (why names it); a busy subnet just
// gets a "busy" answer. It reports whether the request may be served.
func (sv *services) charge(s network.Stream, p peer.ID, cost float64, why string) bool {
	r := sv.x.guard.takeRequest(p, s.Conn(), cost)
	if r == requestOverPeer {
		sv.x.guard.penalize(p, penaltyRate, why)
	}
	return r == requestOK
}

// handleSync serves one request of the sync protocol per stream.
func (sv *services) handleSync(s network.Stream) {
	x := sv.x
	defer s.Close()
	p, raw, ok := sv.read(s, requestTimeout, MaxRequestFrame)
	if !ok {
		return
	}
	q, err := decodeRequest(raw)
	if err != nil {
		x.streamFailed(p, s, err)
		return
	}
	s.SetWriteDeadline(time.Now().Add(replyTimeout))
	if !sv.charge(s, p, requestCost(q), "requests over the rate limit") {
		writeFrame(s, []byte{replyRateLimited})
		return
	}
	switch q.Type {
	case msgGetHeaders:
		c := x.node.Forest().Chain(q.Chain)
		if c == nil {
			writeFrame(s, []byte{replyBadRequest}) // deeper than this network's tree
			return
		}
		writeFrame(s, encodeHeaders(c.HeadersAfter(q.Locator, q.Max)))
	case msgGetBlocks:
		c := x.node.Forest().Chain(q.Chain)
		if c == nil {
			writeFrame(s, []byte{replyBadRequest})
			return
		}
		sv.serveBlocks(s, c, q.IDs)
	case msgGetClaims:
		c := x.node.Forest().Chain(q.Chain)
		if c == nil {
			writeFrame(s, []byte{replyBadRequest})
			return
		}
		sv.serveClaims(s, c, q.IDs)
	case msgPushTxs:
		sv.servePushTxs(s, p, q.Txs)
	}
}

// serveBlocks sends a head frame (code, count) and then one frame per
// requested id of chain c: 1 ‖ block, or 0 when the block is unknown, c is
// kept as headers only, or the reply's byte budget is spent (the client
// asks again).
func (sv *services) serveBlocks(s network.Stream, c *chain.Chain, ids []wire.Hash) {
	x := sv.x
	w := wire.NewWriter(8)
	w.U8(replyOK)
	w.Uvarint(uint64(len(ids)))
	if writeFrame(s, w.Bytes()) != nil {
		return
	}
	budget := replyBlocksBudget
	for _, id := range ids {
		var frame []byte
		if budget > 0 && !c.HeadersOnly() {
			c.DB().View(func(tx *bbolt.Tx) error {
				if raw := tx.Bucket(store.Blocks).Get(id[:]); raw != nil {
					frame = make([]byte, 1+len(raw))
					frame[0] = 1
					copy(frame[1:], raw)
				}
				return nil
			})
		}
		if frame == nil {
			frame = []byte{0}
		}
		budget -= len(frame)
		// A request costs a quarter unit per id; the bytes are what it
		// really costs (64 ids can ask for 16 MiB), charged as they go
		// (before the frame leaves, so the next request sees the charge).
		x.guard.chargeRequest(s.Conn().RemotePeer(), s.Conn(), float64(len(frame))/blockBytesPerUnit)
		if writeFrame(s, frame) != nil {
			return
		}
	}
}

// servePushTxs admits pushed transactions (announcing the new ones on
// gossip) and replies with how many were new.
func (sv *services) servePushTxs(s network.Stream, p peer.ID, raws [][]byte) {
	x := sv.x
	accepted := 0
	for _, raw := range raws {
		tx, err := wire.DecodeTx(raw)
		if err != nil {
			x.rejectFrom(p, faultBan, "malformed pushed transaction: "+err.Error())
			s.Reset()
			return
		}
		if _, ok := x.gossip.admitTx(p, tx, false, true); ok {
			accepted++
		}
		if x.Banned(p) {
			s.Reset()
			return
		}
	}
	w := wire.NewWriter(8)
	w.U8(replyOK)
	w.Uvarint(uint64(accepted))
	writeFrame(s, w.Bytes())
}

// handleStatus answers a status handshake: read the peer's status, reply
// with ours.
func (sv *services) handleStatus(s network.Stream) {
	x := sv.x
	defer s.Close()
	p := s.Conn().RemotePeer()
	s.SetDeadline(time.Now().Add(statusTimeout()))
	raw, err := readFrame(s, MaxStatusFrame)
	if err != nil {
		x.streamFailed(p, s, err)
		return
	}
	st, err := decodeStatus(raw)
	if err != nil {
		x.streamFailed(p, s, err)
		return
	}
	if err := x.recordStatus(p, st); err != nil {
		s.Reset()
		return
	}
	writeFrame(s, x.ourStatus().encode())
}

// handleProof serves one proof request. A malformed request resets the
// stream and bans its sender, as on every other stream protocol.
func (sv *services) handleProof(s network.Stream) {
	x := sv.x
	defer s.Close()
	p, raw, ok := sv.read(s, proofReadTimeout, MaxProofRequestFrame)
	if !ok {
		return
	}
	q, err := decodeProofRequest(raw)
	if err != nil {
		x.streamFailed(p, s, err)
		return
	}
	s.SetWriteDeadline(time.Now().Add(proofWriteTimeout))
	if !sv.charge(s, p, proofCost, "proof requests over the rate limit") {
		writeFrame(s, encodeProofReply(node.KeyProof{Status: node.ProofBusy}))
		return
	}
	ctx, cancel := context.WithTimeout(x.ctx, proofWriteTimeout)
	defer cancel()
	a, err := x.reads.source(x.node).ProveKey(ctx, q.Chain, q.Key, q.At)
	if err != nil {
		x.log.Warn("proof request failed", "peer", p, "chain", q.Chain, "key", q.Key, "err", err)
		s.Reset()
		return
	}
	writeFrame(s, encodeProofReply(a))
}
