package market

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"go.etcd.io/bbolt"
)

// Private settlements (PROTOCOL §18 "Private settlements"): no bounty on
// chain; the requester pays the worker one denomination through the next
// tumbler round. The worker gives a fresh address, the requester registers
// an input paying it and hands the blind-signed token over, the worker
// redeems it from a fresh identity; the worker sends the result's signed
// hash once its output is registered, the requester co-signs, and the
// worker sends the result once the tumble paid its address on chain.

// Tumbler is what private settlements need of the node's tumbler
// (package tumbler; node/daemon adapts it).
type Tumbler interface {
	// OpenRound is an open round of a denomination of at least price:
	// the smallest such denomination, the newest round of it.
	OpenRound(ctx context.Context, price uint64) (PrivateRound, error)
	// JoinHanded registers an input in round paying amount from secret's
	// account, its output to to, the token handed over (never redeemed
	// by this node); signing waits for CoSign.
	JoinHanded(ctx context.Context, secret []byte, amount uint64, round wire.Hash, to wire.PubKey, blameTo []wire.PubKey) error
	// Handed is the current token of the handed registration paying from
	// input (a blame round brings a new one) and its state.
	Handed(input wire.PubKey) (Handover, TumbleState, bool)
	// CoSign signs this node's registrations in round.
	CoSign(ctx context.Context, round wire.Hash) error
	// CheckHandover is the payee's check of a handed token; it returns
	// the round's denomination.
	CheckHandover(ctx context.Context, h Handover) (uint64, error)
	// Redeem registers the handed token's output like a participant:
	// random delay, fresh identity; it returns once it is taken.
	Redeem(ctx context.Context, h Handover) error
	// Balance is an account's balance at the root tip.
	Balance(ctx context.Context, key wire.PubKey) (uint64, error)
}

// PrivateRound is a round a private settlement may go through.
type PrivateRound struct {
	ID           wire.Hash
	Denomination uint64
	Cost         uint64 // what an input pays beyond the denomination
}

// Handover is a blind-signed output token handed to its output's owner.
type Handover struct {
	Round       wire.Hash
	Coordinator []byte // libp2p peer ID bytes
	To          wire.PubKey
	Token       []byte
}

// TumbleState is where the requester's registration is.
type TumbleState struct {
	Round wire.Hash
	Phase string
	State string
	TxID  wire.Hash
	Error string
	Ended bool
	Done  bool
}

// PrivateOptions ask for a private settlement of a quoted request.
type PrivateOptions struct {
	Request wire.Hash   `json:"request"`
	Worker  wire.PubKey `json:"worker"` // the offer (table row) taken
	// Secret is the 32-byte key of the paying account (it signs the
	// tumbler input); it stays in memory.
	Secret []byte `json:"secret"`
}

// PrivateJob is a private settlement this node asked for. Its result is
// read with Result(ID).
type PrivateJob struct {
	ID           wire.Hash   `json:"id"` // the worker's fresh address, as a hash
	Request      wire.Hash   `json:"request"`
	Worker       wire.PubKey `json:"worker"`
	Input        wire.PubKey `json:"input"` // the paying account
	Price        uint64      `json:"price"` // the offer's
	Denomination uint64      `json:"denomination"`
	Cost         uint64      `json:"cost"` // tumbler fees paid on top
	Round        wire.Hash   `json:"round,omitzero"`
	To           wire.PubKey `json:"to,omitzero"`
	// State: "waiting-round", "registered", "handed", "hash" (the signed
	// result hash is in), "signed", "confirmed", "result" (done), "failed".
	State string    `json:"state"`
	TxID  wire.Hash `json:"txid,omitzero"`
	Error string    `json:"error,omitempty"`
}

// Private settlement states, in order.
const (
	PrivWaiting    = "waiting-round"
	PrivRegistered = "registered"
	PrivHanded     = "handed"
	PrivHash       = "hash"
	PrivSigned     = "signed"
	PrivConfirmed  = "confirmed"
	PrivResult     = "result"
	PrivFailed     = "failed"
)

// ProtoPrivate carries one PrivateMsg from a requester to a worker; the
// worker answers 0 ‖ payload or 1 ‖ reason (≤ 200 bytes).
func ProtoPrivate(net wire.Network) protocol.ID {
	return protocol.ID("/bitverse/" + net.Name + "/market/private/1")
}

// Bounds of private settlements.
const (
	maxPrivJobs = 256 // a worker's live private jobs
	privSpares  = 2   // fresh addresses a worker gives for blame rounds
	// maxPrivBytes bounds the results a worker holds for them; a job
	// lives privJobLife (a round's phases take minutes, not hours).
	maxPrivBytes  = 128 << 20
	privJobLife   = time.Hour
	maxPrivAsked  = 64 // a requester's private settlements kept
	privPoll      = 500 * time.Millisecond
	privRoundWait = 10 * time.Minute // a requester waits this long for an open round
	// privResultWait is how long a requester asks for the result after
	// the tumble paid the worker before it gives up (and says so).
	privResultWait = 30 * time.Minute
)

var bucketPrivate = []byte("private") // worker: fresh address → seed [32] ‖ request [32]

// privJob is one private settlement a worker gave an address for. Owned
// by run.
type privJob struct {
	to         wire.PubKey   // the address (names the settlement)
	addrs      []wire.PubKey // it and the spares for blame rounds
	request    wire.Hash
	price      uint64
	from       peer.ID // the requester's node: only it may fetch
	rounds     map[wire.Hash]bool
	denom      uint64
	redeeming  bool
	registered bool
	env        *Envelope
	value      []byte
	created    time.Time
}

// privKey derives the fresh key of a private settlement from the serve
// identity and a random seed kept in market.db: the seed alone spends
// nothing, and the key is found again after a restart.
func privKey(serve wire.PrivKey, seed []byte) (wire.PrivKey, error) {
	h := wire.TaggedSum("bitverse/market/private/v1", serve.Bytes(), seed)
	return wire.PrivKeyFromBytes(h[:])
}

// PrivateKey is the key of a fresh address this worker gave for a
// private settlement (to spend what the tumble paid it).
func (s *Service) PrivateKey(to wire.PubKey) (wire.PrivKey, error) {
	if s.cfg.Key == nil {
		return wire.PrivKey{}, ErrNotServing
	}
	var rec []byte
	s.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketPrivate); b != nil {
			rec = append(rec, b.Get(to[:])...)
		}
		return nil
	})
	if len(rec) != 64 {
		return wire.PrivKey{}, errors.New("market: no private settlement paid this address")
	}
	return privKey(*s.cfg.Key, rec[:32])
}

func (s *Service) tumbler() Tumbler {
	if s.deps.Tumbler == nil {
		return nil
	}
	return s.deps.Tumbler()
}

// handlePrivate serves a requester's private-settlement message.
func (s *Service) handlePrivate(st network.Stream) {
	defer st.Close()
	from := st.Conn().RemotePeer()
	st.SetDeadline(time.Now().Add(streamTimeout))
	b, err := io.ReadAll(io.LimitReader(st, MaxPrivateMsgSize+1))
	if err != nil {
		st.Reset()
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, streamTimeout)
	defer cancel()
	allowed := false
	s.call(ctx, func() { allowed = s.allow(from, true) })
	if !allowed {
		return
	}
	out, err := s.private(ctx, from, b)
	if err != nil {
		msg := err.Error()
		if len(msg) > maxReason {
			msg = msg[:maxReason]
		}
		st.Write(append([]byte{1}, msg...))
		return
	}
	st.Write(append([]byte{0}, out...))
}

// private answers one message, cheapest checks first.
func (s *Service) private(ctx context.Context, from peer.ID, b []byte) ([]byte, error) {
	m, err := DecodePrivateMsg(b)
	if err != nil {
		return nil, err
	}
	if m.Net != s.deps.Net.ID {
		return nil, fmt.Errorf("private message: %w", ErrWrongNetwork)
	}
	tb := s.tumbler()
	if s.cfg.Key == nil || tb == nil {
		return nil, errors.New("this node settles nothing privately (it serves no compute, or runs no tumbler)")
	}
	switch m.Kind {
	case PrivateAsk:
		return s.privAsk(ctx, from, m)
	case PrivateToken:
		return nil, s.privToken(ctx, tb, from, m)
	default:
		return s.privFetch(ctx, tb, from, m)
	}
}

// privAsk gives a fresh address for a request this worker computed, when
// the denomination covers its price.
func (s *Service) privAsk(ctx context.Context, from peer.ID, m *PrivateMsg) ([]byte, error) {
	var c *computed
	serving, full := false, false
	if err := s.call(ctx, func() {
		serving = s.st.serving
		c = s.st.cache[m.Request]
		s.prunePriv()
		full = len(s.st.privs) >= maxPrivJobs*(1+privSpares) || s.st.privBytes >= maxPrivBytes
	}); err != nil {
		return nil, err
	}
	switch {
	case !serving:
		return nil, ErrNotServing
	case c == nil:
		return nil, errors.New("this worker made no offer for the request (or forgot its result): quote it again")
	case full:
		return nil, errors.New("this worker has too many private settlements in flight; try later")
	}
	select {
	case <-c.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if c.err != nil {
		return nil, fmt.Errorf("the request fails here: %v", c.err)
	}
	price := s.price(c)
	if m.Denomination < price {
		return nil, fmt.Errorf("a denomination of %d is less than this worker's price %d", m.Denomination, price)
	}
	// The address, then spares for blame rounds (a blame round needs a
	// fresh output address, or the coordinator would see which output
	// of the failed round is missing).
	addrs := make([]wire.PubKey, 1+privSpares)
	for i := range addrs {
		var seed [32]byte
		for {
			rand.Read(seed[:])
			k, err := privKey(*s.cfg.Key, seed[:])
			if err == nil {
				addrs[i] = k.PubKey()
				break
			}
		}
		rec := append(seed[:], m.Request[:]...)
		if err := s.db.Update(func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucketPrivate)
			if err != nil {
				return err
			}
			return b.Put(addrs[i][:], rec)
		}); err != nil {
			return nil, err
		}
	}
	to := addrs[0]
	env := &Envelope{Bounty: wire.Hash(to), Request: m.Request, Kind: c.kind, Fuel: c.fuel}
	env.Seal(s.deps.Net, *s.cfg.Key, c.value)
	j := &privJob{to: to, addrs: addrs, request: m.Request, price: price, from: from, rounds: map[wire.Hash]bool{}, env: env, value: c.value,
		created: s.now()}
	if err := s.call(ctx, func() {
		for _, a := range addrs {
			s.st.privs[a] = j
		}
		s.st.privBytes += len(j.value)
	}); err != nil {
		return nil, err
	}
	var out []byte
	for _, a := range addrs {
		out = append(out, a[:]...)
	}
	return out, nil
}

// prunePriv forgets the private jobs older than privJobLife (their keys
// stay derivable from market.db). Owner goroutine.
func (s *Service) prunePriv() {
	for to, j := range s.st.privs {
		if s.now().Sub(j.created) > privJobLife {
			if to == j.to {
				s.st.privBytes -= len(j.value)
			}
			delete(s.st.privs, to)
		}
	}
}

// privToken takes a handed token for one of this worker's fresh
// addresses: checked against the round's coordinator, once per round,
// then redeemed like any participant's.
func (s *Service) privToken(ctx context.Context, tb Tumbler, from peer.ID, m *PrivateMsg) error {
	var j *privJob
	replay := false
	if err := s.call(ctx, func() {
		j = s.st.privs[m.To]
		replay = j != nil && j.rounds[m.Round]
	}); err != nil {
		return err
	}
	switch {
	case j == nil || j.request != m.Request || j.from != from:
		return errors.New("not an address this worker gave this node for this request")
	case replay:
		return errors.New("a replayed token: this round's token for the address was taken already")
	}
	h := Handover{Round: m.Round, Coordinator: m.Coordinator, To: m.To, Token: m.Token}
	denom, err := tb.CheckHandover(ctx, h)
	if err != nil {
		return err
	}
	if denom < j.price {
		return fmt.Errorf("the round's denomination %d is less than this worker's price %d", denom, j.price)
	}
	replay = false
	if err := s.call(ctx, func() {
		replay = j.rounds[m.Round]
		if !replay {
			j.rounds[m.Round], j.denom, j.redeeming = true, denom, true
		}
	}); err != nil {
		return err
	}
	if replay {
		return errors.New("a replayed token: this round's token for the address was taken already")
	}
	s.spawn(func() {
		err := tb.Redeem(s.ctx, h)
		if err != nil {
			s.log.Info("private settlement: the output was not registered", "round", m.Round.Short(), "err", err)
		}
		s.post(func() {
			j.redeeming = false
			j.registered = j.registered || err == nil
			s.emit(Event{Kind: EventJob, Request: j.request, Bounty: wire.Hash(j.to), State: "private-registered"})
		})
	})
	return nil
}

// privFetch answers the requester: waiting, the signed result hash once
// the output is registered, the result once the address is paid.
func (s *Service) privFetch(ctx context.Context, tb Tumbler, from peer.ID, m *PrivateMsg) ([]byte, error) {
	var j *privJob
	registered, denom := false, uint64(0)
	if err := s.call(ctx, func() {
		if j = s.st.privs[m.To]; j != nil {
			registered, denom = j.registered, j.denom
		}
	}); err != nil {
		return nil, err
	}
	if j == nil || j.request != m.Request || j.from != from {
		return nil, errors.New("not an address this worker gave this node for this request")
	}
	if !registered {
		return (&FetchAnswer{State: fetchWaiting}).Encode(), nil
	}
	paid := false
	for _, a := range j.addrs {
		if b, err := tb.Balance(ctx, a); err == nil && b >= denom && denom > 0 {
			paid = true
		}
	}
	if !paid {
		return (&FetchAnswer{State: fetchHash, Envelope: j.env}).Encode(), nil
	}
	return (&FetchAnswer{State: fetchResult, Envelope: j.env, Value: j.value}).Encode(), nil
}

// askPrivate sends one message to a worker and returns its payload.
func (s *Service) askPrivate(ctx context.Context, to peer.ID, m *PrivateMsg) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, streamTimeout)
	defer cancel()
	st, err := s.deps.Host.LibP2P().NewStream(ctx, to, ProtoPrivate(s.deps.Net))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	st.SetDeadline(time.Now().Add(streamTimeout + MaxResultSize>>20*resultPerMiB))
	if _, err := st.Write(m.Encode()); err != nil {
		st.Reset()
		return nil, err
	}
	if err := st.CloseWrite(); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(st, 1+1+EnvelopeSize+MaxResultSize))
	if err != nil {
		return nil, err
	}
	switch {
	case len(b) == 0:
		return nil, errors.New("the worker closed the stream without an answer")
	case b[0] != 0:
		return nil, fmt.Errorf("the worker refused: %s", b[1:min(len(b), 1+maxReason)])
	}
	return b[1:], nil
}

// Private implements API: it starts a private settlement of a quoted
// request with the worker of one offer and returns at once; PrivateJobs
// shows its progress and Result(job ID) its result.
func (s *Service) Private(ctx context.Context, o PrivateOptions) (*PrivateJob, error) {
	tb := s.tumbler()
	if tb == nil || s.deps.Host == nil {
		return nil, errors.New("market: private settlements need the tumbler: start the node without --no-tumbler")
	}
	payer, err := wire.PrivKeyFromBytes(o.Secret)
	if err != nil {
		return nil, fmt.Errorf("market: the paying account's key: %v", err)
	}
	var offer Offer
	var worker peer.ID
	var pj *PrivateJob
	busy := false
	if err := s.call(ctx, func() {
		l := s.st.reqs[o.Request]
		if l == nil || !l.mine {
			return
		}
		offer, worker = l.offers[o.Worker], l.peers[o.Worker]
		if offer.Worker != o.Worker || worker == "" || worker == s.self {
			return
		}
		for _, q := range s.st.privAsked {
			if q.Input == payer.PubKey() && q.State != PrivResult && q.State != PrivFailed {
				busy = true // its tumbler registration is found by the paying key
				return
			}
		}
		pj = &PrivateJob{Request: o.Request, Worker: o.Worker, Input: payer.PubKey(), Price: offer.Price, State: PrivWaiting}
		if len(s.st.privAsked) >= maxPrivAsked {
			s.st.privAsked = s.st.privAsked[1:]
		}
		s.st.privAsked = append(s.st.privAsked, pj)
	}); err != nil {
		return nil, err
	}
	if busy {
		return nil, errors.New("market: this account already pays a private settlement in flight; wait for it to end, or pay from another account")
	}
	if pj == nil {
		return nil, fmt.Errorf("market: no offer from worker %s on another node for request %s (quote it first)", wire.EncodeAddress(s.deps.Net, o.Worker), o.Request.Short())
	}
	out := *pj
	s.spawn(func() {
		err := s.runPrivate(tb, pj, payer, worker)
		s.setPriv(pj, func() {
			if err != nil {
				pj.State, pj.Error = PrivFailed, err.Error()
			}
		})
	})
	return &out, nil
}

// PrivateJobs implements API: this node's private settlements, newest
// first.
func (s *Service) PrivateJobs(ctx context.Context) ([]PrivateJob, error) {
	var out []PrivateJob
	err := s.call(ctx, func() {
		for i := len(s.st.privAsked) - 1; i >= 0; i-- {
			out = append(out, *s.st.privAsked[i])
		}
	})
	return out, err
}

func (s *Service) setPriv(pj *PrivateJob, f func()) {
	s.call(context.Background(), func() {
		before := pj.State
		f()
		if pj.State != before {
			s.emit(Event{Kind: EventJob, Request: pj.Request, Bounty: pj.ID, State: "private-" + pj.State})
		}
	})
}

// runPrivate is the requester's side, step by step.
func (s *Service) runPrivate(tb Tumbler, pj *PrivateJob, payer wire.PrivKey, worker peer.ID) error {
	ctx := s.ctx
	tk := time.NewTicker(privPoll)
	defer tk.Stop()
	wait := func() error {
		select {
		case <-ctx.Done():
			return errors.New("the node stopped")
		case <-tk.C:
			return nil
		}
	}
	// A round of a denomination covering the price.
	var r PrivateRound
	deadline := s.now().Add(privRoundWait)
	for {
		var err error
		if r, err = tb.OpenRound(ctx, pj.Price); err == nil {
			break
		}
		if s.now().After(deadline) {
			return fmt.Errorf("no tumbler round took a denomination of at least %d in %s: %v", pj.Price, privRoundWait, err)
		}
		if err := wait(); err != nil {
			return err
		}
	}
	// The worker's fresh address.
	b, err := s.askPrivate(ctx, worker, &PrivateMsg{Net: s.deps.Net.ID, Kind: PrivateAsk, Request: pj.Request, Round: r.ID, Denomination: r.Denomination})
	if err != nil {
		return fmt.Errorf("asking the worker for an address: %w", err)
	}
	if len(b) < wire.PubKeySize || len(b)%wire.PubKeySize != 0 || len(b) > (1+privSpares)*wire.PubKeySize {
		return errors.New("the worker answered no address")
	}
	to := wire.PubKey(b[:wire.PubKeySize])
	var spares []wire.PubKey
	for i := wire.PubKeySize; i < len(b); i += wire.PubKeySize {
		spares = append(spares, wire.PubKey(b[i:i+wire.PubKeySize]))
	}
	s.setPriv(pj, func() {
		pj.To, pj.ID, pj.Round, pj.Denomination, pj.Cost = to, wire.Hash(to), r.ID, r.Denomination, r.Cost
	})
	if err := tb.JoinHanded(ctx, payer.Bytes(), r.Denomination+r.Cost, r.ID, to, spares); err != nil {
		return err
	}
	s.setPriv(pj, func() { pj.State = PrivRegistered })
	var handed wire.Hash
	var env *Envelope
	signed, confirmed := false, false
	var paidAt time.Time
	for ; ; wait() {
		if ctx.Err() != nil {
			return errors.New("the node stopped")
		}
		h, ts, ok := tb.Handed(payer.PubKey())
		if ts.Ended && !ts.Done {
			return fmt.Errorf("the tumble failed: %s", ts.Error)
		}
		// Hand the token over (again in a blame round, which brings a
		// fresh one).
		if ok && h.Round != handed {
			m := &PrivateMsg{Net: s.deps.Net.ID, Kind: PrivateToken, Request: pj.Request, Round: h.Round, To: h.To,
				Coordinator: h.Coordinator, Token: h.Token}
			if _, err := s.askPrivate(ctx, worker, m); err != nil {
				return fmt.Errorf("handing the token over: %w", err)
			}
			handed = h.Round
			s.setPriv(pj, func() {
				pj.Round, pj.To = h.Round, h.To
				if pj.State == PrivRegistered {
					pj.State = PrivHanded
				}
			})
		}
		if handed.IsZero() {
			continue
		}
		if confirmed && s.now().Sub(paidAt) > privResultWait {
			return fmt.Errorf("the worker was paid (tumble %s) and has not sent the result in %s; its signed hash is %s", ts.TxID.Short(), privResultWait, env.Result)
		}
		b, err := s.askPrivate(ctx, worker, &PrivateMsg{Net: s.deps.Net.ID, Kind: PrivateFetch, Request: pj.Request, Round: handed, To: to})
		if err != nil {
			s.log.Debug("private settlement: fetch", "err", err)
			continue
		}
		a, err := DecodeFetchAnswer(b)
		if err != nil {
			return fmt.Errorf("the worker's answer: %w", err)
		}
		if a.State == fetchWaiting {
			continue
		}
		if env == nil {
			if err := a.Envelope.Check(s.deps.Net); err != nil {
				return err
			}
			if a.Envelope.Worker != pj.Worker || a.Envelope.Request != pj.Request || a.Envelope.Bounty != wire.Hash(to) {
				return errors.New("the worker's envelope names another worker, request or settlement")
			}
			env = a.Envelope
			s.setPriv(pj, func() { pj.State = PrivHash })
		} else if a.Envelope.Hash() != env.Hash() {
			return errors.New("the worker sent another envelope than the one it signed first")
		}
		if !signed && !ts.Done {
			// The batch holds the worker's output: this node's
			// participant checks it has its To before signing.
			if err := tb.CoSign(ctx, h.Round); err != nil {
				continue // no batch yet
			}
			signed = true
			s.setPriv(pj, func() { pj.State = PrivSigned })
		}
		if !confirmed {
			// Confirmed when this node's chain shows the worker's address
			// paid (the tumble, as the registration saw it submitted).
			if paid, err := tb.Balance(ctx, h.To); err == nil && ok && paid >= pj.Denomination && signed {
				confirmed, paidAt = true, s.now()
				s.setPriv(pj, func() { pj.TxID, pj.State = ts.TxID, PrivConfirmed })
			}
		}
		if !confirmed {
			continue
		}
		if a.State == fetchResult {
			if err := env.Matches(a.Value); err != nil {
				return err
			}
			if err := storeResult(s.db, env, a.Value); err != nil {
				return err
			}
			s.setPriv(pj, func() {
				if pj.TxID.IsZero() {
					pj.TxID = ts.TxID
				}
				pj.State = PrivResult
			})
			s.post(func() { s.emit(Event{Kind: EventResult, Bounty: env.Bounty, Request: env.Request}) })
			return nil
		}
	}
}
