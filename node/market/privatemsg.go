package market

import (
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// PrivateMsg is a requester's message to a worker about a private
// settlement (one per stream on /bitverse/<net>/market/private/1):
//
//	version u8 ‖ net u32 ‖ kind u8 ‖ request [32] ‖ round [32] ‖ body
//	kind 1 ask:   denomination u64
//	kind 2 token: to [32] ‖ coordinator varbytes (≤ 128) ‖ token varbytes (= 256)
//	kind 3 fetch: to [32]
type PrivateMsg struct {
	Net          uint32
	Kind         uint8
	Request      wire.Hash
	Round        wire.Hash
	Denomination uint64      // ask
	To           wire.PubKey // token, fetch: the worker's fresh address
	Coordinator  []byte      // token: the round's coordinator (libp2p peer ID bytes)
	Token        []byte      // token: the unblinded output token
}

// Kinds of PrivateMsg.
const (
	PrivateAsk   uint8 = 1 // which fresh address to pay?
	PrivateToken uint8 = 2 // the token that pays it
	PrivateFetch uint8 = 3 // the envelope, then the result
)

// Bounds of a PrivateMsg.
const (
	privateTokenSize = 256 // a round's token (tumbler.TokenSize)
	maxPeerIDSize    = 128
	// MaxPrivateMsgSize is the largest encoding (a token message).
	MaxPrivateMsgSize = 1 + 4 + 1 + 32 + 32 + 32 + 2 + maxPeerIDSize + 2 + privateTokenSize
)

// Encode returns the canonical encoding.
func (m *PrivateMsg) Encode() []byte {
	w := wire.NewWriter(MaxPrivateMsgSize)
	w.U8(msgVersion)
	w.U32(m.Net)
	w.U8(m.Kind)
	w.Hash(m.Request)
	w.Hash(m.Round)
	switch m.Kind {
	case PrivateAsk:
		w.U64(m.Denomination)
	case PrivateToken:
		w.Fixed(m.To[:])
		w.VarBytes(m.Coordinator)
		w.VarBytes(m.Token)
	case PrivateFetch:
		w.Fixed(m.To[:])
	}
	return w.Bytes()
}

// DecodePrivateMsg decodes exactly one message (form only: the worker
// checks the rest).
func DecodePrivateMsg(b []byte) (*PrivateMsg, error) {
	if len(b) > MaxPrivateMsgSize {
		return nil, fmt.Errorf("private message: %w: %d bytes (at most %d): %w", wire.ErrMalformed, len(b), MaxPrivateMsgSize, wire.ErrTooLarge)
	}
	rd := wire.NewReader(b)
	version(rd)
	m := &PrivateMsg{Net: rd.U32(), Kind: rd.U8(), Request: rd.Hash(), Round: rd.Hash()}
	switch {
	case rd.Err() != nil:
	case m.Kind == PrivateAsk:
		m.Denomination = rd.U64()
	case m.Kind == PrivateToken:
		copy(m.To[:], rd.Fixed(wire.PubKeySize))
		m.Coordinator = rd.VarBytes(maxPeerIDSize, "coordinator")
		m.Token = rd.VarBytes(privateTokenSize, "token")
		if rd.Err() == nil && (len(m.Coordinator) == 0 || len(m.Token) != privateTokenSize) {
			rd.Fail(fmt.Errorf("%w: a token message needs a coordinator and a %d-byte token", wire.ErrMalformed, privateTokenSize))
		}
	case m.Kind == PrivateFetch:
		copy(m.To[:], rd.Fixed(wire.PubKeySize))
	default:
		rd.Fail(fmt.Errorf("%w: private message kind %d", wire.ErrMalformed, m.Kind))
	}
	if err := rd.Done(); err != nil {
		return nil, fmt.Errorf("private message: %w", err)
	}
	return m, nil
}

// Fetch answers: what the worker has for a private settlement.
const (
	fetchWaiting uint8 = 1 // its output is not registered yet
	fetchHash    uint8 = 2 // registered: ‖ envelope (the result's hash, signed)
	fetchResult  uint8 = 3 // paid on chain: ‖ envelope ‖ value
)

// FetchAnswer is a worker's answer to a fetch.
type FetchAnswer struct {
	State    uint8
	Envelope *Envelope
	Value    []byte
}

// DecodeFetchAnswer decodes a fetch answer (after the 0 status byte): a
// state, then the envelope from state 2, then exactly its value in
// state 3.
func DecodeFetchAnswer(b []byte) (*FetchAnswer, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("fetch answer: %w: empty", wire.ErrMalformed)
	}
	a := &FetchAnswer{State: b[0]}
	switch a.State {
	case fetchWaiting:
		if len(b) != 1 {
			return nil, fmt.Errorf("fetch answer: %w: trailing bytes", wire.ErrMalformed)
		}
		return a, nil
	case fetchHash, fetchResult:
	default:
		return nil, fmt.Errorf("fetch answer: %w: state %d", wire.ErrMalformed, a.State)
	}
	if len(b) < 1+EnvelopeSize {
		return nil, fmt.Errorf("fetch answer: %w: short envelope", wire.ErrMalformed)
	}
	e, err := DecodeEnvelope(b[1 : 1+EnvelopeSize])
	if err != nil {
		return nil, fmt.Errorf("fetch answer: %w", err)
	}
	a.Envelope = e
	rest := b[1+EnvelopeSize:]
	switch {
	case a.State == fetchHash && len(rest) != 0:
		return nil, fmt.Errorf("fetch answer: %w: trailing bytes", wire.ErrMalformed)
	case a.State == fetchResult && uint64(len(rest)) != e.Size:
		return nil, fmt.Errorf("fetch answer: %w: a value of %d bytes, the envelope says %d", wire.ErrMalformed, len(rest), e.Size)
	}
	if a.State == fetchResult {
		a.Value = rest
	}
	return a, nil
}

// Encode is the answer's encoding (without the status byte).
func (a *FetchAnswer) Encode() []byte {
	out := []byte{a.State}
	if a.Envelope != nil {
		out = append(out, a.Envelope.Encode()...)
	}
	return append(out, a.Value...)
}
