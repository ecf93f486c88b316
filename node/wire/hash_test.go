package wire

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestMerkleRoot(t *testing.T) {
	a, b, c := testHash(0x10), testHash(0x20), testHash(0x30)
	leaf := func(h Hash) Hash { return sha256.Sum256(append([]byte{0}, h[:]...)) }
	node := func(l, r Hash) Hash { return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...)) }

	tests := []struct {
		leaves []Hash
		want   Hash
	}{
		{nil, ZeroHash},
		{[]Hash{}, ZeroHash},
		{[]Hash{a}, leaf(a)},
		{[]Hash{a, b}, node(leaf(a), leaf(b))},
		// RFC 6962: an odd leaf is promoted, never duplicated.
		{[]Hash{a, b, c}, node(node(leaf(a), leaf(b)), leaf(c))},
		{[]Hash{b, a}, node(leaf(b), leaf(a))},
		{[]Hash{a, b, c, a}, node(node(leaf(a), leaf(b)), node(leaf(c), leaf(a)))},
		{[]Hash{a, b, c, a, b}, node(node(node(leaf(a), leaf(b)), node(leaf(c), leaf(a))), leaf(b))},
	}
	for i, tc := range tests {
		in := append([]Hash(nil), tc.leaves...)
		if got := MerkleRoot(tc.leaves); got != tc.want {
			t.Errorf("case %d: %d leaves: got %v, want %v", i, len(tc.leaves), got, tc.want)
		}
		for j := range in {
			if in[j] != tc.leaves[j] {
				t.Errorf("case %d: MerkleRoot modified its input", i)
			}
		}
	}
	// A single leaf's root is not the leaf (no leaf/node confusion), and the
	// duplicated-last-leaf ambiguity of Bitcoin's tree does not exist here.
	if MerkleRoot([]Hash{a}) == a {
		t.Error("root of one leaf is the leaf itself")
	}
	if MerkleRoot([]Hash{a, b, c}) == MerkleRoot([]Hash{a, b, c, c}) {
		t.Error("odd leaf is duplicated")
	}
}

func TestHashText(t *testing.T) {
	h := testHash(0xa0)
	s := h.String()
	if len(s) != 64 || strings.ToLower(s) != s {
		t.Fatalf("String = %q", s)
	}
	if h.Short() != s[:12] {
		t.Errorf("Short = %q", h.Short())
	}
	p, err := ParseHash(s)
	if err != nil || p != h {
		t.Fatalf("ParseHash(String) = %v, %v", p, err)
	}
	j, err := json.Marshal(h)
	if err != nil || string(j) != `"`+s+`"` {
		t.Fatalf("JSON = %s, %v", j, err)
	}
	var back Hash
	if err := json.Unmarshal(j, &back); err != nil || back != h {
		t.Fatalf("JSON round trip = %v, %v", back, err)
	}
	for i, bad := range []string{"", s[:63], s + "0", "zz" + s[2:]} {
		if _, err := ParseHash(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("case %d: ParseHash(%q) = %v, want ErrMalformed", i, bad, err)
		}
	}
	if !ZeroHash.IsZero() || h.IsZero() {
		t.Error("IsZero")
	}
}

func TestSumAndTaggedSum(t *testing.T) {
	if Sum([]byte("ab")) != Sum([]byte("a"), []byte("b")) {
		t.Error("Sum of parts differs from Sum of the concatenation")
	}
	if Sum() != sha256.Sum256(nil) {
		t.Error("Sum() is not SHA-256 of nothing")
	}
	if TaggedSum("t", []byte("x")) != Sum([]byte("tx")) {
		t.Error("TaggedSum is not SHA-256(tag ‖ parts)")
	}
	if TaggedSum("bitverse/tx/v1", []byte("x")) == TaggedSum("bitverse/header/v1", []byte("x")) {
		t.Error("tags do not separate domains")
	}
}
