package smt

import (
	"bytes"
	"reflect"
	"sync"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// fuzzTree is the tree FuzzVerify checks claims against, built once.
var fuzzTree = sync.OnceValues(func() (*proofTree, error) { return buildProofTree(9, 64) })

// FuzzDecodeProof checks that DecodeProof never panics, and that what it
// accepts re-encodes to the same bytes and decodes to the same proof.
func FuzzDecodeProof(f *testing.F) {
	pt, err := fuzzTree()
	if err != nil {
		f.Fatal(err)
	}
	for _, st := range pt.stmts {
		enc := pt.prove(f, st.Key).Encode()
		f.Add(enc)
		f.Add(enc[:len(enc)/2])
	}
	f.Add([]byte{1, 0})
	f.Add([]byte{0, 0x80, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeProof(b)
		if err != nil {
			return
		}
		enc := p.Encode()
		if !bytes.Equal(enc, b) {
			t.Fatalf("re-encoding %x gave %x", b, enc)
		}
		q, err := DecodeProof(enc)
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip changed the proof: %+v, %+v", p, q)
		}
	})
}

// FuzzVerify checks that Verify never accepts a false claim about the fuzz
// tree: whenever it accepts (key, value), the tree must really hold that.
func FuzzVerify(f *testing.F) {
	pt, err := fuzzTree()
	if err != nil {
		f.Fatal(err)
	}
	for _, st := range pt.stmts {
		f.Add(pt.prove(f, st.Key).Encode(), st.Key[:], st.Value[:])
	}
	f.Fuzz(func(t *testing.T, b, key, value []byte) {
		if len(key) != wire.HashSize || len(value) != wire.HashSize {
			return
		}
		p, err := DecodeProof(b)
		if err != nil {
			return
		}
		k, v := wire.Hash(key), wire.Hash(value)
		if p.Verify(pt.root, k, v) != nil {
			return
		}
		got, _, err := Get(pt.s, pt.root, k)
		if err != nil {
			t.Fatal(err)
		}
		if got != v {
			t.Fatalf("Verify accepted value %s for key %s, which holds %s", v.Short(), k.Short(), got.Short())
		}
	})
}

// FuzzRecord stores arbitrary bytes as the root record of a tree, with the
// records of a real tree beside it, and checks that reading, proving,
// checking and updating that tree return errors, never panic. (Its root
// hash is made up, so no proof can verify against it.)
func FuzzRecord(f *testing.F) {
	pt, err := fuzzTree()
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range pt.s.(*memStore).nodes {
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte{tagPage, 2, 0x05})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewMemStore()
		for h, rec := range pt.s.(*memStore).nodes {
			if err := s.Put(h, rec); err != nil {
				t.Fatal(err)
			}
		}
		root := wire.Hash{0xff, 0xee}
		if err := s.Put(root, bytes.Clone(b)); err != nil {
			t.Fatal(err)
		}
		_, _ = Check(s, root)
		_ = Walk(s, root, func(_, _ wire.Hash) error { return nil })
		for _, st := range pt.stmts[:8] {
			_, _, _ = Get(s, root, st.Key)
			_, _ = Prove(s, root, st.Key)
		}
		_, _ = Apply(s, root, []Update{{pt.stmts[0].Key, h(1)}, {pt.stmts[1].Key, wire.Hash{}}})
	})
}
