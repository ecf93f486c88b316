package tumbler

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"

	"github.com/bitverse/bitverse/node/wire"
)

// Denominations is the standard series: 1, 2 and 5 × 10^k base units, from
// 10^4 (0.0001 BVS) up to 5 × 10^12. A round tumbles one denomination;
// outputs of one size from many rounds hide among each other, where a
// free choice of amount would tag its owner.
func Denominations() []uint64 {
	var out []uint64
	for p := uint64(10_000); p <= 1_000_000_000_000; p *= 10 {
		out = append(out, p, 2*p, 5*p)
	}
	return out
}

// IsDenomination says d is in the standard series.
func IsDenomination(d uint64) bool { return slices.Contains(Denominations(), d) }

// LargestDenomination is the largest standard denomination a payment of
// amount can carry beside fee (0: none).
func LargestDenomination(amount, fee uint64) uint64 {
	var best uint64
	for _, d := range Denominations() {
		if d+fee <= amount && d+fee >= d {
			best = d
		}
	}
	return best
}

// Defaults of a round's terms, in root blocks (deadlines are heights so
// every party reads them off the same chain).
const (
	DefaultMin = 2
	// DefaultTxFee per input covers the minimum fee of the tumble
	// transaction (about 130 bytes per input: its entry, its output and
	// a change output) at 10 base units a byte, with room for the
	// envelope in small rounds.
	DefaultTxFee         = 4000
	DefaultMax           = 50
	MaxParticipants      = wire.MaxTumbleInputs
	DefaultInputBlocks   = 30 // input registration stays open this long (longer while under Min)
	DefaultOutputBlocks  = 10
	DefaultSigningBlocks = 10 // long enough for a hardware wallet
	// BanBlocks is how long an input that registered and did not sign is
	// refused; DoubleSpendBanBlocks when it also spent the coins meanwhile
	// (its account nonce moved on).
	BanBlocks            = 144
	DoubleSpendBanBlocks = 4 * 144
)

// Terms are what a coordinator announces; the round's ID is the hash of
// their encoding, so every message names the exact terms it accepts.
type Terms struct {
	Denomination   uint64
	CoordinatorFee uint64 // per input
	TxFee          uint64 // per input
	Min, Max       int
	FeeTo          wire.PubKey // receives CoordinatorFee × inputs (zero with no fee)
	Height         uint64      // root height at the announcement
	InputBlocks    uint64
	OutputBlocks   uint64
	SigningBlocks  uint64
	// BlameOf is the failed round this one re-runs; only Allowed inputs
	// (the ones that signed it) may register.
	BlameOf  wire.Hash
	Allowed  []wire.PubKey
	TokenKey []byte // the round's blind-token RSA key (PKCS #1)
	Salt     [16]byte
}

// Cost is what one input pays beyond its denomination.
func (t *Terms) Cost() uint64 { return t.CoordinatorFee + t.TxFee }

// Check checks the terms are well formed (a participant checks before
// registering; the coordinator before announcing).
func (t *Terms) Check() (*rsa.PublicKey, error) {
	switch {
	case !IsDenomination(t.Denomination):
		return nil, fmt.Errorf("denomination %d is not in the standard series (1, 2 or 5 × 10^k base units, 10^4 … 5×10^12)", t.Denomination)
	case t.Min < 2 || t.Max < t.Min || t.Max > MaxParticipants:
		return nil, fmt.Errorf("participants %d..%d: need 2 ≤ min ≤ max ≤ %d", t.Min, t.Max, MaxParticipants)
	case t.InputBlocks == 0 || t.OutputBlocks == 0 || t.SigningBlocks == 0:
		return nil, errors.New("every phase needs at least one block")
	case t.CoordinatorFee > 0 && t.FeeTo == (wire.PubKey{}):
		return nil, errors.New("a coordinator fee needs an address to go to")
	case t.Cost() < t.CoordinatorFee || t.Denomination+t.Cost() < t.Denomination:
		return nil, errors.New("fees overflow")
	case t.BlameOf.IsZero() != (len(t.Allowed) == 0):
		return nil, errors.New("a blame round names the failed round and the inputs that signed it, and only a blame round does")
	case len(t.Allowed) > MaxParticipants:
		return nil, errors.New("too many allowed inputs")
	}
	for i := 1; i < len(t.Allowed); i++ {
		if !keyLess(t.Allowed[i-1], t.Allowed[i]) {
			return nil, errors.New("allowed inputs not sorted and unique")
		}
	}
	return DecodeTokenKey(t.TokenKey)
}

// Encode is the canonical encoding of the terms.
func (t *Terms) Encode() []byte {
	w := wire.NewWriter(128 + len(t.TokenKey) + 32*len(t.Allowed))
	w.U8(1) // version
	w.U64(t.Denomination)
	w.U64(t.CoordinatorFee)
	w.U64(t.TxFee)
	w.Uvarint(uint64(t.Min))
	w.Uvarint(uint64(t.Max))
	w.Fixed(t.FeeTo[:])
	w.U64(t.Height)
	w.Uvarint(t.InputBlocks)
	w.Uvarint(t.OutputBlocks)
	w.Uvarint(t.SigningBlocks)
	w.Hash(t.BlameOf)
	w.Uvarint(uint64(len(t.Allowed)))
	for _, k := range t.Allowed {
		w.Fixed(k[:])
	}
	w.VarBytes(t.TokenKey)
	w.Fixed(t.Salt[:])
	return w.Bytes()
}

// ID is the round's ID.
func (t *Terms) ID() wire.Hash { return wire.TaggedSum("bitverse/tumbler/round/v1", t.Encode()) }

func readTerms(r *wire.Reader) Terms {
	var t Terms
	if v := r.U8(); v != 1 && r.Err() == nil {
		r.Fail(fmt.Errorf("terms version %d", v))
	}
	t.Denomination = r.U64()
	t.CoordinatorFee = r.U64()
	t.TxFee = r.U64()
	t.Min = int(min(r.Uvarint(), 1<<16))
	t.Max = int(min(r.Uvarint(), 1<<16))
	copy(t.FeeTo[:], r.Fixed(32))
	t.Height = r.U64()
	t.InputBlocks = r.Uvarint()
	t.OutputBlocks = r.Uvarint()
	t.SigningBlocks = r.Uvarint()
	t.BlameOf = r.Hash()
	n := r.Len(MaxParticipants, 32, "allowed inputs")
	for i := 0; i < n && r.Err() == nil; i++ {
		var k wire.PubKey
		copy(k[:], r.Fixed(32))
		t.Allowed = append(t.Allowed, k)
	}
	t.TokenKey = r.VarBytes(maxTokenKey, "token key")
	copy(t.Salt[:], r.Fixed(16))
	return t
}

// DecodeTerms decodes exactly one encoding of terms.
func DecodeTerms(b []byte) (*Terms, error) {
	r := wire.NewReader(b)
	t := readTerms(r)
	if err := r.Done(); err != nil {
		return nil, err
	}
	return &t, nil
}

func keyLess(a, b wire.PubKey) bool { return string(a[:]) < string(b[:]) }
