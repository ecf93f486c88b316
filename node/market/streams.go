package market

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// ProtoOffer carries one offer from a worker to a requester's node.
func ProtoOffer(net wire.Network) protocol.ID {
	return protocol.ID("/bitverse/" + net.Name + "/market/offer/1")
}

// ProtoResult carries one result from a worker to a requester's node:
// the envelope, then the value; the requester answers one status byte
// (0 taken, 1 refused) and, when refused, a reason of at most 200 bytes.
func ProtoResult(net wire.Network) protocol.ID {
	return protocol.ID("/bitverse/" + net.Name + "/market/result/1")
}

const (
	streamTimeout = 30 * time.Second
	// resultRate bounds how fast a result is read: a stream gets
	// streamTimeout plus one second per MiB.
	resultPerMiB = time.Second
	maxReason    = 200
)

func (s *Service) sendOffer(to peer.ID, o *Offer) error {
	ctx, cancel := context.WithTimeout(s.ctx, streamTimeout)
	defer cancel()
	st, err := s.deps.Host.LibP2P().NewStream(ctx, to, ProtoOffer(s.deps.Net))
	if err != nil {
		return err
	}
	defer st.Close()
	st.SetDeadline(time.Now().Add(streamTimeout))
	if _, err := st.Write(o.Encode()); err != nil {
		st.Reset()
		return err
	}
	return st.CloseWrite()
}

// handleOffer reads one offer: bounded, rate limited, checked (network,
// expiry, signature) before the owner goroutine sees it.
func (s *Service) handleOffer(st network.Stream) {
	defer st.Close()
	from := st.Conn().RemotePeer()
	st.SetDeadline(time.Now().Add(streamTimeout))
	b, err := io.ReadAll(io.LimitReader(st, OfferSize+1))
	if err != nil {
		st.Reset()
		return
	}
	allowed := false
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	s.call(ctx, func() { allowed = s.allow(from, true) })
	if !allowed {
		return
	}
	o, err := DecodeOffer(b)
	if err != nil {
		s.log.Debug("bad offer", "from", from, "err", err)
		return
	}
	if err := o.Check(s.deps.Net, s.now().Unix()); err != nil {
		s.log.Debug("offer refused", "from", from, "err", err)
		return
	}
	s.call(ctx, func() { s.addOffer(from, *o) })
}

// deliver sends a result to the requester's node and returns nil once it
// took it.
func (s *Service) deliver(ctx context.Context, to peer.ID, e *Envelope, value []byte) error {
	if to == s.self || to == "" {
		return s.receive(ctx, e, value)
	}
	timeout := streamTimeout + time.Duration(len(value)>>20)*resultPerMiB
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	st, err := s.deps.Host.LibP2P().NewStream(ctx, to, ProtoResult(s.deps.Net))
	if err != nil {
		return err
	}
	defer st.Close()
	st.SetDeadline(time.Now().Add(timeout))
	if _, err := st.Write(e.Encode()); err != nil {
		st.Reset()
		return err
	}
	if _, err := st.Write(value); err != nil {
		st.Reset()
		return err
	}
	if err := st.CloseWrite(); err != nil {
		return err
	}
	reply, err := io.ReadAll(io.LimitReader(st, 1+maxReason))
	if err != nil {
		return err
	}
	if len(reply) == 0 {
		return errors.New("the requester's node closed the stream without an answer")
	}
	if reply[0] != 0 {
		return fmt.Errorf("the requester's node refused the result: %s", reply[1:])
	}
	return nil
}

// handleResult reads a delivery: the envelope first (fixed size), checked
// and bounded before a byte of the value is read, then the value.
func (s *Service) handleResult(st network.Stream) {
	defer st.Close()
	st.SetDeadline(time.Now().Add(streamTimeout))
	refuse := func(err error) {
		msg := err.Error()
		if len(msg) > maxReason {
			msg = msg[:maxReason]
		}
		st.Write(append([]byte{1}, msg...))
	}
	head := make([]byte, EnvelopeSize)
	if _, err := io.ReadFull(st, head); err != nil {
		st.Reset()
		return
	}
	e, err := DecodeEnvelope(head)
	if err != nil {
		refuse(err)
		return
	}
	if err := e.Check(s.deps.Net); err != nil {
		refuse(err)
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, streamTimeout)
	defer cancel()
	// Cheapest first: the envelope must be what a bounty of a request
	// this node quoted committed, before a byte of the value is read.
	if err := s.committed(ctx, e); err != nil {
		refuse(err)
		return
	}
	st.SetDeadline(time.Now().Add(streamTimeout + time.Duration(e.Size>>20)*resultPerMiB))
	// Read as it arrives (no allocation of the announced size up front).
	value, err := io.ReadAll(io.LimitReader(st, int64(e.Size)+1))
	if err != nil {
		st.Reset()
		return
	}
	if err := s.receive(ctx, e, value); err != nil {
		refuse(err)
		return
	}
	st.Write([]byte{0})
}

// receive checks a delivered result against the chain (the bounty's
// committed envelope hash, its request and worker) and keeps it.
func (s *Service) receive(ctx context.Context, e *Envelope, value []byte) error {
	if err := e.Check(s.deps.Net); err != nil {
		return err
	}
	if err := e.Matches(value); err != nil {
		return err
	}
	if r, err := loadResult(s.db, e.Bounty); err == nil && r.Envelope == e.Hash() {
		return nil // already have it
	}
	if err := s.committed(ctx, e); err != nil {
		return err
	}
	if err := storeResult(s.db, e, value); err != nil {
		return err
	}
	s.post(func() { s.emit(Event{Kind: EventResult, Bounty: e.Bounty, Request: e.Request}) })
	return nil
}

// committed checks that an envelope is what its bounty committed on
// chain, for a request this node quoted.
func (s *Service) committed(ctx context.Context, e *Envelope) error {
	if !isQuoted(s.db, e.Request) {
		return errors.New("this node did not ask for this request")
	}
	b, err := s.deps.Chain.Bounty(ctx, e.Bounty)
	if err != nil {
		return fmt.Errorf("bounty %s: %w", e.Bounty.Short(), err)
	}
	switch {
	case b.State != StateCommitted && b.State != StateSettled:
		return fmt.Errorf("bounty %s is %s here, not committed (yet)", b.ID.Short(), b.State)
	case b.Envelope != e.Hash():
		return fmt.Errorf("the envelope does not hash to what bounty %s committed", b.ID.Short())
	case b.Request != e.Request || b.Worker != e.Worker:
		return fmt.Errorf("the envelope names another request or worker than bounty %s", b.ID.Short())
	case b.Relayed():
		return fmt.Errorf("bounty %s pays %d relays: its result comes with their countersigns, not from the worker alone", b.ID.Short(), b.Hops)
	}
	return nil
}
