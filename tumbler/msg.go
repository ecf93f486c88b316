package tumbler

import (
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// Message size bounds: every decoder refuses more before it allocates.
const (
	MaxInputRegSize  = 1 + 32 + 32 + 8 + 10 + 32 + 3 + TokenSize + 64
	MaxOutputRegSize = 1 + 32 + 32 + 3 + TokenSize
	MaxSignMsgSize   = 1 + 32 + 32 + 1 + 3 + NonceSize + 64
	// A status carries the terms, the batch with every input's signed
	// registration, the nonces and the blame evidence.
	MaxStatusSize = 64 << 10
)

// InputReg registers one input: signed by the input's key, it commits to
// the amount taken, the account nonce, the change address and the blinded
// token (by hash, so the published registration reveals nothing of it).
type InputReg struct {
	Round   wire.Hash
	Key     wire.PubKey
	Amount  uint64
	Nonce   uint64 // Key's next account nonce
	Change  wire.PubKey
	Blinded []byte // the blinded token message (TokenSize)
	Sig     wire.Signature
}

// SigHash is what the input key signs.
func (g *InputReg) SigHash() wire.Hash {
	bh := wire.Sum(g.Blinded)
	return signedReg(g.Round, g.Key, g.Amount, g.Nonce, g.Change, bh)
}

func signedReg(round wire.Hash, key wire.PubKey, amount, nonce uint64, change wire.PubKey, blinded wire.Hash) wire.Hash {
	w := wire.NewWriter(160)
	w.Hash(round)
	w.Fixed(key[:])
	w.U64(amount)
	w.U64(nonce)
	w.Fixed(change[:])
	w.Hash(blinded)
	return wire.TaggedSum("bitverse/tumbler/input/v1", w.Bytes())
}

// Encode encodes the registration.
func (g *InputReg) Encode() []byte {
	w := wire.NewWriter(MaxInputRegSize)
	w.U8(1)
	w.Hash(g.Round)
	w.Fixed(g.Key[:])
	w.U64(g.Amount)
	w.Uvarint(g.Nonce)
	w.Fixed(g.Change[:])
	w.VarBytes(g.Blinded)
	w.Fixed(g.Sig[:])
	return w.Bytes()
}

// DecodeInputReg decodes one input registration.
func DecodeInputReg(b []byte) (*InputReg, error) {
	if len(b) > MaxInputRegSize {
		return nil, errors.New("input registration too long")
	}
	r := wire.NewReader(b)
	version(r)
	var g InputReg
	g.Round = r.Hash()
	copy(g.Key[:], r.Fixed(32))
	g.Amount = r.U64()
	g.Nonce = r.Uvarint()
	copy(g.Change[:], r.Fixed(32))
	g.Blinded = r.VarBytes(TokenSize, "blinded token")
	copy(g.Sig[:], r.Fixed(64))
	if err := r.Done(); err != nil {
		return nil, err
	}
	return &g, nil
}

// PublicReg is an input registration as the batch publishes it to every
// participant: the blinded token replaced by its hash.
type PublicReg struct {
	Key         wire.PubKey
	Amount      uint64
	Nonce       uint64
	Change      wire.PubKey
	BlindedHash wire.Hash
	Sig         wire.Signature
}

func (p *PublicReg) verify(round wire.Hash) error {
	return wire.Verify(p.Key, signedReg(round, p.Key, p.Amount, p.Nonce, p.Change, p.BlindedHash), p.Sig)
}

// OutputReg redeems one token for one denomination output. It carries
// nothing of its sender: it comes over a fresh identity's new stream.
type OutputReg struct {
	Round wire.Hash
	To    wire.PubKey
	Token []byte
}

// Encode encodes the registration.
func (o *OutputReg) Encode() []byte {
	w := wire.NewWriter(MaxOutputRegSize)
	w.U8(1)
	w.Hash(o.Round)
	w.Fixed(o.To[:])
	w.VarBytes(o.Token)
	return w.Bytes()
}

// DecodeOutputReg decodes one output registration.
func DecodeOutputReg(b []byte) (*OutputReg, error) {
	if len(b) > MaxOutputRegSize {
		return nil, errors.New("output registration too long")
	}
	r := wire.NewReader(b)
	version(r)
	var o OutputReg
	o.Round = r.Hash()
	copy(o.To[:], r.Fixed(32))
	o.Token = r.VarBytes(TokenSize, "token")
	if err := r.Done(); err != nil {
		return nil, err
	}
	return &o, nil
}

// Sign message kinds.
const (
	KindNonce   = 1 // a MuSig2 public nonce, signed by the input key
	KindPartial = 2 // a MuSig2 partial signature (it proves itself)
)

// SignMsg carries one input's nonce or partial signature.
type SignMsg struct {
	Round    wire.Hash
	Key      wire.PubKey
	Kind     uint8
	Data     []byte         // NonceSize or PartialSize bytes
	NonceSig wire.Signature // KindNonce: the input key's signature of (round, nonce)
}

func nonceSigHash(round wire.Hash, nonce []byte) wire.Hash {
	return wire.TaggedSum("bitverse/tumbler/nonce/v1", round[:], nonce)
}

// Encode encodes the message.
func (m *SignMsg) Encode() []byte {
	w := wire.NewWriter(MaxSignMsgSize)
	w.U8(1)
	w.Hash(m.Round)
	w.Fixed(m.Key[:])
	w.U8(m.Kind)
	w.VarBytes(m.Data)
	if m.Kind == KindNonce {
		w.Fixed(m.NonceSig[:])
	}
	return w.Bytes()
}

// DecodeSignMsg decodes one signing message.
func DecodeSignMsg(b []byte) (*SignMsg, error) {
	if len(b) > MaxSignMsgSize {
		return nil, errors.New("signing message too long")
	}
	r := wire.NewReader(b)
	version(r)
	var m SignMsg
	m.Round = r.Hash()
	copy(m.Key[:], r.Fixed(32))
	m.Kind = r.U8()
	m.Data = r.VarBytes(NonceSize, "signing data")
	switch {
	case r.Err() != nil:
	case m.Kind == KindNonce && len(m.Data) == NonceSize:
		copy(m.NonceSig[:], r.Fixed(64))
	case m.Kind == KindPartial && len(m.Data) == PartialSize:
	default:
		r.Fail(fmt.Errorf("signing message of kind %d with %d bytes", m.Kind, len(m.Data)))
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	return &m, nil
}

func version(r *wire.Reader) {
	if v := r.U8(); v != 1 && r.Err() == nil {
		r.Fail(fmt.Errorf("message version %d (this node speaks 1)", v))
	}
}
