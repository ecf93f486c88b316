package tumbler

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcec/v2/schnorr/musig2"
)

// MuSig2 co-signing of a tumble (BIP-327, no tweak). Every participant holds
// one input key; the batch's envelope is signed by wire.AggregateKey of all
// input keys in body order. Two rounds: each signer publishes a public nonce,
// then a partial signature over the aggregate of all nonces; the coordinator
// checks each partial (VerifyPartial pins a bad one to its signer) and sums
// them into one BIP-340 signature (CombinePartials).

// NonceSize and PartialSize are the sizes of a public nonce (two compressed
// points) and of a partial signature (a scalar).
const (
	NonceSize   = musig2.PubNonceSize
	PartialSize = 32
)

// Errors of co-signing.
var (
	ErrNonceUsed     = errors.New("this signer has already signed: a MuSig2 nonce is never used twice")
	ErrNotASigner    = errors.New("the key is not one of the batch's input keys")
	ErrBadNonce      = errors.New("a public nonce is not two valid curve points")
	ErrBadPartial    = errors.New("a partial signature does not verify")
	ErrNonceMismatch = errors.New("my public nonce is not at my position in the nonce list")
	ErrCount         = errors.New("the numbers of keys, nonces and partial signatures differ")
)

// Signer co-signs one message for one input key. Its secret nonce is
// generated at construction and wiped after Sign: a Signer signs once (a
// reused MuSig2 nonce reveals the private key).
type Signer struct {
	priv  *btcec.PrivateKey // negated if needed so its point has even Y
	keys  []*btcec.PublicKey
	index int
	msg   [32]byte
	nonce *musig2.Nonces
	used  bool
}

// NewSigner prepares priv to co-sign msg among allKeys (x-only, in body
// order, priv's key among them) and draws its nonce.
func NewSigner(priv wire.PrivKey, allKeys []wire.PubKey, msg wire.Hash) (*Signer, error) {
	me := priv.PubKey()
	index := -1
	for i, k := range allKeys {
		if k == me {
			index = i
			break
		}
	}
	if index < 0 {
		return nil, ErrNotASigner
	}
	keys, err := wire.LiftKeys(allKeys)
	if err != nil {
		return nil, err
	}
	k, pub := btcec.PrivKeyFromBytes(priv.Bytes())
	if pub.Y().Bit(0) == 1 {
		// The x-only key stands for the even-Y point: sign with −d.
		k.Key.Negate()
	}
	agg, _, _, err := musig2.AggregateKeys(keys, false)
	if err != nil {
		return nil, fmt.Errorf("key aggregation: %w", err)
	}
	n, err := musig2.GenNonces(
		musig2.WithPublicKey(k.PubKey()),
		musig2.WithNonceSecretKeyAux(k),
		musig2.WithNonceCombinedKeyAux(agg.FinalKey),
		musig2.WithNonceMessageAux(msg),
	)
	if err != nil {
		return nil, fmt.Errorf("nonce generation: %w", err)
	}
	return &Signer{priv: k, keys: keys, index: index, msg: msg, nonce: n}, nil
}

// Index is the signer's position among the keys.
func (s *Signer) Index() int { return s.index }

// Nonce returns the public nonce to publish in the first round.
func (s *Signer) Nonce() [NonceSize]byte { return s.nonce.PubNonce }

// Sign returns this signer's partial signature given every signer's public
// nonce (in key order, its own at its index). It works once; the secret
// nonce is wiped whether it succeeds or not.
func (s *Signer) Sign(allNonces [][NonceSize]byte) ([PartialSize]byte, error) {
	var out [PartialSize]byte
	if s.used {
		return out, ErrNonceUsed
	}
	s.used = true
	defer func() { s.nonce.SecNonce = [musig2.SecNonceSize]byte{} }()
	if len(allNonces) != len(s.keys) {
		return out, ErrCount
	}
	if allNonces[s.index] != s.nonce.PubNonce {
		return out, ErrNonceMismatch
	}
	agg, err := musig2.AggregateNonces(allNonces)
	if err != nil {
		return out, fmt.Errorf("%w: %v", ErrBadNonce, err)
	}
	ps, err := musig2.Sign(s.nonce.SecNonce, s.priv, agg, s.keys, s.msg)
	if err != nil {
		return out, fmt.Errorf("partial signature: %w", err)
	}
	ps.S.PutBytes(&out)
	return out, nil
}

// VerifyPartial checks signer i's partial signature: a coordinator calls it
// on each partial before combining, so a bad one is blamed on its signer.
func VerifyPartial(allKeys []wire.PubKey, allNonces [][NonceSize]byte, i int, partial [PartialSize]byte, msg wire.Hash) error {
	if len(allNonces) != len(allKeys) || i < 0 || i >= len(allKeys) {
		return ErrCount
	}
	keys, err := wire.LiftKeys(allKeys)
	if err != nil {
		return err
	}
	agg, err := musig2.AggregateNonces(allNonces)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadNonce, err)
	}
	var sc btcec.ModNScalar
	if overflow := sc.SetBytes(&partial); overflow != 0 {
		return fmt.Errorf("%w: signer %d's scalar is out of range", ErrBadPartial, i)
	}
	ps := musig2.NewPartialSignature(&sc, nil)
	if !ps.Verify(allNonces[i], agg, keys, keys[i], msg) {
		return fmt.Errorf("%w: signer %d (%x…)", ErrBadPartial, i, allKeys[i][:4])
	}
	return nil
}

// CombinePartials sums the partial signatures (in key order) into the
// BIP-340 signature of msg by wire.AggregateKey(allKeys), and checks it.
func CombinePartials(allKeys []wire.PubKey, allNonces [][NonceSize]byte, partials [][PartialSize]byte, msg wire.Hash) (wire.Signature, error) {
	var sig wire.Signature
	if len(allNonces) != len(allKeys) || len(partials) != len(allKeys) {
		return sig, ErrCount
	}
	keys, err := wire.LiftKeys(allKeys)
	if err != nil {
		return sig, err
	}
	aggKey, _, _, err := musig2.AggregateKeys(keys, false)
	if err != nil {
		return sig, fmt.Errorf("key aggregation: %w", err)
	}
	aggNonce, err := musig2.AggregateNonces(allNonces)
	if err != nil {
		return sig, fmt.Errorf("%w: %v", ErrBadNonce, err)
	}
	r, err := finalNonce(aggNonce, aggKey.FinalKey, msg)
	if err != nil {
		return sig, err
	}
	ps := make([]*musig2.PartialSignature, len(partials))
	for i := range partials {
		var sc btcec.ModNScalar
		if overflow := sc.SetBytes(&partials[i]); overflow != 0 {
			return sig, fmt.Errorf("%w: signer %d's scalar is out of range", ErrBadPartial, i)
		}
		p := musig2.NewPartialSignature(&sc, r)
		ps[i] = &p
	}
	copy(sig[:], musig2.CombineSigs(r, ps).Serialize())
	var pk wire.PubKey
	copy(pk[:], schnorr.SerializePubKey(aggKey.FinalKey))
	if err := wire.Verify(pk, msg, sig); err != nil {
		return wire.Signature{}, fmt.Errorf("%w: the combined signature does not verify (check each partial with VerifyPartial)", ErrBadPartial)
	}
	return sig, nil
}

// finalNonce is BIP-327's R = R1 + b·R2 with b = H_noncecoef(aggnonce ‖
// x(Q) ‖ m) (G if R is infinity): musig2 computes it only inside Sign.
func finalNonce(aggNonce [NonceSize]byte, q *btcec.PublicKey, msg wire.Hash) (*btcec.PublicKey, error) {
	b := taggedHash("MuSig/noncecoef", aggNonce[:], schnorr.SerializePubKey(q), msg[:])
	var blind btcec.ModNScalar
	blind.SetBytes(&b)
	r1, err := btcec.ParseJacobian(aggNonce[:33])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadNonce, err)
	}
	r2, err := btcec.ParseJacobian(aggNonce[33:])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadNonce, err)
	}
	var r btcec.JacobianPoint
	btcec.ScalarMultNonConst(&blind, &r2, &r2)
	btcec.AddNonConst(&r1, &r2, &r)
	if (r.X.IsZero() && r.Y.IsZero()) || r.Z.IsZero() {
		btcec.Generator().AsJacobian(&r)
	}
	r.ToAffine()
	return btcec.NewPublicKey(&r.X, &r.Y), nil
}

func taggedHash(tag string, parts ...[]byte) [32]byte {
	t := sha256.Sum256([]byte(tag))
	h := sha256.New()
	h.Write(t[:])
	h.Write(t[:])
	for _, p := range parts {
		h.Write(p)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}
