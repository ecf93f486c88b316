package smt

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// TestRecordRoundTrip decodes every record of a tree, rebuilds it as if
// Apply had made it, and checks that it encodes back to the same bytes.
func TestRecordRoundTrip(t *testing.T) {
	for _, n := range []int{1, 2, 70, 5000} {
		pt := newProofTree(t, 5, n)
		ms := pt.s.(*memStore)
		depths := pageDepths(t, pt)
		classes := map[uint8]int{}
		for h, b := range ms.nodes {
			d, ok := depths[h]
			if !ok {
				continue // a record of an earlier version
			}
			got, class := reencode(t, ms, h, d)
			classes[class]++
			if !bytes.Equal(got, b) {
				t.Errorf("case %d: record %s: re-encoded %d bytes %.40x…, stored %d bytes %.40x…", n, h.Short(), len(got), got, len(b), b)
			}
		}
		t.Logf("case %d: %d records by class %v", n, len(depths), classes)
	}
}

// reencode loads the record h at depth d, turns it into nodes as Apply
// builds them, and encodes it again. It returns the record and its class.
func reencode(t *testing.T, s NodeStore, h wire.Hash, d int) ([]byte, uint8) {
	t.Helper()
	a := getArena()
	defer putArena(a)
	i := a.ref(h)
	if err := a.load(s, i, d); err != nil {
		t.Fatal(err)
	}
	if n := a.nodes[i]; n.kind == kindLeaf {
		return append([]byte{tagLeaf}, n.raw...), 0
	}
	a.nodes[i].kind = kindRaw
	var strip func(i int32, d int)
	strip = func(i int32, d int) {
		if err := a.expand(i, d); err != nil {
			t.Fatal(err)
		}
		l, r := a.nodes[i].left, a.nodes[i].right
		for _, c := range []int32{l, r} {
			if a.nodes[c].kind == kindRaw {
				strip(c, d+1)
			}
		}
		n := &a.nodes[i]
		n.raw = nil
		n.size = 1 + a.childSize(l, n.class, true) + a.childSize(r, n.class, false)
	}
	strip(i, d)
	class := classOf(a.nodes[i].count)
	a.encodePage(i)
	if len(a.out) != 1 {
		t.Fatalf("record %s re-encoded as %d records", h.Short(), len(a.out))
	}
	return bytes.Clone(a.out[0].data), class
}

// pageDepths returns the depth of every record of the tree.
func pageDepths(t *testing.T, pt *proofTree) map[wire.Hash]int {
	t.Helper()
	depths := map[wire.Hash]int{}
	a := getArena()
	defer putArena(a)
	var rec func(i int32, d int)
	rec = func(i int32, d int) {
		n := a.nodes[i]
		if n.kind == kindRef {
			depths[n.hash] = d
		}
		if n.kind == kindRef || n.kind == kindRaw {
			if err := a.open(pt.s, i, d); err != nil {
				t.Fatal(err)
			}
		}
		if n := a.nodes[i]; n.kind == kindInner {
			rec(n.left, d+1)
			rec(n.right, d+1)
		}
	}
	rec(a.ref(pt.root), 0)
	return depths
}

// TestDamagedRecords damages each record of a tree in turn (drops it, or
// flips a bit) and checks that Check notices, and that reading or updating
// every key reports the damage rather than a wrong answer.
func TestDamagedRecords(t *testing.T) {
	pt := newProofTree(t, 6, 400)
	ms := pt.s.(*memStore)
	r := rand.New(rand.NewPCG(6, 6))
	var hashes []wire.Hash
	for h := range ms.nodes {
		hashes = append(hashes, h)
	}
	for i, h := range hashes {
		orig := ms.nodes[h]
		for _, damage := range []string{"drop", "flip"} {
			if damage == "drop" {
				delete(ms.nodes, h)
			} else {
				b := bytes.Clone(orig)
				j := r.IntN(8 * len(b))
				b[j/8] ^= 0x80 >> uint(j%8)
				ms.nodes[h] = b
			}
			if _, err := Check(ms, pt.root); !errors.Is(err, ErrCorruptNode) && !errors.Is(err, ErrMissingNode) {
				t.Errorf("case %d (%s): Check returned %v", i, damage, err)
			}
			for k, v := range pt.model {
				got, found, err := Get(ms, pt.root, k)
				if err == nil && (!found || got != v) {
					// A flipped bit inside a stored page can change
					// what Get reads without Get noticing (it does not
					// rehash); Check and proofs catch it.
					if damage == "drop" {
						t.Errorf("case %d (%s): Get of %s gave %s, %v", i, damage, k.Short(), got.Short(), found)
					}
				}
				if err == nil {
					if p, err := Prove(ms, pt.root, k); err == nil {
						if p.Verify(pt.root, k, got) == nil && got != v {
							t.Errorf("case %d (%s): damaged tree proved a wrong value for %s", i, damage, k.Short())
						}
					}
				}
			}
			ms.nodes[h] = orig
		}
	}
}

// TestRecordRules builds small page records by hand, one that follows the
// format and others that each break one rule, and checks that Check takes
// the first and rejects the others for breaking the rule, not for a hash
// mismatch.
func TestRecordRules(t *testing.T) {
	kv := func(k, v wire.Hash) []byte { return slices.Concat(k[:], v[:]) }
	ka, kb, kc := hb(0x00), hb(0x40), hb(0x80) // 00…, 01…, 10…
	v := h(7)
	la, lb, lc := kv(ka, v), kv(kb, v), kv(kc, v)
	n := innerHash(leafHash(ka, v), leafHash(kb, v))   // ka and kb under "0"
	two := innerHash(leafHash(ka, v), leafHash(kc, v)) // ka | kc
	three := innerHash(n, leafHash(kc, v))             // (ka, kb) | kc
	threeR := innerHash(leafHash(ka, v), innerHash(leafHash(kc, v), leafHash(hb(0xc0), v)))
	lc2 := kv(hb(0xc0), v)
	nR := innerHash(leafHash(kc, v), leafHash(hb(0xc0), v))
	tests := []struct {
		root wire.Hash
		rec  []byte
		ok   bool
	}{
		{two, slices.Concat([]byte{tagPage, 2, 0x05}, la, lc), true},
		{two, slices.Concat([]byte{tagPage, 3, 0x05}, la, lc), false},                  // wrong count
		{two, slices.Concat([]byte{tagPage, 0x82, 0x00, 0x05}, la, lc), false},         // non-minimal count
		{two, slices.Concat([]byte{tagPage, 1, 0x05}, la, lc), false},                  // page of one leaf
		{two, slices.Concat([]byte{tagPage, 2, 0x05}, la, lc, []byte{0}), false},       // trailing byte
		{two, slices.Concat([]byte{tagPage, 2, 0x15}, la, lc), false},                  // high code bits
		{two, slices.Concat([]byte{tagPage, 2, 0x04}, la), false},                      // one leaf and empty
		{two, slices.Concat([]byte{tagPage, 2, 0x05}, la, kv(kc, wire.Hash{})), false}, // empty value
		{two, slices.Concat([]byte{tagPage, 2, 0x05}, la, lc[:40]), false},             // truncated leaf
		{three, slices.Concat([]byte{tagPage, 3, 0x09}, n[:], []byte{2, 0x81, 0x01, 0x05}, la, lb, lc), true},
		{three, slices.Concat([]byte{tagPage, 3, 0x09}, n[:], []byte{3, 0x81, 0x01, 0x05}, la, lb, lc), false},             // inline count
		{three, slices.Concat([]byte{tagPage, 3, 0x09}, n[:], []byte{2, 0x82, 0x01, 0x05}, la, lb, lc), false},             // inline length
		{three, slices.Concat([]byte{tagPage, 3, 0x09}, make([]byte, 32), []byte{2, 0x81, 0x01, 0x05}, la, lb, lc), false}, // zero hash
		{three, slices.Concat([]byte{tagPage, 3, 0x09}, n[:], []byte{100, 0x81, 0x01, 0x05}, la, lb, lc), false},           // class 1 inline in class 0
		{three, slices.Concat([]byte{tagPage, 3, 0x0d}, n[:], []byte{70}, lc), false},                                      // class 1 reference in class 0
		{threeR, slices.Concat([]byte{tagPage, 3, 0x06}, la, nR[:], []byte{0x05}, lc, lc2), true},                          // inline right child
		{threeR, slices.Concat([]byte{tagPage, 4, 0x06}, la, nR[:], []byte{0x05}, lc, lc2), false},                         // its count is off
		{threeR, slices.Concat([]byte{tagPage, 3, 0x06}, la, nR[:20]), false},                                              // truncated
	}
	for i, tc := range tests {
		s := NewMemStore()
		if err := s.Put(tc.root, tc.rec); err != nil {
			t.Fatal(err)
		}
		_, err := Check(s, tc.root)
		switch {
		case tc.ok && err != nil:
			t.Errorf("case %d: %v", i, err)
		case !tc.ok && !errors.Is(err, errCorrupt):
			t.Errorf("case %d: error %v, want a broken rule", i, err)
		case !tc.ok && !errors.Is(err, ErrCorruptNode):
			t.Errorf("case %d: error %v does not wrap ErrCorruptNode", i, err)
		}
	}
}
