package wire

import (
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
)

// PubKeySize is the size of an x-only (BIP340) public key.
const PubKeySize = 32

// SigSize is the size of a BIP340 Schnorr signature.
const SigSize = 64

// PubKey is an x-only secp256k1 public key as BIP340 defines it. Its bytes are
// the account identity; an Address is its checksummed text form.
type PubKey [PubKeySize]byte

// Signature is a BIP340 Schnorr signature.
type Signature [SigSize]byte

// PrivKey is a secp256k1 private key.
type PrivKey struct{ k *btcec.PrivateKey }

// PrivKeyFromBytes builds a key from 32 bytes (which must be a valid scalar).
func PrivKeyFromBytes(b []byte) (PrivKey, error) {
	if len(b) != 32 {
		return PrivKey{}, fmt.Errorf("private key must be 32 bytes, got %d", len(b))
	}
	var s btcec.ModNScalar
	if overflow := s.SetByteSlice(b); overflow || s.IsZero() {
		return PrivKey{}, fmt.Errorf("private key is zero or out of range")
	}
	return PrivKey{k: btcec.PrivKeyFromScalar(&s)}, nil
}

// NewPrivKey generates a fresh random key.
func NewPrivKey() (PrivKey, error) {
	k, err := btcec.NewPrivateKey()
	if err != nil {
		return PrivKey{}, err
	}
	return PrivKey{k: k}, nil
}

// Bytes returns the 32-byte secret. Handle with care.
func (p PrivKey) Bytes() []byte { return p.k.Serialize() }

// PubKey returns the x-only public key.
func (p PrivKey) PubKey() PubKey {
	var pk PubKey
	copy(pk[:], schnorr.SerializePubKey(p.k.PubKey()))
	return pk
}

// Sign signs a 32-byte message hash (BIP340, deterministic nonce).
func (p PrivKey) Sign(msg Hash) Signature {
	sig, err := schnorr.Sign(p.k, msg[:], schnorr.FastSign())
	if err != nil {
		// Only possible with a zero key, which PrivKeyFromBytes rejects.
		panic("wire: schnorr sign: " + err.Error())
	}
	var out Signature
	copy(out[:], sig.Serialize())
	return out
}

// Verify checks a BIP340 signature of msg by pk. This is the expensive
// operation of validation (≈200 µs); callers cache results.
func Verify(pk PubKey, msg Hash, sig Signature) error {
	pub, err := schnorr.ParsePubKey(pk[:])
	if err != nil {
		return fmt.Errorf("%w: public key is not on the curve", ErrBadSignature)
	}
	s, err := schnorr.ParseSignature(sig[:])
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if !s.Verify(msg[:], pub) {
		return fmt.Errorf("%w: signature does not match", ErrBadSignature)
	}
	return nil
}

// IsZero reports whether pk is all zeros (no key).
func (pk PubKey) IsZero() bool { return pk == PubKey{} }
