package tumbler

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// cosigners returns n fresh keys sorted by public key (body order) and the
// message they sign.
func cosigners(t testing.TB, n int) ([]wire.PrivKey, []wire.PubKey, wire.Hash) {
	t.Helper()
	privs := make([]wire.PrivKey, n)
	for i := range privs {
		k, err := wire.NewPrivKey()
		if err != nil {
			t.Fatal(err)
		}
		privs[i] = k
	}
	slices.SortFunc(privs, func(a, b wire.PrivKey) int {
		pa, pb := a.PubKey(), b.PubKey()
		return bytes.Compare(pa[:], pb[:])
	})
	keys := make([]wire.PubKey, n)
	for i, k := range privs {
		keys[i] = k.PubKey()
	}
	return privs, keys, wire.Sum([]byte("a tumble's sighash"))
}

// runRound has every signer publish a nonce and sign; it returns the
// signers, nonces and partials.
func runRound(t testing.TB, privs []wire.PrivKey, keys []wire.PubKey, msg wire.Hash) ([]*Signer, [][NonceSize]byte, [][PartialSize]byte) {
	t.Helper()
	signers := make([]*Signer, len(privs))
	nonces := make([][NonceSize]byte, len(privs))
	for i, k := range privs {
		s, err := NewSigner(k, keys, msg)
		if err != nil {
			t.Fatalf("signer %d: %v", i, err)
		}
		signers[i], nonces[i] = s, s.Nonce()
	}
	partials := make([][PartialSize]byte, len(privs))
	for i, s := range signers {
		p, err := s.Sign(nonces)
		if err != nil {
			t.Fatalf("signer %d signs: %v", i, err)
		}
		partials[i] = p
	}
	return signers, nonces, partials
}

// Five signers produce one BIP-340 signature that wire.Verify accepts under
// wire.AggregateKey of their keys, and that no other key or message accepts.
func TestFiveSignersMakeOneSignatureForTheAggregateKey(t *testing.T) {
	privs, keys, msg := cosigners(t, 5)
	_, nonces, partials := runRound(t, privs, keys, msg)
	for i := range partials {
		if err := VerifyPartial(keys, nonces, i, partials[i], msg); err != nil {
			t.Fatalf("partial %d: %v", i, err)
		}
	}
	sig, err := CombinePartials(keys, nonces, partials, msg)
	if err != nil {
		t.Fatal(err)
	}
	agg, err := wire.AggregateKey(keys)
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.Verify(agg, msg, sig); err != nil {
		t.Fatalf("the aggregate signature does not verify: %v", err)
	}
	if err := wire.Verify(agg, wire.Sum([]byte("another message")), sig); err == nil {
		t.Fatal("the signature verifies for another message")
	}
	sub, err := wire.AggregateKey(keys[:4])
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.Verify(sub, msg, sig); err == nil {
		t.Fatal("the signature verifies under the aggregate of four of the five keys")
	}
}

// A wrong partial signature is pinned to its signer by VerifyPartial, and
// CombinePartials refuses the batch it would spoil.
func TestWrongPartialIsPinnedToItsSigner(t *testing.T) {
	privs, keys, msg := cosigners(t, 5)
	_, nonces, partials := runRound(t, privs, keys, msg)
	bad := 3
	partials[bad][31] ^= 1
	for i := range partials {
		err := VerifyPartial(keys, nonces, i, partials[i], msg)
		if (err != nil) != (i == bad) {
			t.Errorf("partial %d: %v (only %d is bad)", i, err, bad)
		}
		if i == bad && !errors.Is(err, ErrBadPartial) {
			t.Errorf("bad partial: %v, want ErrBadPartial", err)
		}
	}
	if _, err := CombinePartials(keys, nonces, partials, msg); !errors.Is(err, ErrBadPartial) {
		t.Fatalf("combine with a bad partial: %v", err)
	}
	// A partial computed for another message is wrong too.
	_, nonces2, partials2 := runRound(t, privs, keys, wire.Sum([]byte("other")))
	if err := VerifyPartial(keys, nonces2, 0, partials2[0], msg); !errors.Is(err, ErrBadPartial) {
		t.Fatalf("partial for another message: %v", err)
	}
}

// A signer signs once: its secret nonce is wiped, a second Sign fails, and
// a fresh Signer draws a different nonce.
func TestSignerNonceIsSingleUse(t *testing.T) {
	privs, keys, msg := cosigners(t, 2)
	signers, nonces, _ := runRound(t, privs, keys, msg)
	if _, err := signers[0].Sign(nonces); !errors.Is(err, ErrNonceUsed) {
		t.Fatalf("second Sign: %v, want ErrNonceUsed", err)
	}
	again, err := NewSigner(privs[0], keys, msg)
	if err != nil {
		t.Fatal(err)
	}
	if again.Nonce() == nonces[0] {
		t.Fatal("a new signer for the same key and message reused the nonce")
	}
	// A failed Sign burns the nonce too: no retry with other nonces.
	s, err := NewSigner(privs[1], keys, msg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sign(nonces[:1]); !errors.Is(err, ErrCount) {
		t.Fatalf("short nonce list: %v", err)
	}
	if _, err := s.Sign([][NonceSize]byte{nonces[0], s.Nonce()}); !errors.Is(err, ErrNonceUsed) {
		t.Fatalf("retry after a failed Sign: %v, want ErrNonceUsed", err)
	}
}

// NewSigner refuses a key that is not among the inputs; Sign refuses a
// nonce list where its own nonce is not at its index.
func TestSignerRefusesForeignKeyAndMisplacedNonce(t *testing.T) {
	privs, keys, msg := cosigners(t, 3)
	stranger, err := wire.NewPrivKey()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSigner(stranger, keys, msg); !errors.Is(err, ErrNotASigner) {
		t.Fatalf("stranger: %v", err)
	}
	a, _ := NewSigner(privs[0], keys, msg)
	b, _ := NewSigner(privs[1], keys, msg)
	c, _ := NewSigner(privs[2], keys, msg)
	if _, err := a.Sign([][NonceSize]byte{b.Nonce(), a.Nonce(), c.Nonce()}); !errors.Is(err, ErrNonceMismatch) {
		t.Fatalf("misplaced nonce: %v", err)
	}
}

// Keys with odd-Y points (about half of all keys) sign correctly: each is
// negated to stand for its x-only key. Many rounds of two make it certain
// that both parities occur.
func TestOddAndEvenKeysCoSign(t *testing.T) {
	for round := 0; round < 8; round++ {
		privs, keys, msg := cosigners(t, 2)
		_, nonces, partials := runRound(t, privs, keys, msg)
		if _, err := CombinePartials(keys, nonces, partials, msg); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}
