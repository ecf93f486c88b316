package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcec/v2/schnorr/musig2"
)

// sampleTumbleTxs returns tumbles at the small and large ends. The envelope
// signature is a placeholder: MuSig2 signing lives in tumbler/, and these
// samples pin the encoding.
func sampleTumbleTxs(t testing.TB) []*Tx {
	keys := []PubKey{testKey(t, 1).PubKey(), testKey(t, 2).PubKey(), testKey(t, 3).PubKey()}
	small := Tumble{
		Round: testHash(0x40),
		Inputs: []TumbleInput{
			{Key: keys[0], Amount: Unit + 500, Nonce: 3},
			{Key: keys[1], Amount: Unit + 500, Nonce: 0},
		},
		Outputs: []TumbleOutput{{To: keys[2], Amount: Unit}, {To: keys[2], Amount: Unit + 1}},
	}
	small.Sort()
	big := Tumble{Round: testHash(0x41)}
	for i := 0; i < MaxTumbleInputs; i++ {
		big.Inputs = append(big.Inputs, TumbleInput{Key: PubKey(Sum([]byte{byte(i)})), Amount: ^uint64(0), Nonce: ^uint64(0)})
	}
	for i := 0; i < MaxTumbleOutputs; i++ {
		big.Outputs = append(big.Outputs, TumbleOutput{To: PubKey(Sum([]byte{1, byte(i)})), Amount: ^uint64(0)})
	}
	big.Sort()
	var out []*Tx
	for _, b := range []Tumble{small, big} {
		tx := NewTx(RootChain, b, 0, 5000)
		tx.From = keys[2]
		tx.Sig = Signature{1, 2, 3}
		out = append(out, tx)
	}
	return out
}

// A tumble round-trips through the envelope, and its body lands where
// PROTOCOL §21 says.
func TestTumbleRoundTripAndLayout(t *testing.T) {
	for _, tx := range sampleTumbleTxs(t) {
		got, err := DecodeTx(tx.Encode())
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if !bytes.Equal(got.Encode(), tx.Encode()) || got.Type != TxTumble || got.Type.String() != "tumble" {
			t.Fatalf("round trip changed the tumble")
		}
	}
	k1, k2 := testHash(1), testHash(2)
	b := Tumble{Round: testHash(9),
		Inputs:  []TumbleInput{{Key: PubKey(k1), Amount: 0x0102030405060708, Nonce: 300}, {Key: PubKey(k2), Amount: 1, Nonce: 0}},
		Outputs: []TumbleOutput{{To: PubKey(k1), Amount: 0x1112131415161718}}}
	w := NewWriter(0)
	b.encode(w)
	r9 := testHash(9)
	want := append([]byte(nil), r9[:]...)
	want = append(want, 2)
	want = append(append(want, k1[:]...), 1, 2, 3, 4, 5, 6, 7, 8, 0xac, 0x02)
	want = append(append(want, k2[:]...), 0, 0, 0, 0, 0, 0, 0, 1, 0)
	want = append(append(append(want, 1), k1[:]...), 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18)
	if !bytes.Equal(w.Bytes(), want) {
		t.Fatalf("tumble body\n got % x\nwant % x", w.Bytes(), want)
	}
}

// The decoder refuses every non-canonical shape with ErrMalformed: counts
// out of range, unsorted or repeated inputs and outputs, counts claiming
// more elements than bytes follow.
func TestTumbleDecodeRejects(t *testing.T) {
	k := func(b byte) PubKey { return PubKey(testHash(b)) }
	in := func(b byte) TumbleInput { return TumbleInput{Key: k(b), Amount: 10, Nonce: 1} }
	out := func(b byte, a uint64) TumbleOutput { return TumbleOutput{To: k(b), Amount: a} }
	many := func(n int) []TumbleInput {
		s := make([]TumbleInput, n)
		for i := range s {
			s[i] = TumbleInput{Key: PubKey(Sum([]byte{byte(i), byte(i >> 8)})), Amount: 1}
		}
		b := Tumble{Inputs: s}
		b.Sort()
		return b.Inputs
	}
	manyOut := func(n int) []TumbleOutput {
		s := make([]TumbleOutput, n)
		for i := range s {
			s[i] = TumbleOutput{To: PubKey(Sum([]byte{byte(i), byte(i >> 8)})), Amount: 1}
		}
		b := Tumble{Outputs: s}
		b.Sort()
		return b.Outputs
	}
	ok := []TumbleOutput{out(5, 1)}
	cases := []struct {
		name, want string
		b          Tumble
	}{
		{"one input", "1 inputs", Tumble{Inputs: []TumbleInput{in(1)}, Outputs: ok}},
		{"no outputs", "0 outputs", Tumble{Inputs: []TumbleInput{in(1), in(2)}}},
		{"too many inputs", "at most 100", Tumble{Inputs: many(MaxTumbleInputs + 1), Outputs: ok}},
		{"too many outputs", "at most 200", Tumble{Inputs: []TumbleInput{in(1), in(2)}, Outputs: manyOut(MaxTumbleOutputs + 1)}},
		{"unsorted inputs", "not sorted", Tumble{Inputs: []TumbleInput{in(2), in(1)}, Outputs: ok}},
		{"duplicate input", "repeats the key", Tumble{Inputs: []TumbleInput{in(1), {Key: k(1), Amount: 3, Nonce: 2}}, Outputs: ok}},
		{"unsorted outputs", "not sorted", Tumble{Inputs: []TumbleInput{in(1), in(2)}, Outputs: []TumbleOutput{out(6, 1), out(5, 1)}}},
		{"outputs to one key unsorted by amount", "not sorted", Tumble{Inputs: []TumbleInput{in(1), in(2)}, Outputs: []TumbleOutput{out(5, 2), out(5, 1)}}},
		{"duplicate output", "repeats output", Tumble{Inputs: []TumbleInput{in(1), in(2)}, Outputs: []TumbleOutput{out(5, 1), out(5, 1)}}},
	}
	one := []byte{1}
	for _, c := range cases {
		w := NewWriter(0)
		c.b.encode(w)
		got, err := DecodeTx(txBytes(uint8(TxTumble), RootChain, []byte{0}, one, w.Bytes()))
		if !errors.Is(err, ErrMalformed) || got != nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, %v; want ErrMalformed saying %q", c.name, got, err, c.want)
		}
	}
	// A count claiming more inputs than bytes follow fails before allocating.
	w := NewWriter(0)
	w.Hash(Hash{})
	w.Uvarint(MaxTumbleInputs)
	if _, err := DecodeTx(txBytes(uint8(TxTumble), RootChain, []byte{0}, one, w.Bytes())); !errors.Is(err, ErrMalformed) {
		t.Errorf("short inputs: %v", err)
	}
}

// AggregateKey is BIP-327 KeyAgg of the keys lifted with even Y, in the
// order given: it matches btcec's musig2, depends on the order, and is
// pinned for three test keys so a change of library cannot move it.
func TestAggregateKeyIsKeyAggInBodyOrder(t *testing.T) {
	keys := []PubKey{testKey(t, 1).PubKey(), testKey(t, 2).PubKey(), testKey(t, 3).PubKey()}
	agg, err := AggregateKey(keys)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := LiftKeys(keys)
	if err != nil {
		t.Fatal(err)
	}
	lib, _, _, err := musig2.AggregateKeys(pts, false)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(agg[:], schnorr.SerializePubKey(lib.FinalKey)) {
		t.Fatalf("AggregateKey %x differs from musig2's %x", agg, schnorr.SerializePubKey(lib.FinalKey))
	}
	swapped, err := AggregateKey([]PubKey{keys[1], keys[0], keys[2]})
	if err != nil || swapped == agg {
		t.Fatalf("the order of keys must change the aggregate: %x, %v", swapped, err)
	}
	const pinned = "ba2b769ad97fe87c865bbf36d5315b9d23e536e98b162638e63dc862e3c3d955"
	if got := hex.EncodeToString(agg[:]); got != pinned {
		t.Fatalf("aggregate of test keys 1,2,3 is %s, pinned %s", got, pinned)
	}
	if _, err := AggregateKey(nil); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("no keys: %v", err)
	}
	var offCurve PubKey
	for i := range offCurve {
		offCurve[i] = 0xff
	}
	if _, err := AggregateKey([]PubKey{keys[0], offCurve}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("a key off the curve: %v", err)
	}
}

// FuzzDecodeTumbleBody feeds arbitrary tumble bodies: a body either fails as
// malformed or is the canonical encoding of a well-shaped tumble.
func FuzzDecodeTumbleBody(f *testing.F) {
	for _, tx := range sampleTumbleTxs(f) {
		w := NewWriter(0)
		tx.Body.encode(w)
		f.Add(w.Bytes())
	}
	f.Add([]byte{})
	f.Add(make([]byte, 33))
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := decodeBody(TxTumble, body)
		if err != nil {
			if b != nil {
				t.Fatal("error with a body")
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		tb, ok := b.(Tumble)
		if !ok {
			t.Fatalf("decoded %T", b)
		}
		if err := tb.CheckShape(); err != nil {
			t.Fatalf("decoded a tumble of the wrong shape: %v", err)
		}
		w := NewWriter(0)
		b.encode(w)
		if !bytes.Equal(w.Bytes(), body) {
			t.Fatalf("non-canonical tumble body: % x re-encodes to % x", body, w.Bytes())
		}
	})
}
