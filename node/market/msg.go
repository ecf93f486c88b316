package market

import (
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// Message versions and bounds. Every decoder checks a length against its
// cap before allocating and rejects trailing bytes (wire's rules), so each
// message has exactly one encoding.
const (
	msgVersion = 1

	// MaxExprSize bounds a request's canonical expression (above
	// expr.MaxCanonical).
	MaxExprSize = 9 << 10
	// MaxPeerIDSize bounds the requester's peer ID (a libp2p ID is ~38 bytes).
	MaxPeerIDSize = 128
	// MaxRequestSize bounds an encoded request.
	MaxRequestSize = 1 + 4 + 3 + MaxExprSize + 2 + MaxPeerIDSize + 8 + 8
	// OfferSize is the size of an encoded offer.
	OfferSize = 1 + 4 + wire.HashSize + 8 + 4 + 8 + wire.PubKeySize + 8 + wire.SigSize
	// EnvelopeSize is the size of an encoded result envelope.
	EnvelopeSize = 1 + 4 + 3*wire.HashSize + 8 + 1 + 8 + wire.PubKeySize + wire.SigSize
	// MaxResultSize bounds a result value (a 4 K image as PNG fits).
	MaxResultSize = 32 << 20
	// MaxTTL bounds how far in the future a request or an offer may expire.
	MaxTTL = 3600
)

// Errors of the messages.
var (
	ErrWrongNetwork = errors.New("market: message for another network")
	ErrExpired      = errors.New("market: message expired")
	ErrTooFarAhead  = errors.New("market: message expires too far in the future")
)

// Result kinds, as a transform returns them.
const (
	KindBytes  = "bytes"
	KindString = "string"
	KindJSON   = "json"
)

var kinds = []string{KindBytes, KindString, KindJSON}

func kindCode(k string) (uint8, bool) {
	for i, s := range kinds {
		if s == k {
			return uint8(i), true
		}
	}
	return 0, false
}

// RequestID is the ID of a request expression: SHA-256 under the tag
// "bitverse/request/v1" of its canonical text (node/market/expr's ID).
func RequestID(canonical []byte) wire.Hash {
	return wire.TaggedSum("bitverse/request/v1", canonical)
}

// Request is what a requester gossips: the expression, where to send
// offers, until when. It is unsigned: anyone may ask, and a request costs
// its relays nothing but bandwidth, which per-peer rate limits bound. The
// requester's on-chain identity appears only in the bounty.
//
//	version u8 ‖ net u32 ‖ expr varbytes ‖ peer varbytes ‖ expires u64 ‖ nonce u64
type Request struct {
	Net     uint32
	Expr    []byte // canonical expression text
	Peer    []byte // the requester node's libp2p peer ID (bytes)
	Expires int64  // unix seconds
	Nonce   uint64 // tells two askings of one expression apart in gossip
}

// ID is the request ID: the expression's ID. Two requesters of one
// expression ask for the same result.
func (r *Request) ID() wire.Hash { return RequestID(r.Expr) }

// Encode returns the canonical encoding.
func (r *Request) Encode() []byte {
	w := wire.NewWriter(32 + len(r.Expr) + len(r.Peer))
	w.U8(msgVersion)
	w.U32(r.Net)
	w.VarBytes(r.Expr)
	w.VarBytes(r.Peer)
	w.I64(r.Expires)
	w.U64(r.Nonce)
	return w.Bytes()
}

// DecodeRequest decodes exactly one request; it checks the form only
// (Check checks network and expiry).
func DecodeRequest(b []byte) (*Request, error) {
	if len(b) > MaxRequestSize {
		return nil, fmt.Errorf("%w: request of %d bytes (max %d): %w", wire.ErrMalformed, len(b), MaxRequestSize, wire.ErrTooLarge)
	}
	rd := wire.NewReader(b)
	version(rd)
	r := &Request{Net: rd.U32()}
	r.Expr = rd.VarBytes(MaxExprSize, "expression")
	r.Peer = rd.VarBytes(MaxPeerIDSize, "peer ID")
	r.Expires = rd.I64()
	r.Nonce = rd.U64()
	if err := rd.Done(); err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	if len(r.Expr) == 0 {
		return nil, fmt.Errorf("request: %w: empty expression", wire.ErrMalformed)
	}
	if len(r.Peer) == 0 {
		return nil, fmt.Errorf("request: %w: no peer to send offers to", wire.ErrMalformed)
	}
	return r, nil
}

// Check checks the network and that the request lives at now (unix
// seconds) and not longer than MaxTTL.
func (r *Request) Check(net wire.Network, now int64) error {
	return checkLife(net, r.Net, r.Expires, now)
}

func checkLife(net wire.Network, id uint32, expires, now int64) error {
	if id != net.ID {
		return fmt.Errorf("%w (%#x, this is %s)", ErrWrongNetwork, id, net.Name)
	}
	if expires <= now {
		return fmt.Errorf("%w %d s ago", ErrExpired, now-expires)
	}
	if expires > now+MaxTTL {
		return fmt.Errorf("%w (in %d s, at most %d)", ErrTooFarAhead, expires-now, MaxTTL)
	}
	return nil
}

func version(rd *wire.Reader) {
	if v := rd.U8(); rd.Err() == nil && v != msgVersion {
		rd.Fail(fmt.Errorf("%w: version %d (this node speaks %d)", wire.ErrMalformed, v, msgVersion))
	}
}

// Offer is a serving node's signed answer to a request, sent straight to
// the requester: the price it asks as a bounty, how long it expects to
// take, how much fuel it expects to burn, and the on-chain identity that
// will accept the bounty and be paid.
//
//	version u8 ‖ net u32 ‖ request [32] ‖ price u64 ‖ latency_ms u32 ‖ fuel u64 ‖ worker [32] ‖ expires u64 ‖ sig [64]
type Offer struct {
	Net       uint32
	Request   wire.Hash
	Price     uint64
	LatencyMS uint32
	Fuel      uint64
	Worker    wire.PubKey
	Expires   int64
	Sig       wire.Signature
}

func (o *Offer) encodeUnsigned(w *wire.Writer) {
	w.U8(msgVersion)
	w.U32(o.Net)
	w.Hash(o.Request)
	w.U64(o.Price)
	w.U32(o.LatencyMS)
	w.U64(o.Fuel)
	w.Fixed(o.Worker[:])
	w.I64(o.Expires)
}

// Encode returns the canonical encoding.
func (o *Offer) Encode() []byte {
	w := wire.NewWriter(OfferSize)
	o.encodeUnsigned(w)
	w.Fixed(o.Sig[:])
	return w.Bytes()
}

// SigHash is what the worker signs: the encoding without the signature
// under the tag "bitverse/offer/v1" (the network ID is in the encoding).
func (o *Offer) SigHash() wire.Hash {
	w := wire.NewWriter(OfferSize)
	o.encodeUnsigned(w)
	return wire.TaggedSum("bitverse/offer/v1", w.Bytes())
}

// Sign sets Net and Worker and signs the offer.
func (o *Offer) Sign(net wire.Network, k wire.PrivKey) {
	o.Net, o.Worker = net.ID, k.PubKey()
	o.Sig = k.Sign(o.SigHash())
}

// Check checks network, expiry and signature (cheapest first).
func (o *Offer) Check(net wire.Network, now int64) error {
	if err := checkLife(net, o.Net, o.Expires, now); err != nil {
		return fmt.Errorf("offer: %w", err)
	}
	if err := wire.Verify(o.Worker, o.SigHash(), o.Sig); err != nil {
		return fmt.Errorf("offer: %w", err)
	}
	return nil
}

// DecodeOffer decodes exactly one offer (form only; Check verifies it).
func DecodeOffer(b []byte) (*Offer, error) {
	if len(b) != OfferSize {
		return nil, fmt.Errorf("offer: %w: %d bytes, an offer is %d", wire.ErrMalformed, len(b), OfferSize)
	}
	rd := wire.NewReader(b)
	version(rd)
	o := &Offer{Net: rd.U32(), Request: rd.Hash(), Price: rd.U64(), LatencyMS: rd.U32(), Fuel: rd.U64()}
	copy(o.Worker[:], rd.Fixed(wire.PubKeySize))
	o.Expires = rd.I64()
	copy(o.Sig[:], rd.Fixed(wire.SigSize))
	if err := rd.Done(); err != nil {
		return nil, fmt.Errorf("offer: %w", err)
	}
	return o, nil
}

// Envelope is the worker's signed statement of a result: which bounty and
// request it answers, the SHA-256 of the result bytes, their size and
// kind, and the fuel the computation burnt. Its Hash is what the commit
// transaction puts on chain, so a delivered result is checked against the
// chain, not against the worker's word.
//
//	version u8 ‖ net u32 ‖ bounty [32] ‖ request [32] ‖ result [32] ‖ size u64 ‖ kind u8 ‖ fuel u64 ‖ worker [32] ‖ sig [64]
type Envelope struct {
	Net     uint32
	Bounty  wire.Hash
	Request wire.Hash
	Result  wire.Hash // SHA-256 of the value
	Size    uint64
	Kind    string // KindBytes, KindString or KindJSON
	Fuel    uint64
	Worker  wire.PubKey
	Sig     wire.Signature
}

func (e *Envelope) encodeUnsigned(w *wire.Writer) {
	k, _ := kindCode(e.Kind)
	w.U8(msgVersion)
	w.U32(e.Net)
	w.Hash(e.Bounty)
	w.Hash(e.Request)
	w.Hash(e.Result)
	w.U64(e.Size)
	w.U8(k)
	w.U64(e.Fuel)
	w.Fixed(e.Worker[:])
}

// Encode returns the canonical encoding.
func (e *Envelope) Encode() []byte {
	w := wire.NewWriter(EnvelopeSize)
	e.encodeUnsigned(w)
	w.Fixed(e.Sig[:])
	return w.Bytes()
}

// SigHash is what the worker signs (tag "bitverse/envelope/v1").
func (e *Envelope) SigHash() wire.Hash {
	w := wire.NewWriter(EnvelopeSize)
	e.encodeUnsigned(w)
	return wire.TaggedSum("bitverse/envelope/v1", w.Bytes())
}

// Hash is the envelope's ID, the hash the commit transaction carries:
// SHA-256 of the full encoding, signature included.
func (e *Envelope) Hash() wire.Hash { return wire.Sum(e.Encode()) }

// Seal fills the result fields from value and signs the envelope.
func (e *Envelope) Seal(net wire.Network, k wire.PrivKey, value []byte) {
	e.Net, e.Worker = net.ID, k.PubKey()
	e.Result, e.Size = wire.Sum(value), uint64(len(value))
	e.Sig = k.Sign(e.SigHash())
}

// Check checks the network, the kind and the signature.
func (e *Envelope) Check(net wire.Network) error {
	if e.Net != net.ID {
		return fmt.Errorf("envelope: %w (%#x, this is %s)", ErrWrongNetwork, e.Net, net.Name)
	}
	if _, ok := kindCode(e.Kind); !ok {
		return fmt.Errorf("envelope: %w: kind %q", wire.ErrMalformed, e.Kind)
	}
	if err := wire.Verify(e.Worker, e.SigHash(), e.Sig); err != nil {
		return fmt.Errorf("envelope: %w", err)
	}
	return nil
}

// Matches checks that value is the result the envelope states.
func (e *Envelope) Matches(value []byte) error {
	if uint64(len(value)) != e.Size {
		return fmt.Errorf("result is %d bytes, the envelope says %d", len(value), e.Size)
	}
	if wire.Sum(value) != e.Result {
		return errors.New("result does not hash to the envelope's result hash")
	}
	return nil
}

// DecodeEnvelope decodes exactly one envelope (form only).
func DecodeEnvelope(b []byte) (*Envelope, error) {
	if len(b) != EnvelopeSize {
		return nil, fmt.Errorf("envelope: %w: %d bytes, an envelope is %d", wire.ErrMalformed, len(b), EnvelopeSize)
	}
	rd := wire.NewReader(b)
	version(rd)
	e := &Envelope{Net: rd.U32(), Bounty: rd.Hash(), Request: rd.Hash(), Result: rd.Hash(), Size: rd.U64()}
	k := rd.U8()
	if rd.Err() == nil && int(k) >= len(kinds) {
		rd.Fail(fmt.Errorf("%w: kind %d", wire.ErrMalformed, k))
	} else if rd.Err() == nil {
		e.Kind = kinds[k]
	}
	e.Fuel = rd.U64()
	copy(e.Worker[:], rd.Fixed(wire.PubKeySize))
	copy(e.Sig[:], rd.Fixed(wire.SigSize))
	if err := rd.Done(); err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	if e.Size > MaxResultSize {
		return nil, fmt.Errorf("envelope: %w: result of %d bytes (max %d): %w", wire.ErrMalformed, e.Size, MaxResultSize, wire.ErrTooLarge)
	}
	return e, nil
}
