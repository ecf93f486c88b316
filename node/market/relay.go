package market

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/bitverse/bitverse/node/market/expr"
	"github.com/bitverse/bitverse/node/wire"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// The relay role: a node whose serve identity is drawn into a bounty's
// lineup (or jury) fetches the envelope chain so far from whoever holds
// it, checks it against the chain, recomputes the request itself from
// verified reads, countersigns what it computed (a transaction carrying
// its countersign envelope's hash) and, when it agrees with the worker,
// becomes a holder the next slot fetches from. The requester's node
// fetches the full chain from the last relay once every lineup slot is
// countersigned on chain.

// TopicHandoffs is the gossip topic of handoffs.
func TopicHandoffs(net wire.Network) string { return "/bitverse/" + net.Name + "/market/handoffs/1" }

// ProtoFetch carries one package: the asker sends a fetch, the holder
// answers 0 ‖ package or 1 ‖ reason (at most 200 bytes).
func ProtoFetch(net wire.Network) protocol.ID {
	return protocol.ID("/bitverse/" + net.Name + "/market/fetch/1")
}

// Slot states, as the chain reports them.
const (
	SlotPending       = "pending"
	SlotDrawn         = "drawn"
	SlotCountersigned = "countersigned"
	SlotMissed        = "missed"
	SlotReplaced      = "replaced"
)

// Bounds of the relay role.
const (
	// maxHandoffBounties bounds the bounties whose handoffs a node keeps;
	// maxHolders the holders kept per bounty.
	maxHandoffBounties = 1024
	maxHolders         = MaxSlots + 1
	// heldBytes bounds the packages a node keeps to serve fetches.
	heldBytes = 128 << 20
	// handoffTTL is a handoff's life in seconds; holders publish again
	// every handoffEvery blocks while the bounty is open.
	handoffTTL   = 600
	handoffEvery = 2
	handoffBurst = 32
	fetchDial    = 5 * time.Second
	handoffRate  = 4.0
)

// relayJob is one slot this node's identity holds. Owned by run.
type relayJob struct {
	bounty  wire.Hash
	request wire.Hash
	slot    int
	jury    bool
	state   string // "waiting", "computing", "countersigned", "disagreed", "failed", "done"
	result  wire.Hash
	agreed  bool
	signAt  uint64 // height the countersign was sent at
	cs      *Countersign
	height  uint64 // last change
	err     string
	amount  uint64
	settled bool
}

// held is a package this node holds for a bounty and serves to fetches.
type held struct {
	pkg  *Package
	slot uint8 // WorkerSlot, or the last slot its countersigns reach
	size int
}

// handoffs a node heard, per bounty and holder.
type heard struct {
	by map[wire.PubKey]*Handoff
}

// startRelay joins the handoff topic and sets the fetch handler.
func (s *Service) startRelay() error {
	h := s.deps.Host
	t, err := h.JoinTopic(TopicHandoffs(s.deps.Net), s.validateHandoff)
	if err != nil {
		return fmt.Errorf("join the market's handoff topic: %w", err)
	}
	s.handoffs = t
	h.LibP2P().SetStreamHandler(ProtoFetch(s.deps.Net), s.handleFetch)
	return nil
}

// validateHandoff judges a gossiped handoff: form, network, expiry and
// signature first, then the sender's rate limit. A handoff only says
// where to fetch; what is fetched is checked against the chain.
func (s *Service) validateHandoff(from peer.ID, data []byte) pubsub.ValidationResult {
	h, err := DecodeHandoff(data)
	if err != nil {
		return pubsub.ValidationReject
	}
	if err := h.Check(s.deps.Net, s.now().Unix()); err != nil {
		if h.Net != s.deps.Net.ID || errors.Is(err, wire.ErrBadSignature) || errors.Is(err, wire.ErrMalformed) {
			return pubsub.ValidationReject
		}
		return pubsub.ValidationIgnore
	}
	if _, err := peer.IDFromBytes(h.Peer); err != nil {
		return pubsub.ValidationReject
	}
	res := pubsub.ValidationIgnore
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	s.call(ctx, func() {
		if from != s.self && !s.allowHandoff(from) {
			return
		}
		s.hear(h)
		res = pubsub.ValidationAccept
	})
	return res
}

// allowHandoff takes a token of a peer's handoffs (owner goroutine).
func (s *Service) allowHandoff(p peer.ID) bool {
	b := s.st.hlimits[p]
	if b == nil {
		if len(s.st.hlimits) >= maxLimiters {
			return false
		}
		b = &hbucket{tokens: handoffBurst, at: s.now()}
		s.st.hlimits[p] = b
	}
	if dt := s.now().Sub(b.at).Seconds(); dt > 0 {
		b.tokens, b.at = min(handoffBurst, b.tokens+dt*handoffRate), s.now()
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

type hbucket struct {
	tokens float64
	at     time.Time
}

// hear records a handoff (owner goroutine): the latest per holder, a
// bounded number of bounties (the soonest-expiring dropped first).
func (s *Service) hear(h *Handoff) {
	hb := s.st.heard[h.Bounty]
	if hb == nil {
		if len(s.st.heard) >= maxHandoffBounties {
			var victim wire.Hash
			var soonest int64
			for id, x := range s.st.heard {
				for _, o := range x.by {
					if soonest == 0 || o.Expires < soonest {
						victim, soonest = id, o.Expires
					}
				}
			}
			delete(s.st.heard, victim)
		}
		hb = &heard{by: map[wire.PubKey]*Handoff{}}
		s.st.heard[h.Bounty] = hb
	}
	if old := hb.by[h.Holder]; old == nil && len(hb.by) >= maxHolders {
		return
	} else if old != nil && old.Expires > h.Expires {
		return
	}
	hb.by[h.Holder] = h
}

// publishHandoff gossips that this node holds bounty's chain up to slot.
func (s *Service) publishHandoff(ctx context.Context, bounty wire.Hash, slot uint8) {
	if s.handoffs == nil || s.cfg.Key == nil {
		return
	}
	h := &Handoff{Bounty: bounty, Slot: slot, Peer: []byte(s.self), Expires: s.now().Unix() + handoffTTL}
	h.Sign(s.deps.Net, *s.cfg.Key)
	s.call(ctx, func() { s.hear(h) })
	if err := s.handoffs.Publish(ctx, h.Encode()); err != nil {
		s.log.Info("publish handoff", "bounty", bounty.Short(), "err", err)
	}
}

// hold keeps a package to serve fetches (owner goroutine), bounded by
// bytes (the oldest dropped first).
func (s *Service) hold(id wire.Hash, p *Package, slot uint8) {
	size := len(p.Value) + len(p.Expr) + EnvelopeSize + len(p.Signs)*CountersignSize
	if old := s.st.held[id]; old != nil {
		s.st.heldSz -= old.size
	} else {
		s.st.heldQ = append(s.st.heldQ, id)
	}
	s.st.held[id] = &held{pkg: p, slot: slot, size: size}
	s.st.heldSz += size
	for s.st.heldSz > heldBytes && len(s.st.heldQ) > 1 {
		old := s.st.heldQ[0]
		s.st.heldQ = s.st.heldQ[1:]
		if o := s.st.held[old]; o != nil {
			s.st.heldSz -= o.size
			delete(s.st.held, old)
		}
	}
}

// handleFetch answers a fetch with the package this node holds.
func (s *Service) handleFetch(st network.Stream) {
	defer st.Close()
	st.SetDeadline(time.Now().Add(streamTimeout))
	from := st.Conn().RemotePeer()
	b, err := io.ReadAll(io.LimitReader(st, FetchSize+1))
	if err != nil {
		st.Reset()
		return
	}
	refuse := func(msg string) { st.Write(append([]byte{1}, msg[:min(len(msg), maxReason)]...)) }
	f, err := DecodeFetch(b)
	if err != nil {
		refuse(err.Error())
		return
	}
	if f.Net != s.deps.Net.ID {
		refuse(ErrWrongNetwork.Error())
		return
	}
	var p *Package
	allowed := false
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	s.call(ctx, func() {
		allowed = s.allowHandoff(from)
		if h := s.st.held[f.Bounty]; h != nil {
			p = h.pkg
		}
	})
	switch {
	case !allowed:
		refuse("too many fetches; slow down")
	case p == nil:
		refuse("this node holds no envelope chain of bounty " + f.Bounty.Short())
	default:
		st.SetDeadline(time.Now().Add(streamTimeout + time.Duration(len(p.Value)>>20)*resultPerMiB))
		st.Write([]byte{0})
		if _, err := p.WriteTo(st); err != nil {
			st.Reset()
		}
	}
}

// fetch asks peer for bounty's package and reads it, bounded.
func (s *Service) fetch(ctx context.Context, to peer.ID, bounty wire.Hash) (*Package, error) {
	if to == s.self {
		var p *Package
		s.call(ctx, func() {
			if h := s.st.held[bounty]; h != nil {
				p = h.pkg
			}
		})
		if p == nil {
			return nil, errors.New("this node holds no envelope chain of the bounty")
		}
		return p, nil
	}
	// A holder that cannot be reached must not hold the relay up for long:
	// it tries the next one.
	dctx, dcancel := context.WithTimeout(ctx, fetchDial)
	st, err := s.deps.Host.LibP2P().NewStream(dctx, to, ProtoFetch(s.deps.Net))
	dcancel()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	st.SetDeadline(time.Now().Add(streamTimeout + time.Duration(MaxResultSize>>20)*resultPerMiB))
	if _, err := st.Write((&Fetch{Net: s.deps.Net.ID, Bounty: bounty}).Encode()); err != nil {
		st.Reset()
		return nil, err
	}
	if err := st.CloseWrite(); err != nil {
		return nil, err
	}
	var status [1]byte
	if _, err := io.ReadFull(st, status[:]); err != nil {
		return nil, fmt.Errorf("the holder closed the stream without an answer: %w", err)
	}
	if status[0] != 0 {
		reason, _ := io.ReadAll(io.LimitReader(st, maxReason))
		return nil, fmt.Errorf("the holder refused: %s", reason)
	}
	return ReadPackage(s.deps.Net, st)
}

// verifyPackage checks a package against the chain's bounty: the
// expression is the bounty's request, the worker's envelope is the one
// committed (its bounty, request, worker and result), and the first upto
// countersigns are the ones the current lineup's first upto slots carry
// on chain, each signed by the relay drawn for it, chained to the
// envelope before it and stating the worker's result. It returns the
// package cut to upto countersigns.
func verifyPackage(b *Bounty, p *Package, upto int) (*Package, *expr.Expr, error) {
	if RequestID(p.Expr) != b.Request {
		return nil, nil, fmt.Errorf("%w: the expression is not bounty %s's request", ErrChain, b.ID.Short())
	}
	e, err := expr.Decode(p.Expr)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrChain, err)
	}
	w := p.Worker
	switch {
	case w.Hash() != b.Envelope:
		return nil, nil, fmt.Errorf("%w: the worker's envelope is not what bounty %s committed", ErrChain, b.ID.Short())
	case w.Bounty != b.ID || w.Request != b.Request || w.Worker != b.Worker:
		return nil, nil, fmt.Errorf("%w: the worker's envelope names another bounty, request or worker", ErrChain)
	case !b.Result.IsZero() && w.Result != b.Result:
		return nil, nil, fmt.Errorf("%w: the worker's envelope states another result than its commit", ErrChain)
	}
	if len(p.Signs) < upto {
		return nil, nil, fmt.Errorf("%w: %d countersigns, %d needed", ErrChain, len(p.Signs), upto)
	}
	cl := b.CurrentLineup()
	if len(cl) < upto {
		return nil, nil, fmt.Errorf("%w: the lineup has %d slots, %d needed", ErrChain, len(cl), upto)
	}
	prev := w.Hash()
	for i := range upto {
		c, sl := p.Signs[i], cl[i]
		switch {
		case c.Bounty != b.ID || int(c.Slot) != sl.Slot:
			return nil, nil, fmt.Errorf("%w: countersign %d names another bounty or slot", ErrChain, i)
		case c.Prev != prev:
			return nil, nil, fmt.Errorf("%w: countersign %d does not countersign the envelope before it", ErrChain, i)
		case c.Relay != sl.Relay:
			return nil, nil, fmt.Errorf("%w: countersign %d is not by the relay drawn for slot %d", ErrChain, i, sl.Slot)
		case sl.State != SlotCountersigned || sl.Envelope != c.Hash():
			return nil, nil, fmt.Errorf("%w: countersign %d is not the one slot %d posted (yet)", ErrChain, i, sl.Slot)
		case c.Result != w.Result:
			return nil, nil, fmt.Errorf("%w: countersign %d states another result than the worker", ErrChain, i)
		}
		prev = c.Hash()
	}
	cut := *p
	cut.Signs = p.Signs[:upto]
	return &cut, e, nil
}

// recompute evaluates e afresh from reads at the current tip and returns
// the value, its kind and the inputs hash of what it read.
func (s *Service) recompute(ctx context.Context, e *expr.Expr, request wire.Hash) ([]byte, wire.Hash, error) {
	h, err := s.deps.Chain.Height(ctx)
	if err != nil {
		return nil, wire.Hash{}, err
	}
	select {
	case s.evals <- struct{}{}:
	case <-ctx.Done():
		return nil, wire.Hash{}, ctx.Err()
	}
	defer func() { <-s.evals }()
	var in []Input
	value, _, _, err := s.evaluate(ctx, e, request, s.cfg.FuelCap, &in)
	if err != nil {
		return nil, wire.Hash{}, err
	}
	return value, InputsHash(h, in), nil
}

// mine finds me's current slot of b: its position in the current
// lineup (or -1) and its jury slot number (or -1). A relay holds at most
// one slot of a bounty (PROTOCOL §19).
func mine(b *Bounty, me wire.PubKey) (pos, jury int) {
	pos, jury = -1, -1
	for i, sl := range b.CurrentLineup() {
		if sl.Relay == me {
			pos = i
		}
	}
	for _, sl := range b.CurrentJury() {
		if sl.Relay == me {
			jury = sl.Slot
		}
	}
	return pos, jury
}

// relayScan drives the slot this node's identity holds in each bounty one
// step, and fetches the full chain of bounties this node asked for whose
// lineup is complete.
func (s *Service) relayScan() {
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Minute)
	defer cancel()
	h, err := s.deps.Chain.Height(ctx)
	if err != nil {
		return
	}
	var relaying bool
	var heardIDs []wire.Hash
	s.call(ctx, func() {
		relaying = s.st.relaying
		for id := range s.st.heard {
			heardIDs = append(heardIDs, id)
		}
	})
	s.collect(ctx, heardIDs, h)
	if !relaying || s.cfg.Key == nil {
		return
	}
	me := s.cfg.Key.PubKey()
	bs, err := s.deps.Chain.Relayed(ctx, me)
	if err != nil {
		s.log.Warn("read this relay's bounties", "err", err)
		return
	}
	for i := range bs {
		b := &bs[i]
		pos, jury := mine(b, me)
		switch {
		case b.Closed():
			var had bool
			s.call(ctx, func() {
				if j := s.st.rjobs[b.ID]; j != nil {
					had = true
					delete(s.st.rjobs, b.ID) // what is closed is the chain's to remember
				}
			})
			if had {
				dropHeld(s.db, b.ID)
			}
		case jury >= 0:
			s.relayStep(ctx, b, jury, -1, h)
			s.postMisses(ctx, b, 0, h)
		case pos >= 0:
			s.relayStep(ctx, b, b.CurrentLineup()[pos].Slot, pos, h)
			s.postMisses(ctx, b, pos, h)
		}
	}
}

// relayStep moves this relay's slot of b one step: pos is its position
// in the current lineup, -1 for a jury slot.
func (s *Service) relayStep(ctx context.Context, b *Bounty, slot, pos int, h uint64) {
	jury := pos < 0
	var j *relayJob
	s.call(ctx, func() {
		j = s.st.rjobs[b.ID]
		if j == nil || j.slot != slot || j.jury != jury {
			j = &relayJob{bounty: b.ID, request: b.Request, slot: slot, jury: jury, state: "waiting", height: h, amount: b.Amount}
			s.st.rjobs[b.ID] = j
			s.emit(Event{Kind: EventRelay, Bounty: b.ID, Request: b.Request, State: j.state})
		}
		cp := *j
		j = &cp
	})
	var sl Slot
	if jury {
		for _, x := range b.CurrentJury() {
			if x.Slot == slot {
				sl = x
			}
		}
	} else {
		sl = b.CurrentLineup()[pos]
	}
	if sl.State == SlotCountersigned {
		// Done on chain: hand on (a holder announces again now and then
		// for the next slot and the requester).
		if j.state != "countersigned" && j.state != "disagreed" {
			s.setRelayJob(ctx, b.ID, func(j *relayJob) { j.state = "countersigned" })
		}
		var isHeld bool
		s.call(ctx, func() { isHeld = s.st.held[b.ID] != nil })
		if !isHeld && !jury {
			// After a restart: the package it countersigned, if it is
			// the one the chain recorded.
			if p, at := loadHeld(s.db, s.deps.Net, b.ID); p != nil && int(at) == slot && len(p.Signs) == pos+1 &&
				p.Signs[pos].Hash() == sl.Envelope {
				s.call(ctx, func() { s.hold(b.ID, p, at) })
				isHeld = true
			}
		}
		if isHeld && !jury && (h-sl.Height)%handoffEvery == 0 {
			s.publishHandoff(ctx, b.ID, uint8(slot))
		}
		return
	}
	if sl.State != SlotDrawn {
		return
	}
	// Ready when the step before is on chain.
	cl := b.CurrentLineup()
	switch {
	case b.State != StateCommitted:
		return
	case jury && b.Contest != ContestOpen:
		return
	case !jury && b.Contest == ContestOpen:
		return
	case !jury && pos > 0 && cl[pos-1].State != SlotCountersigned:
		return
	}
	if j.cs != nil && !due(j.signAt, h) {
		return
	}
	cs := j.cs
	var pkg *Package
	if cs == nil && !jury {
		// Signed before a restart: send the same envelope again.
		if p, at := loadHeld(s.db, s.deps.Net, b.ID); p != nil && int(at) == slot && len(p.Signs) == pos+1 {
			if _, _, err := verifyPackage(b, p, pos); err == nil && p.Signs[pos].Relay == s.cfg.Key.PubKey() {
				cs, pkg = p.Signs[pos], p
			}
		}
	}
	if cs == nil {
		upto := max(pos, 0)
		p, e, err := s.findPackage(ctx, b, upto)
		if err != nil {
			s.log.Info("relay: no envelope chain yet", "bounty", b.ID.Short(), "slot", slot, "err", err)
			return
		}
		s.setRelayJob(ctx, b.ID, func(j *relayJob) { j.state = "computing" })
		value, inputs, err := s.recompute(ctx, e, b.Request)
		if err != nil {
			s.setRelayJob(ctx, b.ID, func(j *relayJob) { j.state, j.err = "failed", err.Error() })
			s.log.Warn("relay: recompute", "bounty", b.ID.Short(), "err", err)
			return
		}
		prev := p.Worker.Hash()
		if pos > 0 {
			prev = p.Signs[pos-1].Hash()
		}
		cs = &Countersign{Bounty: b.ID, Slot: uint8(slot), Prev: prev, Result: wire.Sum(value), Inputs: inputs}
		cs.Sign(s.deps.Net, *s.cfg.Key)
		if cs.Result == p.Worker.Result && !jury {
			pkg = &Package{Expr: p.Expr, Worker: p.Worker, Signs: append(slices.Clone(p.Signs), cs), Value: p.Value}
		}
	}
	// Kept before the transaction goes out, so a resend signs nothing new
	// and, after a restart, the relay still passes on what it signed.
	s.setRelayJob(ctx, b.ID, func(j *relayJob) { j.cs, j.result, j.agreed = cs, cs.Result, cs.Result == b.Result })
	if pkg != nil {
		if err := storeHeld(s.db, b.ID, uint8(slot), pkg); err != nil {
			s.log.Warn("relay: keep the envelope chain", "bounty", b.ID.Short(), "err", err)
			return
		}
	}
	if err := s.deps.Chain.Countersign(ctx, *s.cfg.Key, b.ID, uint8(slot), cs.Result, cs.Hash()); err != nil {
		s.log.Warn("relay: countersign", "bounty", b.ID.Short(), "slot", slot, "err", err)
		return
	}
	agreed := cs.Result == b.Result
	s.setRelayJob(ctx, b.ID, func(j *relayJob) {
		j.signAt, j.height = h, h
		j.state = "countersigned"
		if !agreed {
			j.state = "disagreed"
		}
		if pkg != nil {
			s.hold(b.ID, pkg, uint8(slot))
		}
	})
	s.post(func() { s.emit(Event{Kind: EventRelay, Bounty: b.ID, Request: b.Request, State: "countersigned"}) })
	if pkg != nil {
		s.publishHandoff(ctx, b.ID, uint8(slot))
	}
}

func (s *Service) setRelayJob(ctx context.Context, id wire.Hash, f func(*relayJob)) {
	s.call(ctx, func() {
		if j := s.st.rjobs[id]; j != nil {
			f(j)
		}
	})
}

// findPackage fetches b's envelope chain with at least upto countersigns
// from the holders heard of (this node's own first) and checks it.
func (s *Service) findPackage(ctx context.Context, b *Bounty, upto int) (*Package, *expr.Expr, error) {
	var own *Package
	var holders []*Handoff
	s.call(ctx, func() {
		if h := s.st.held[b.ID]; h != nil {
			own = h.pkg
		}
		if hb := s.st.heard[b.ID]; hb != nil {
			for _, h := range hb.by {
				holders = append(holders, h)
			}
		}
	})
	if own != nil {
		if p, e, err := verifyPackage(b, own, upto); err == nil {
			return p, e, nil
		}
	}
	// The holders furthest along first; only the worker and lineup relays.
	cl := b.CurrentLineup()
	at := func(h *Handoff) int { // position of the holder's slot (-1: worker)
		for i, sl := range cl {
			if h.Slot == uint8(sl.Slot) && h.Holder == sl.Relay {
				return i
			}
		}
		if h.Slot == WorkerSlot && h.Holder == b.Worker {
			return -1
		}
		return -2
	}
	slices.SortFunc(holders, func(x, y *Handoff) int { return at(y) - at(x) })
	last := errors.New("nobody announced it")
	for _, h := range holders {
		if a := at(h); a == -2 || a+1 < upto {
			continue
		}
		pid, err := peer.IDFromBytes(h.Peer)
		if err != nil {
			continue
		}
		p, err := s.fetch(ctx, pid, b.ID)
		if err != nil {
			last = err
			continue
		}
		cut, e, err := verifyPackage(b, p, upto)
		if err != nil {
			last = err
			continue
		}
		return cut, e, nil
	}
	return nil, nil, last
}

// collect fetches and keeps the result of each heard-of bounty this
// node asked for whose lineup is complete on chain: the full envelope
// chain, every signature and hash checked against the chain, and the
// result recomputed here (recheck). A result this node computes
// otherwise is not kept: the bounty is disputed instead.
func (s *Service) collect(ctx context.Context, ids []wire.Hash, h uint64) {
	for _, id := range ids {
		if _, err := loadResult(s.db, id); err == nil {
			continue
		}
		b, err := s.deps.Chain.Bounty(ctx, id)
		if err != nil || !b.Relayed() || !isQuoted(s.db, b.Request) || b.State != StateCommitted && b.State != StateSettled {
			continue
		}
		if _, ok := loadDisagreed(s.db, id); ok {
			s.dispute(ctx, b, h)
			continue
		}
		if !b.LineupDone() || b.Contest == ContestOpen {
			continue
		}
		p, e, err := s.findPackage(ctx, b, len(b.CurrentLineup()))
		if err != nil {
			s.log.Info("fetch the envelope chain", "bounty", id.Short(), "err", err)
			continue
		}
		if mine, ok := s.recheck(ctx, b, p, e); !ok {
			if err := storeDisagreed(s.db, id, mine); err != nil {
				s.log.Warn("keep the disagreement", "bounty", id.Short(), "err", err)
				continue
			}
			s.log.Warn("the worker and every relay signed a result this node computes otherwise; disputing", "bounty", id.Short(),
				"signed", p.Worker.Result.Short(), "recomputed", mine.Short())
			s.post(func() { s.emit(Event{Kind: EventResult, Bounty: id, Request: b.Request, State: "disagreed"}) })
			s.dispute(ctx, b, h)
			continue
		}
		if err := storeChain(s.db, p); err != nil {
			s.log.Warn("keep the result", "bounty", id.Short(), "err", err)
			continue
		}
		s.post(func() { s.emit(Event{Kind: EventResult, Bounty: id, Request: b.Request}) })
	}
}

// recheck recomputes a relayed bounty's result on the requester's node
// before it is kept. Every relay of the lineup may be a party to the
// cheat (at one hop the only relay is the last), and then the signatures
// and hashes all agree on a wrong result: only a recomputation catches
// it. It returns the hash this node computed and whether it is the one
// the worker signed. A recomputation that fails (an input this node
// cannot read, fuel) proves nothing: the checked result is kept, as
// before.
func (s *Service) recheck(ctx context.Context, b *Bounty, p *Package, e *expr.Expr) (wire.Hash, bool) {
	if s.deps.Transform == nil {
		return wire.Hash{}, true
	}
	value, _, err := s.recompute(ctx, e, b.Request)
	if err != nil {
		s.log.Info("recompute the delivered result", "bounty", b.ID.Short(), "err", err)
		return wire.Hash{}, true
	}
	mine := wire.Sum(value)
	return mine, mine == p.Worker.Result
}

// dispute sends the requester's dispute of b (at most once per resend
// period while it is committed with no contest open), when this node's
// market identity is b's requester; otherwise the requester's wallet
// must (Result says so).
func (s *Service) dispute(ctx context.Context, b *Bounty, h uint64) {
	if s.cfg.Key == nil || s.cfg.Key.PubKey() != b.Requester || b.State != StateCommitted || b.Contest == ContestOpen {
		return
	}
	var sent uint64
	s.call(ctx, func() { sent = s.st.disputes[b.ID] })
	if !due(sent, h) {
		return
	}
	if err := s.deps.Chain.Dispute(ctx, *s.cfg.Key, b.ID); err != nil {
		s.log.Info("dispute", "bounty", b.ID.Short(), "err", err)
		return
	}
	s.call(ctx, func() {
		if len(s.st.disputes) > 4096 {
			clear(s.st.disputes)
		}
		s.st.disputes[b.ID] = h
	})
}

// postMisses posts relay-miss for the first lineup slot before position
// upto whose relay stayed silent for the relay window after the step
// before it, or, while a contest is open, for the first juror silent for
// the window since it was drawn (the chain refuses an early one; this
// only avoids sending it). Without the jury's, one silent juror would
// hold a contest open until the deadline.
func (s *Service) postMisses(ctx context.Context, b *Bounty, upto int, h uint64) {
	if b.State != StateCommitted {
		return
	}
	if b.Contest == ContestOpen {
		for _, sl := range b.CurrentJury() {
			if sl.State == SlotDrawn && h >= sl.Height+s.deps.Chain.Terms().Window {
				s.postMiss(ctx, b, sl, h)
				return
			}
		}
		return
	}
	cl := b.CurrentLineup()
	since := b.Committed
	for i := 0; i < upto && i < len(cl); i++ {
		sl := cl[i]
		if sl.State == SlotCountersigned {
			since = max(since, sl.Height)
			continue
		}
		if sl.State != SlotDrawn || h < max(since, sl.Height)+s.deps.Chain.Terms().Window {
			return
		}
		s.postMiss(ctx, b, sl, h)
		return
	}
}

// postMiss reports sl's relay missed, at most once per due period.
func (s *Service) postMiss(ctx context.Context, b *Bounty, sl Slot, h uint64) {
	key := missKey{b.ID, sl.Slot, sl.Relay}
	var sent uint64
	s.call(ctx, func() { sent = s.st.misses[key] })
	if !due(sent, h) {
		return
	}
	if err := s.deps.Chain.RelayMiss(ctx, *s.cfg.Key, b.ID, uint8(sl.Slot)); err != nil {
		s.log.Info("relay-miss", "bounty", b.ID.Short(), "slot", sl.Slot, "err", err)
		return
	}
	s.call(ctx, func() {
		if len(s.st.misses) > 4096 {
			clear(s.st.misses)
		}
		s.st.misses[key] = h
	})
}

type missKey struct {
	bounty wire.Hash
	slot   int
	relay  wire.PubKey
}

// Relay implements API.
func (s *Service) Relay(ctx context.Context, on bool) (*RelayStatus, error) {
	if on && s.cfg.Key == nil {
		return nil, ErrNoIdentity
	}
	if err := s.call(ctx, func() {
		s.st.relaying = on
		if on {
			s.startRelayScan()
		}
	}); err != nil {
		return nil, err
	}
	return s.RelayStatus(ctx)
}

// RelayStatus implements API.
func (s *Service) RelayStatus(ctx context.Context) (*RelayStatus, error) {
	st := &RelayStatus{}
	if err := s.call(ctx, func() { st.On = s.st.relaying }); err != nil {
		return nil, err
	}
	if s.cfg.Key == nil {
		return st, nil
	}
	st.Identity = s.cfg.Key.PubKey()
	r, err := s.deps.Chain.Relay(ctx, st.Identity)
	if err != nil {
		return nil, err
	}
	if r != nil {
		st.Registered, st.Fee, st.Stake = true, r.Fee, r.Stake
	}
	jobs, err := s.RelayJobs(ctx)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		if j.State == "paid" || j.State == "closed" {
			st.Done++
		} else {
			st.InFlight++
		}
		st.Earned += j.Earned
	}
	return st, nil
}

// share is bps basis points of amount, rounded down: ⌊amount·bps/10⁴⌋
// without overflow (bps ≤ 10⁴).
func share(amount, bps uint64) uint64 {
	return amount/10_000*bps + amount%10_000*bps/10_000
}

// RelayJobs implements API: the chain says which slots this identity
// holds and how they ended; the service adds what it is doing now.
func (s *Service) RelayJobs(ctx context.Context) ([]RelayJob, error) {
	if s.cfg.Key == nil {
		return nil, nil
	}
	me := s.cfg.Key.PubKey()
	bs, err := s.deps.Chain.Relayed(ctx, me)
	if err != nil {
		return nil, err
	}
	mine := map[wire.Hash]relayJob{}
	s.call(ctx, func() {
		for id, j := range s.st.rjobs {
			mine[id] = *j
		}
	})
	terms := s.deps.Chain.Terms()
	var open, closed []RelayJob
	for i := range bs {
		b := &bs[i]
		add := func(sl Slot, jury bool) {
			if sl.Relay != me {
				return
			}
			j := RelayJob{Bounty: b.ID, Request: b.Request, Slot: sl.Slot, Jury: jury, Amount: b.Amount, Height: sl.Height,
				Result: sl.Result, State: sl.State}
			if sl.State == SlotCountersigned {
				j.Agreed = sl.Result == b.Result
			}
			if sl.State == SlotDrawn {
				j.State = "waiting"
			}
			if rj, ok := mine[b.ID]; ok && rj.slot == sl.Slot && sl.State == SlotDrawn {
				j.State, j.Error = rj.state, rj.err
			}
			if b.Closed() {
				j.State = "closed"
				if b.State == StateSettled && !jury && sl.State == SlotCountersigned {
					j.State, j.Earned = "paid", share(b.Amount, terms.RelayHopBps)
				}
				closed = append(closed, j)
				return
			}
			open = append(open, j)
		}
		for _, sl := range b.Lineup {
			add(sl, false)
		}
		for _, sl := range b.Jury {
			add(sl, true)
		}
	}
	return append(open, closed...), nil
}

// Draws implements API.
func (s *Service) Draws(ctx context.Context) ([]Draw, error) {
	bs, err := s.deps.Chain.Drawn(ctx)
	if err != nil {
		return nil, err
	}
	terms := s.deps.Chain.Terms()
	out := make([]Draw, 0, len(bs))
	for _, b := range bs {
		out = append(out, Draw{Bounty: b.ID, Hops: b.Hops, Height: b.Drawn, Amount: b.Amount,
			Share: share(b.Amount, terms.DrawShareBps), Paid: b.State == StateSettled})
	}
	return out, nil
}
