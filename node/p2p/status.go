package p2p

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

const wrongNetBan = time.Hour

// handshakeTimeout bounds the attempts a new connection's handshake makes.
const handshakeTimeout = time.Minute

// statusNanos bounds one status exchange (10 s; atomic so that a test may
// shorten it while other tests' hosts read it).
var statusNanos atomic.Int64

func init() { statusNanos.Store(int64(10 * time.Second)) }

func statusTimeout() time.Duration { return time.Duration(statusNanos.Load()) }

// ourStatus describes this node's tips: the root's, those of the branch
// chains it stores in full, and those of the chains it keeps as headers
// only (whose claims it serves).
func (x *Host) ourStatus() *Status {
	tip := x.node.Chain().Tip()
	st := &Status{Version: statusVersion, NetID: x.net.ID, Genesis: x.genesis, Height: tip.Height, Tip: tip.ID, Work: tip.Work}
	for _, c := range x.node.Forest().Chains() {
		if c.ID().IsRoot() {
			continue
		}
		list := &st.Chains
		if c.HeadersOnly() {
			list = &st.Claimed
		}
		if len(*list) >= MaxStatusChains {
			continue
		}
		t := c.Tip()
		*list = append(*list, ChainTip{Chain: c.ID(), Height: t.Height, Tip: t.ID, Work: t.Work})
	}
	return st
}

// ExchangeStatus sends our status to p and returns p's, with the round
// trip time (also recorded as p's latency). A peer with more work than this
// node starts a sync.
func (x *Host) ExchangeStatus(ctx context.Context, p peer.ID) (*Status, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, statusTimeout())
	defer cancel()
	start := time.Now()
	s, err := x.h.NewStream(ctx, p, ProtoStatus(x.net))
	if err != nil {
		return nil, 0, err
	}
	defer s.Close()
	defer context.AfterFunc(ctx, func() { s.Reset() })()
	if dl, ok := ctx.Deadline(); ok {
		s.SetDeadline(dl)
	}
	if err := writeFrame(s, x.ourStatus().encode()); err != nil {
		s.Reset()
		return nil, 0, err
	}
	s.CloseWrite()
	raw, err := readFrame(s, MaxStatusFrame)
	if err != nil {
		x.streamFailed(p, s, err)
		return nil, 0, err
	}
	rtt := time.Since(start)
	st, err := decodeStatus(raw)
	if err != nil {
		x.streamFailed(p, s, err)
		return nil, 0, err
	}
	if err := x.recordStatus(p, st); err != nil {
		return nil, 0, err
	}
	x.h.Peerstore().RecordLatency(p, rtt)
	return st, rtt, nil
}

// recordStatus checks that the peer is on our network and remembers its
// tips; more work than ours on any chain pokes the syncer.
func (x *Host) recordStatus(p peer.ID, st *Status) error {
	if st.NetID != x.net.ID || st.Genesis != x.genesis {
		x.guard.ban(p, wrongNetBan, "on another network")
		return fmt.Errorf("%w: network %08x, genesis %s", ErrWrongNetwork, st.NetID, st.Genesis.Short())
	}
	x.book.setStatus(p, st, time.Now())
	if x.aheadOnAny(st) {
		x.syncer.poke()
	}
	x.offerPools(p, st)
	return nil
}

// offerPools offers p this node's mempools after its first status since it
// connected (whichever side dialled), and again once a peer that was behind
// then shows it caught up: a peer behind refuses the transactions its
// chains cannot judge yet (a branch write whose keyspace or credit is in
// blocks it lacks), and gossip will not bring them again.
func (x *Host) offerPools(p peer.ID, st *Status) {
	if x.ctx == nil || !x.book.nextOffer(p, x.behindUs(st)) {
		return
	}
	x.spawn(func() {
		ctx, cancel := context.WithTimeout(x.ctx, fetchTimeout)
		defer cancel()
		x.pushPool(ctx, p)
	})
}

// behindUs reports whether st shows less work than this node has on the
// root or on a chain both store in full: such a peer cannot judge all of
// this node's pending transactions yet.
func (x *Host) behindUs(st *Status) bool {
	for _, c := range x.node.StoredChains() {
		t, ok := st.TipOf(c)
		if !ok {
			continue
		}
		if fc := x.node.Forest().Chain(c); fc != nil && t.Work.Cmp(fc.Tip().Work) < 0 {
			return true
		}
	}
	return false
}

// streamFailed handles a stream error: a protocol violation bans the peer,
// anything else (timeouts, resets) just ends the stream.
func (x *Host) streamFailed(p peer.ID, s network.Stream, err error) {
	s.Reset()
	if errors.Is(err, ErrProtocol) {
		x.guard.ban(p, 0, err.Error())
	}
}

// peerStatus returns the last status p reported.
func (x *Host) peerStatus(p peer.ID) *Status {
	return x.book.status(p)
}

// PeerStatus returns the status p last reported, or nil.
func (x *Host) PeerStatus(p peer.ID) *Status { return x.peerStatus(p) }

// aheadOnAny reports whether st shows more work than this node has on the
// root or on any chain of its forest.
func (x *Host) aheadOnAny(st *Status) bool {
	if st.Work.Cmp(x.node.Chain().Tip().Work) > 0 {
		return true
	}
	f := x.node.Forest()
	for _, t := range st.Chains {
		if c := f.Chain(t.Chain); c != nil && t.Work.Cmp(c.Tip().Work) > 0 {
			return true
		}
	}
	return false
}
