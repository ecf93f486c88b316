package wire

import (
	"crypto/sha256"
	"encoding/hex"
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

// Key is a public key lifted to its curve point (BIP340 lift_x, a field
// square root), so that a sender's signatures can be verified without
// lifting it again. Immutable; safe to share between goroutines.
type Key struct {
	pk PubKey
	p  btcec.JacobianPoint // affine (Z = 1)
}

// ParseKey lifts pk to its curve point; it fails as Verify does when pk is
// not the x coordinate of a point.
func ParseKey(pk PubKey) (*Key, error) {
	pub, err := schnorr.ParsePubKey(pk[:])
	if err != nil {
		return nil, fmt.Errorf("%w: public key is not on the curve", ErrBadSignature)
	}
	k := &Key{pk: pk}
	pub.AsJacobian(&k.p)
	return k, nil
}

// PubKey returns the key's 32-byte form.
func (k *Key) PubKey() PubKey { return k.pk }

// challengeTag is SHA-256("BIP0340/challenge"), the tagged hash's prefix.
var challengeTag = sha256.Sum256([]byte("BIP0340/challenge"))

// Verify checks a BIP340 signature of msg by k. It accepts exactly what
// Verify(k.PubKey(), msg, sig) accepts: it is btcec's schnorrVerify (v2.5.0)
// step for step, minus the lift_x that schnorr.Signature.Verify repeats
// (it serializes the parsed key and parses it again) — ≈8% of the work.
func (k *Key) Verify(msg Hash, sig Signature) error {
	// r must be below the field prime; s is taken mod n, as
	// schnorr.ParseSignature does (it does not reject s ≥ n).
	var r btcec.FieldVal
	if overflow := r.SetByteSlice(sig[:32]); overflow {
		return fmt.Errorf("%w: invalid signature: r >= field prime", ErrBadSignature)
	}
	var s btcec.ModNScalar
	s.SetByteSlice(sig[32:])

	// e = tagged_hash("BIP0340/challenge", r ‖ P ‖ m) mod n, negated so
	// that R = s·G + (−e)·P.
	var pre [5 * 32]byte // on the stack: no allocation per signature
	copy(pre[0:], challengeTag[:])
	copy(pre[32:], challengeTag[:])
	copy(pre[64:], sig[:32])
	copy(pre[96:], k.pk[:])
	copy(pre[128:], msg[:])
	commitment := sha256.Sum256(pre[:])
	var e btcec.ModNScalar
	e.SetBytes(&commitment)
	e.Negate()

	var p, sG, eP, R btcec.JacobianPoint
	p.Set(&k.p) // the shared point stays untouched
	btcec.ScalarBaseMultNonConst(&s, &sG)
	btcec.ScalarMultNonConst(&e, &p, &eP)
	btcec.AddNonConst(&sG, &eP, &R)
	if (R.X.IsZero() && R.Y.IsZero()) || R.Z.IsZero() {
		return fmt.Errorf("%w: signature does not match", ErrBadSignature)
	}
	R.ToAffine()
	if R.Y.IsOdd() || !r.Equals(&R.X) {
		return fmt.Errorf("%w: signature does not match", ErrBadSignature)
	}
	return nil
}

// IsZero reports whether pk is all zeros (no key).
func (pk PubKey) IsZero() bool { return pk == PubKey{} }

// MarshalText writes the key as 64 hex digits, so JSON shows it as text
// rather than as 32 numbers.
func (pk PubKey) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(pk[:])), nil }

// UnmarshalText reads 64 hex digits.
func (pk *PubKey) UnmarshalText(b []byte) error {
	if len(b) != 2*PubKeySize {
		return fmt.Errorf("public key must be %d hex digits, got %d", 2*PubKeySize, len(b))
	}
	if _, err := hex.Decode(pk[:], b); err != nil {
		return fmt.Errorf("public key: %w", err)
	}
	return nil
}
