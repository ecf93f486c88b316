package tumbler

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/cloudflare/circl/blindsign/blindrsa"
)

// Output tokens are RFC 9474 blind RSA signatures
// (RSABSSA-SHA384-PSS-Deterministic): at input registration the
// participant hands in a blinded token message and gets back a blind
// signature; it unblinds it and, from a fresh network identity, redeems the
// token for one denomination output. The token message names the round and
// the output address, so a token pays one address of one round, once; the
// coordinator sees the blinded form only at input registration and the
// clear form only at output registration and cannot join the two.

// TokenBits is the size of a round's token key (a fresh key per round,
// so tokens of one round are worthless in another).
const TokenBits = 2048

// TokenSize is the size of a blinded message, blind signature and token.
const TokenSize = TokenBits / 8

const tokenVariant = blindrsa.SHA384PSSDeterministic

// NewTokenKey makes a round's token key.
func NewTokenKey() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, TokenBits) }

// EncodeTokenKey is the public key as announced (PKCS #1 DER).
func EncodeTokenKey(pk *rsa.PublicKey) []byte { return x509.MarshalPKCS1PublicKey(pk) }

// maxTokenKey bounds an announced token key's encoding.
const maxTokenKey = 600

// DecodeTokenKey reads an announced token key and checks its size.
func DecodeTokenKey(b []byte) (*rsa.PublicKey, error) {
	if len(b) > maxTokenKey {
		return nil, errors.New("token key too long")
	}
	pk, err := x509.ParsePKCS1PublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("token key: %v", err)
	}
	if pk.N.BitLen() != TokenBits {
		return nil, fmt.Errorf("token key of %d bits, not %d", pk.N.BitLen(), TokenBits)
	}
	return pk, nil
}

// tokenMessage is what a token signs: one output address of one round.
func tokenMessage(round wire.Hash, to wire.PubKey) []byte {
	h := wire.TaggedSum("bitverse/tumbler/output/v1", round[:], to[:])
	return h[:]
}

// Blinding is a participant's pending token: the blinded message to hand
// in at input registration and what unblinds the answer.
type Blinding struct {
	Blinded []byte
	client  blindrsa.Client
	state   blindrsa.State
	msg     []byte
}

// BlindToken blinds the token message for (round, to) under the round's
// token key.
func BlindToken(pk *rsa.PublicKey, round wire.Hash, to wire.PubKey) (*Blinding, error) {
	c, err := blindrsa.NewClient(tokenVariant, pk)
	if err != nil {
		return nil, err
	}
	msg := tokenMessage(round, to)
	blinded, st, err := c.Blind(rand.Reader, msg)
	if err != nil {
		return nil, err
	}
	return &Blinding{Blinded: blinded, client: c, state: st, msg: msg}, nil
}

// Unblind turns the coordinator's blind signature into the token and
// checks it (a coordinator that signs with another key than it announced,
// to tag one participant, is caught here).
func (b *Blinding) Unblind(blindSig []byte) ([]byte, error) {
	if len(blindSig) != TokenSize {
		return nil, fmt.Errorf("blind signature of %d bytes, not %d", len(blindSig), TokenSize)
	}
	tok, err := b.client.Finalize(b.state, blindSig)
	if err != nil {
		return nil, fmt.Errorf("the coordinator's blind signature does not verify under the round's token key: %v", err)
	}
	return tok, nil
}

// signBlinded is the coordinator's blind signature.
func signBlinded(sk *rsa.PrivateKey, blinded []byte) ([]byte, error) {
	if len(blinded) != TokenSize {
		return nil, fmt.Errorf("blinded token of %d bytes, not %d", len(blinded), TokenSize)
	}
	return blindrsa.NewSigner(sk).BlindSign(blinded)
}

// verifyToken checks a redeemed token for (round, to).
func verifyToken(pk *rsa.PublicKey, round wire.Hash, to wire.PubKey, token []byte) error {
	if len(token) != TokenSize {
		return fmt.Errorf("token of %d bytes, not %d", len(token), TokenSize)
	}
	v, err := blindrsa.NewVerifier(tokenVariant, pk)
	if err != nil {
		return err
	}
	if err := v.Verify(tokenMessage(round, to), token); err != nil {
		return errors.New("the output token does not verify: not issued in this round, or for another address")
	}
	return nil
}
