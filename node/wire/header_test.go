package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestHeaderRoundTrip(t *testing.T) {
	for i, h := range sampleHeaders() {
		enc := h.Encode()
		want := HeaderContentSize + 8 + 4 + 1 + HashSize*len(h.Merge.Branch)
		if len(enc) != want {
			t.Errorf("case %d: encoding is %d bytes, want %d", i, len(enc), want)
		}
		got, err := DecodeHeader(enc)
		if err != nil {
			t.Errorf("case %d: decode: %v", i, err)
			continue
		}
		if re := got.Encode(); !bytes.Equal(re, enc) {
			t.Errorf("case %d: re-encoding differs", i)
		}
		if len(h.Merge.Branch) == 0 {
			h.Merge.Branch = nil // decoding an empty branch gives nil
		}
		if !reflect.DeepEqual(got, h) {
			t.Errorf("case %d: got %+v\nwant %+v", i, got, h)
		}
		if got.ID() != h.ID() || got.PowHash() != h.PowHash() || got.ContentHash() != h.ContentHash() {
			t.Errorf("case %d: hashes changed across decode", i)
		}
	}
}

func TestHeaderHashes(t *testing.T) {
	hs := sampleHeaders()
	alone, merged := hs[0], hs[1]

	// Mined alone: the commit is the content hash and ID == PoW hash.
	if alone.Commit() != alone.ContentHash() {
		t.Error("alone: commit differs from content hash")
	}
	if alone.ID() != alone.PowHash() {
		t.Error("alone: ID differs from PoW hash")
	}

	// Merged: the PoW hash folds the branch; the ID commits to it apart.
	if merged.Commit() == merged.ContentHash() {
		t.Error("merged: commit equals content hash")
	}
	if merged.ID() == merged.PowHash() {
		t.Error("merged: ID equals PoW hash")
	}
	c := merged.ContentHash()
	b := merged.Merge.Branch
	// Index 5 = 0b101, read from the low bit: at level 0 the content is the
	// right child, at level 1 the left, at level 2 the right.
	want := merkleNode(b[2], merkleNode(merkleNode(b[0], c), b[1]))
	if got := merged.Commit(); got != want {
		t.Errorf("merged commit = %v, want %v", got, want)
	}

	// The content hash covers every content field and not the PoW fields.
	mutations := []func(h *Header){
		func(h *Header) { h.Version++ },
		func(h *Header) { h.Chain = ChainID{Depth: 1} },
		func(h *Header) { h.Height++ },
		func(h *Header) { h.Prev[0] ^= 1 },
		func(h *Header) { h.Anchor[31] ^= 1 },
		func(h *Header) { h.TxRoot[5] ^= 1 },
		func(h *Header) { h.StateRoot[9] ^= 1 },
		func(h *Header) { h.Time++ },
		func(h *Header) { h.Bits ^= 1 },
	}
	for i, mut := range mutations {
		h := alone
		mut(&h)
		if h.ContentHash() == alone.ContentHash() {
			t.Errorf("case %d: content hash ignores a field", i)
		}
	}
	h := merged
	h.Nonce++
	h.Merge = MergeProof{}
	if h.ContentHash() != merged.ContentHash() {
		t.Error("content hash depends on the proof of work")
	}
	h = alone
	h.Nonce++
	if h.ID() == alone.ID() || h.PowHash() == alone.PowHash() {
		t.Error("nonce does not change ID and PoW hash")
	}
	h = merged
	h.Merge = MergeProof{Index: merged.Merge.Index, Branch: append([]Hash(nil), merged.Merge.Branch...)}
	h.Merge.Branch[0][0] ^= 1
	if h.ID() == merged.ID() {
		t.Error("merged: ID ignores the merge branch")
	}
	if PowHash(alone.Commit(), alone.Nonce) != alone.PowHash() {
		t.Error("PowHash function and method disagree")
	}
}

func TestHeaderTruncated(t *testing.T) {
	for i, h := range sampleHeaders() {
		enc := h.Encode()
		for n := 0; n < len(enc); n++ {
			if _, err := DecodeHeader(enc[:n]); !errors.Is(err, ErrMalformed) {
				t.Fatalf("case %d: %d of %d bytes: err = %v, want ErrMalformed", i, n, len(enc), err)
			}
		}
		if _, err := DecodeHeader(append(enc, 0)); !errors.Is(err, ErrMalformed) {
			t.Errorf("case %d: trailing byte: err = %v, want ErrMalformed", i, err)
		}
	}
}

func TestHeaderDecodeRejects(t *testing.T) {
	base := sampleHeaders()[0]
	enc := func(h Header) []byte { return h.Encode() }
	// Offsets in the encoding.
	const (
		depthOff = 4
		indexOff = HeaderContentSize + 8
		countOff = indexOff + 4
	)
	patch := func(b []byte, off int, v ...byte) []byte {
		b = append([]byte(nil), b...)
		copy(b[off:], v)
		return b
	}
	withBranch := func(n int, index uint32) Header {
		h := base
		h.Merge = MergeProof{Index: index, Branch: make([]Hash, n)}
		return h
	}
	tooLong := append(enc(withBranch(MaxMergeBranch, 0))[:countOff], MaxMergeBranch+1)
	tooLong = append(tooLong, make([]byte, HashSize*(MaxMergeBranch+1))...)
	nonMinimal := append(enc(base)[:countOff], 0x80, 0x00)

	tests := []struct {
		name string
		in   []byte
		also error
	}{
		{"depth 33", patch(enc(base), depthOff, MaxChainDepth+1), ErrBadChain},
		{"depth 255", patch(enc(base), depthOff, 0xff), ErrBadChain},
		{"bits beyond depth", patch(enc(base), depthOff, 1, 0, 0, 0, 2), ErrBadChain},
		{"index set with empty branch", patch(enc(base), indexOff, 0, 0, 0, 1), nil},
		{"index beyond branch of 3", enc(withBranch(3, 8)), nil},
		{"index high bit", enc(withBranch(MaxMergeBranch, 1<<31)), nil},
		{"branch longer than max", tooLong, ErrTooLarge},
		{"branch claims more than follows", enc(withBranch(2, 0))[:countOff+1+HashSize], nil},
		{"non-minimal branch count", nonMinimal, nil},
	}
	for i, tc := range tests {
		if _, err := DecodeHeader(tc.in); !isDecodeError(err) {
			t.Errorf("case %d: %s: err = %v, want ErrMalformed", i, tc.name, err)
		} else if tc.also != nil && !errors.Is(err, tc.also) {
			t.Errorf("case %d: %s: err = %v, want it to wrap %v", i, tc.name, err, tc.also)
		}
	}
	// The accepting side of the index rule: every index below 2^len is fine.
	for n := 0; n <= 3; n++ {
		for idx := uint32(0); idx < 1<<n; idx++ {
			if _, err := DecodeHeader(enc(withBranch(n, idx))); err != nil {
				t.Errorf("branch %d index %d: %v", n, idx, err)
			}
		}
	}
}
