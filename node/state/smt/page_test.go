package smt

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// TestRecordRoundTrip decodes every record of a tree and checks that it
// encodes back to the same bytes.
func TestRecordRoundTrip(t *testing.T) {
	pt := newProofTree(t, 5, 3000)
	ms := pt.s.(*memStore)
	pages, leaves := 0, 0
	for h, b := range ms.nodes {
		a := getArena()
		i, err := a.decodeRecord(b, h, depthOf(t, pt, h))
		if err != nil {
			t.Fatalf("record %s: %v", h.Short(), err)
		}
		var enc []byte
		if a.nodes[i].kind == kindLeaf {
			leaves++
			enc = append([]byte{tagLeaf}, append(bs(a.nodes[i].key), bs(a.nodes[i].value)...)...)
		} else {
			pages++
			enc = a.appendPage(nil, i)
		}
		if !bytes.Equal(enc, b) {
			t.Errorf("record %s: re-encoded %x, stored %x", h.Short(), enc, b)
		}
		putArena(a)
	}
	if pages == 0 {
		t.Error("no pages")
	}
	t.Logf("%d pages, %d leaf records", pages, leaves)
}

// depthOf finds the depth of the page with hash h by walking the tree.
func depthOf(t *testing.T, pt *proofTree, h wire.Hash) int {
	t.Helper()
	depths := map[wire.Hash]int{}
	a := getArena()
	defer putArena(a)
	var rec func(i int32, d int)
	rec = func(i int32, d int) {
		switch n := a.nodes[i]; n.kind {
		case kindRef:
			depths[n.hash] = d
			j, err := a.load(pt.s, n.hash, d)
			if err != nil {
				t.Fatal(err)
			}
			rec(j, d)
		case kindInner:
			rec(n.left, d+1)
			rec(n.right, d+1)
		}
	}
	rec(a.ref(pt.root), 0)
	d, ok := depths[h]
	if !ok {
		t.Fatalf("record %s is not in the tree", h.Short())
	}
	return d
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
