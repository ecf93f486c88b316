package wire

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcec/v2/schnorr/musig2"
)

// TxTumble is a tumbler batch: coins from several accounts to several
// outputs, signed once by the MuSig2 aggregate of the input keys. The
// envelope's From is that aggregate key and its Sig an ordinary BIP-340
// signature, so the batch verifies and looks like any other transaction.
const TxTumble TxType = 18

// Tumble limits: a batch pays in from 2..MaxTumbleInputs accounts and out to
// 1..MaxTumbleOutputs outputs. At the limits the body is about 13 KB.
const (
	MaxTumbleInputs  = 100
	MaxTumbleOutputs = 200
)

// Encoded sizes of the tumble body's parts (an input's nonce is a varint:
// 1..10 bytes).
const (
	tumbleInputMinSize = PubKeySize + 8 + 1
	tumbleOutputSize   = PubKeySize + 8
)

// TumbleInput takes Amount from Key's balance. Nonce is Key's next account
// nonce; the batch increments it, so an input can be spent only once.
type TumbleInput struct {
	Key    PubKey
	Amount uint64
	Nonce  uint64
}

// TumbleOutput pays Amount to To.
type TumbleOutput struct {
	To     PubKey
	Amount uint64
}

// Tumble is the body of a tumbler batch. Round names the off-chain round
// (informational for consensus). Inputs are strictly increasing by Key and
// Outputs strictly increasing by (To, Amount): the one canonical order hides
// the order in which participants registered.
type Tumble struct {
	Round   Hash
	Inputs  []TumbleInput
	Outputs []TumbleOutput
}

// TxType implements Body.
func (Tumble) TxType() TxType { return TxTumble }

// encode writes
//
//	round 32 ‖ uvarint n ‖ n×(key 32 ‖ amount u64 ‖ nonce uvarint) ‖ uvarint m ‖ m×(to 32 ‖ amount u64)
func (b Tumble) encode(w *Writer) {
	w.Hash(b.Round)
	w.Uvarint(uint64(len(b.Inputs)))
	for _, in := range b.Inputs {
		w.Fixed(in.Key[:])
		w.U64(in.Amount)
		w.Uvarint(in.Nonce)
	}
	w.Uvarint(uint64(len(b.Outputs)))
	for _, out := range b.Outputs {
		w.Fixed(out.To[:])
		w.U64(out.Amount)
	}
}

func decodeTumble(r *Reader) Body {
	var b Tumble
	b.Round = r.Hash()
	n := r.Len(MaxTumbleInputs, tumbleInputMinSize, "tumble inputs")
	if n > 0 {
		b.Inputs = make([]TumbleInput, n)
	}
	for i := range b.Inputs {
		copy(b.Inputs[i].Key[:], r.Fixed(PubKeySize))
		b.Inputs[i].Amount = r.U64()
		b.Inputs[i].Nonce = r.Uvarint()
	}
	m := r.Len(MaxTumbleOutputs, tumbleOutputSize, "tumble outputs")
	if m > 0 {
		b.Outputs = make([]TumbleOutput, m)
	}
	for i := range b.Outputs {
		copy(b.Outputs[i].To[:], r.Fixed(PubKeySize))
		b.Outputs[i].Amount = r.U64()
	}
	if r.Err() != nil {
		return nil
	}
	if err := b.CheckShape(); err != nil {
		r.Fail(fmt.Errorf("%w: %w", ErrMalformed, err))
		return nil
	}
	return b
}

// CheckShape checks what needs no state: the counts within their limits and
// the canonical order (inputs strictly increasing by key, so no key twice;
// outputs strictly increasing by recipient, then amount). The decoder
// refuses any other shape; state checks it again for batches built in memory.
func (b Tumble) CheckShape() error {
	if n := len(b.Inputs); n < 2 || n > MaxTumbleInputs {
		return fmt.Errorf("a tumble has %d inputs; it needs 2 to %d", n, MaxTumbleInputs)
	}
	if m := len(b.Outputs); m < 1 || m > MaxTumbleOutputs {
		return fmt.Errorf("a tumble has %d outputs; it needs 1 to %d", m, MaxTumbleOutputs)
	}
	for i := 1; i < len(b.Inputs); i++ {
		if c := bytes.Compare(b.Inputs[i-1].Key[:], b.Inputs[i].Key[:]); c >= 0 {
			if c == 0 {
				return fmt.Errorf("tumble input %d repeats the key of input %d", i, i-1)
			}
			return fmt.Errorf("tumble inputs are not sorted by key (input %d sorts before input %d)", i, i-1)
		}
	}
	for i := 1; i < len(b.Outputs); i++ {
		p, o := b.Outputs[i-1], b.Outputs[i]
		c := bytes.Compare(p.To[:], o.To[:])
		if c > 0 || (c == 0 && p.Amount >= o.Amount) {
			if c == 0 && p.Amount == o.Amount {
				return fmt.Errorf("tumble output %d repeats output %d", i, i-1)
			}
			return fmt.Errorf("tumble outputs are not sorted by recipient and amount (output %d sorts before output %d)", i, i-1)
		}
	}
	return nil
}

// Keys returns the input keys in body order: what AggregateKey takes.
func (b Tumble) Keys() []PubKey {
	keys := make([]PubKey, len(b.Inputs))
	for i, in := range b.Inputs {
		keys[i] = in.Key
	}
	return keys
}

// InputSum is Σ input amounts, or ErrAmountOverflow.
func (b Tumble) InputSum() (uint64, error) {
	var s uint64
	var err error
	for _, in := range b.Inputs {
		if s, err = AddAmounts(s, in.Amount); err != nil {
			return 0, err
		}
	}
	return s, nil
}

// OutputSum is Σ output amounts, or ErrAmountOverflow.
func (b Tumble) OutputSum() (uint64, error) {
	var s uint64
	var err error
	for _, out := range b.Outputs {
		if s, err = AddAmounts(s, out.Amount); err != nil {
			return 0, err
		}
	}
	return s, nil
}

// Sort puts inputs and outputs in the canonical order (in place).
func (b *Tumble) Sort() {
	slices.SortFunc(b.Inputs, func(x, y TumbleInput) int { return bytes.Compare(x.Key[:], y.Key[:]) })
	slices.SortFunc(b.Outputs, func(x, y TumbleOutput) int {
		if c := bytes.Compare(x.To[:], y.To[:]); c != 0 {
			return c
		}
		switch {
		case x.Amount < y.Amount:
			return -1
		case x.Amount > y.Amount:
			return 1
		}
		return 0
	})
}

// LiftKeys lifts x-only keys to curve points with even Y (BIP-340 lift_x),
// as MuSig2 key aggregation takes them.
func LiftKeys(keys []PubKey) ([]*btcec.PublicKey, error) {
	out := make([]*btcec.PublicKey, len(keys))
	for i, k := range keys {
		p, err := schnorr.ParsePubKey(k[:])
		if err != nil {
			return nil, fmt.Errorf("%w: key %d (%x…) is not on the curve", ErrBadSignature, i, k[:4])
		}
		out[i] = p
	}
	return out, nil
}

// AggregateKey is BIP-327 KeyAgg (no tweak) of the x-only keys in the order
// given, each lifted with even Y; the result is the x-only aggregate. A
// BIP-340 signature by it is what MuSig2 co-signing of all the keys yields.
// It costs one scalar multiplication per key.
func AggregateKey(keys []PubKey) (PubKey, error) {
	if len(keys) == 0 {
		return PubKey{}, fmt.Errorf("%w: no keys to aggregate", ErrBadSignature)
	}
	pts, err := LiftKeys(keys)
	if err != nil {
		return PubKey{}, err
	}
	agg, _, _, err := musig2.AggregateKeys(pts, false)
	if err != nil {
		return PubKey{}, fmt.Errorf("%w: key aggregation: %v", ErrBadSignature, err)
	}
	var pk PubKey
	copy(pk[:], schnorr.SerializePubKey(agg.FinalKey))
	return pk, nil
}
