package market

import (
	"context"
	"time"

	"github.com/bitverse/bitverse/node/market/expr"
	"github.com/bitverse/bitverse/node/wire"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Per-peer rate limits: a token bucket each for requests (which make
// serving nodes compute), offers and result deliveries.
const (
	requestBurst = 20
	requestRate  = 1.0 // per second
	offerBurst   = 64
	offerRate    = 8.0
	maxLimiters  = 4096
)

// bucket is a token bucket; one per peer and kind, owned by run.
type bucket struct {
	reqTokens, offerTokens float64
	at                     time.Time
}

func (b *bucket) refill(now time.Time) {
	dt := now.Sub(b.at).Seconds()
	if dt > 0 {
		b.reqTokens = min(requestBurst, b.reqTokens+dt*requestRate)
		b.offerTokens = min(offerBurst, b.offerTokens+dt*offerRate)
		b.at = now
	}
}

func (b *bucket) full(now time.Time) bool {
	b.refill(now)
	return b.reqTokens >= requestBurst && b.offerTokens >= offerBurst
}

// allow takes a token of a peer's requests (offer false) or offers
// (offer true); on the owner goroutine.
func (s *Service) allow(p peer.ID, offer bool) bool {
	if p == s.self {
		return true
	}
	b := s.st.limits[p]
	if b == nil {
		if len(s.st.limits) >= maxLimiters {
			return false
		}
		b = &bucket{reqTokens: requestBurst, offerTokens: offerBurst, at: s.now()}
		s.st.limits[p] = b
	}
	b.refill(s.now())
	t := &b.reqTokens
	if offer {
		t = &b.offerTokens
	}
	if *t < 1 {
		return false
	}
	*t--
	return true
}

// validateRequest judges a gossiped request (the node's own too): the
// stateless checks first (size, form, network, expiry, expression), then
// the sender's rate limit. What it accepts is relayed and, when the node
// serves, answered with an offer.
func (s *Service) validateRequest(from peer.ID, data []byte) pubsub.ValidationResult {
	r, err := DecodeRequest(data)
	if err != nil {
		return pubsub.ValidationReject
	}
	if err := r.Check(s.deps.Net, s.now().Unix()); err != nil {
		// Expiry is a matter of clocks and delay, not of fault.
		if r.Net != s.deps.Net.ID {
			return pubsub.ValidationReject
		}
		return pubsub.ValidationIgnore
	}
	e, err := expr.Decode(r.Expr)
	if err != nil {
		return pubsub.ValidationReject
	}
	if _, err := peer.IDFromBytes(r.Peer); err != nil {
		return pubsub.ValidationReject
	}
	res := pubsub.ValidationIgnore
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	s.call(ctx, func() {
		if !s.allow(from, false) {
			return
		}
		if s.admit(*r, e, false) == nil {
			return
		}
		res = pubsub.ValidationAccept
	})
	if res == pubsub.ValidationAccept && from != s.self {
		s.consider(*r, e, from)
	}
	return res
}

// consider makes an offer for a request when the node serves: it
// evaluates the request (once per request ID; the result is kept for the
// job), prices it and sends the signed offer to the requester's node.
// Evaluations wait for one another; beyond maxPending the request gets
// no offer.
func (s *Service) consider(r Request, e *expr.Expr, _ peer.ID) {
	id := r.ID()
	requester, _ := peer.IDFromBytes(r.Peer)
	var c *computed
	var ok bool
	s.call(s.ctx, func() {
		if !s.st.serving || s.cfg.Key == nil {
			return
		}
		s.remember(id, e, requester)
		c, ok = s.compute(id, e)
	})
	if !ok {
		return
	}
	s.spawn(func() {
		select {
		case <-c.ready:
		case <-s.ctx.Done():
			return
		}
		if c.err != nil {
			s.log.Info("no offer: the request fails here", "request", id.Short(), "err", c.err)
			return
		}
		o := Offer{Request: id, Price: s.price(c), LatencyMS: uint32(min(max(c.took.Milliseconds(), 1), 1<<31)),
			Fuel: c.fuel, Expires: min(r.Expires, s.now().Unix()+MaxTTL)}
		o.Sign(s.deps.Net, *s.cfg.Key)
		if requester == s.self || string(r.Peer) == localPeer {
			s.post(func() { s.addOffer(s.self, o) })
			return
		}
		if err := s.sendOffer(requester, &o); err != nil {
			s.log.Info("offer not delivered", "request", id.Short(), "to", requester, "err", err)
		}
	})
}

// price is the serving node's terms applied to a computation:
// max(Min, PerFuel·fuel/1000 + PerByte·bytes/1000), saturating.
func (s *Service) price(c *computed) uint64 {
	p := s.cfg.Prices
	f := mulDiv(p.PerFuel, c.fuel, 1000)
	b := mulDiv(p.PerByte, uint64(len(c.value)), 1000)
	sum, err := wire.AddAmounts(f, b)
	if err != nil {
		sum = ^uint64(0)
	}
	return max(p.Min, sum)
}

func mulDiv(a, b, d uint64) uint64 {
	if a != 0 && b > ^uint64(0)/a {
		return ^uint64(0) / d
	}
	return a * b / d
}

// remember keeps what a worker needs to compute and deliver a request it
// offered for (bounded; the oldest is forgotten first). Owner goroutine.
func (s *Service) remember(id wire.Hash, e *expr.Expr, p peer.ID) {
	k := s.st.known[id]
	if k == nil {
		const maxKnown = 1024
		if len(s.st.knownQ) >= maxKnown {
			delete(s.st.known, s.st.knownQ[0])
			s.st.knownQ = s.st.knownQ[1:]
		}
		k = &known{e: e}
		s.st.known[id] = k
		s.st.knownQ = append(s.st.knownQ, id)
	}
	for _, q := range k.peers {
		if q == p {
			return
		}
	}
	if len(k.peers) < 8 {
		k.peers = append(k.peers, p)
	}
}

// addOffer records a verified offer for one of this node's requests.
// Owner goroutine.
func (s *Service) addOffer(from peer.ID, o Offer) {
	l := s.st.reqs[o.Request]
	if l == nil || !l.mine {
		return
	}
	if old, ok := l.offers[o.Worker]; !ok && len(l.offers) >= MaxOffersPerRequest {
		return
	} else if ok && old == o {
		return
	}
	l.offers[o.Worker] = o
	l.peers[o.Worker] = from
	s.emit(Event{Kind: EventOffer, Request: o.Request})
}
