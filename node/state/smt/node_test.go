package smt

import (
	"crypto/sha256"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// TestNodeEncoding checks that stored nodes decode to what was encoded and
// hash to the hash of their preimage.
func TestNodeEncoding(t *testing.T) {
	a, b := hb(0xaa), hb(0xbb)
	z := wire.Hash{}
	tests := []struct {
		enc  []byte
		want node
		size int
	}{
		{appendLeaf(nil, a, b), node{leaf: true, key: a, value: b}, 65},
		{appendLeaf(nil, z, b), node{leaf: true, key: z, value: b}, 65},
		{appendInner(nil, a, b), node{left: a, right: b}, 65},
		{appendInner(nil, a, z), node{left: a}, 33},
		{appendInner(nil, z, b), node{right: b}, 33},
	}
	for i, tc := range tests {
		if len(tc.enc) != tc.size {
			t.Errorf("case %d: %d bytes, want %d", i, len(tc.enc), tc.size)
		}
		n, err := decodeNode(tc.enc)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if n != tc.want {
			t.Errorf("case %d: decoded %+v, want %+v", i, n, tc.want)
		}
		var pre []byte
		if n.leaf {
			pre = append(append([]byte{0}, n.key[:]...), n.value[:]...)
		} else {
			pre = append(append([]byte{1}, n.left[:]...), n.right[:]...)
		}
		if got := n.hash(); got != sha256.Sum256(pre) {
			t.Errorf("case %d: hash %s is not SHA-256 of the preimage", i, got.Short())
		}
	}
}

// TestSamePrefix checks prefix comparison at byte and bit boundaries.
func TestSamePrefix(t *testing.T) {
	a := hb(0xf0, 0x0f)
	tests := []struct {
		b    wire.Hash
		n    int
		want bool
	}{
		{a, KeyBits, true},
		{hb(0xf0, 0x0e), 15, true},
		{hb(0xf0, 0x0e), 16, false},
		{hb(0xf8), 4, true},
		{hb(0xf8), 5, false},
		{hb(0x00), 0, true},
		{hb(0x70), 1, false},
		{flipBit(a, 255), 255, true},
		{flipBit(a, 255), 256, false},
	}
	for i, tc := range tests {
		if got := samePrefix(&a, &tc.b, tc.n); got != tc.want {
			t.Errorf("case %d: samePrefix(%d) = %v, want %v", i, tc.n, got, tc.want)
		}
	}
}
