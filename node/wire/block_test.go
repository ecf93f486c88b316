package wire

import (
	"bytes"
	"errors"
	"testing"
)

func TestBlockRoundTrip(t *testing.T) {
	for i, b := range sampleBlocks(t) {
		enc := b.Encode()
		got, err := DecodeBlock(enc)
		if err != nil {
			t.Errorf("case %d: decode: %v", i, err)
			continue
		}
		if re := got.Encode(); !bytes.Equal(re, enc) {
			t.Errorf("case %d: re-encoding differs", i)
		}
		if len(got.Txs) != len(b.Txs) {
			t.Fatalf("case %d: %d txs, want %d", i, len(got.Txs), len(b.Txs))
		}
		for j := range b.Txs {
			if got.Txs[j].ID() != b.Txs[j].ID() {
				t.Errorf("case %d: tx %d ID changed", i, j)
			}
		}
		if got.ID() != b.ID() || got.ID() != b.Header.ID() {
			t.Errorf("case %d: block ID changed", i)
		}
		if got.ComputeTxRoot() != got.Header.TxRoot {
			t.Errorf("case %d: tx root does not match the header", i)
		}
	}
}

func TestBlockTruncatedAndTrailing(t *testing.T) {
	for i, b := range sampleBlocks(t) {
		enc := b.Encode()
		for n := 0; n < len(enc); n++ {
			if _, err := DecodeBlock(enc[:n]); !errors.Is(err, ErrMalformed) {
				t.Fatalf("case %d: %d of %d bytes: err = %v, want ErrMalformed", i, n, len(enc), err)
			}
		}
		for _, extra := range [][]byte{{0}, {1}, make([]byte, minTxSize)} {
			if _, err := DecodeBlock(append(append([]byte(nil), enc...), extra...)); !errors.Is(err, ErrMalformed) {
				t.Errorf("case %d: %d trailing bytes: err = %v, want ErrMalformed", i, len(extra), err)
			}
		}
	}
}

func TestBlockDecodeRejects(t *testing.T) {
	blocks := sampleBlocks(t)
	hdr := blocks[0].Header.Encode()
	oneTx := blocks[1].Encode()
	txs := sampleTxs(t)

	withCount := func(n uint64, txs ...*Tx) []byte {
		w := NewWriter(0)
		w.Fixed(hdr)
		w.Uvarint(n)
		for _, tx := range txs {
			tx.EncodeTo(w)
		}
		return w.Bytes()
	}
	badType := append([]byte(nil), txs[1].Encode()...)
	badType[0] = 42

	tests := []struct {
		name string
		in   []byte
		also error
	}{
		{"count says 2, one follows", withCount(2, txs[0]), nil},
		{"count says 1, two follow", withCount(1, txs[0], txs[1]), nil},
		{"count over the cap", withCount(MaxBlockSize/minTxSize + 1), ErrTooLarge},
		{"count max uint64", withCount(^uint64(0)), ErrTooLarge},
		{"non-minimal count", append(append([]byte(nil), hdr...), 0x80, 0x00), nil},
		{"no count", hdr, nil},
		{"tx of unknown type", append(withCount(2, txs[0]), badType...), ErrUnknownTxType},
		{"oversized block", make([]byte, MaxBlockSize+1), ErrTooLarge},
		{"header only truncated", oneTx[:HeaderContentSize], nil},
	}
	for i, tc := range tests {
		b, err := DecodeBlock(tc.in)
		if !isDecodeError(err) {
			t.Errorf("case %d: %s: err = %v, want ErrMalformed", i, tc.name, err)
			continue
		}
		if tc.also != nil && !errors.Is(err, tc.also) {
			t.Errorf("case %d: %s: err %v does not wrap %v", i, tc.name, err, tc.also)
		}
		if b != nil {
			t.Errorf("case %d: %s: failed decode returned a block", i, tc.name)
		}
	}
}

func TestBlockMinTxSize(t *testing.T) {
	// minTxSize must not exceed the smallest encodable tx, or the block
	// decoder would reject valid blocks as claiming too many txs.
	tx := &Tx{Type: TxTransfer}
	if n := len(tx.Encode()); n != minTxSize {
		t.Fatalf("smallest tx envelope is %d bytes, minTxSize is %d", n, minTxSize)
	}
	for i, tx := range sampleTxs(t) {
		if tx.Size() < minTxSize {
			t.Errorf("case %d: tx of %d bytes is below minTxSize", i, tx.Size())
		}
	}
}
