package smt

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// proofTree is a tree of random keys plus a cluster of near neighbours (so
// that some paths run to depth 256), with statements to prove about it:
// present keys, and absent keys whose slot is empty or holds another leaf.
type proofTree struct {
	s     NodeStore
	root  wire.Hash
	model map[wire.Hash]wire.Hash
	stmts []Update // (key, value in the tree), value zero when absent
}

func newProofTree(t testing.TB, seed uint64, n int) *proofTree {
	t.Helper()
	pt, err := buildProofTree(seed, n)
	if err != nil {
		t.Fatal(err)
	}
	return pt
}

func buildProofTree(seed uint64, n int) (*proofTree, error) {
	r := rand.New(rand.NewPCG(seed, 7))
	pt := &proofTree{s: NewMemStore(), model: make(map[wire.Hash]wire.Hash)}
	base := randHash(r)
	pt.model[base] = randHash(r)
	for _, b := range []int{255, 250, 100, 30} {
		pt.model[flipBit(base, b)] = randHash(r)
	}
	for len(pt.model) < n {
		pt.model[randHash(r)] = randHash(r)
	}
	var err error
	if pt.root, err = Apply(pt.s, EmptyRoot, modelUpdates(pt.model, r)); err != nil {
		return nil, err
	}
	pt.stmts = append(pt.stmts, sortedModel(pt.model)[:min(n, 40)]...)
	pt.stmts = append(pt.stmts, Update{base, pt.model[base]}, Update{Key: flipBit(base, 254)}, Update{Key: flipBit(base, 200)})
	for i := 0; i < 40; i++ {
		pt.stmts = append(pt.stmts, Update{Key: randHash(r)})
	}
	return pt, nil
}

func (pt *proofTree) prove(t testing.TB, key wire.Hash) *Proof {
	t.Helper()
	p, err := Prove(pt.s, pt.root, key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func cloneProof(p *Proof) *Proof {
	q := *p
	q.Siblings = slices.Clone(p.Siblings)
	return &q
}

// TestProofKinds checks that the test tree yields all three kinds of proof,
// and that each verifies, also after an encoding round trip.
func TestProofKinds(t *testing.T) {
	pt := newProofTree(t, 1, 300)
	seen := map[ProofKind]int{}
	for i, st := range pt.stmts {
		p := pt.prove(t, st.Key)
		seen[p.Kind]++
		if err := p.Verify(pt.root, st.Key, st.Value); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
		q, err := DecodeProof(p.Encode())
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Errorf("case %d: decoded proof differs", i)
		}
		if len(p.Encode()) > MaxProofSize {
			t.Errorf("case %d: proof of %d bytes exceeds MaxProofSize", i, len(p.Encode()))
		}
	}
	for _, k := range []ProofKind{ProofInclusion, ProofEmpty, ProofOtherLeaf} {
		if seen[k] < 3 {
			t.Errorf("only %d %s proofs in the test tree", seen[k], k)
		}
	}
	// The deep neighbours give 256-level proofs.
	if p := pt.prove(t, pt.stmts[len(pt.stmts)-42].Key); p.Depth < 250 {
		t.Errorf("neighbour proof has depth %d, want ≥ 250", p.Depth)
	}
}

// TestProofEncodingVector pins the encoding of a small proof.
func TestProofEncodingVector(t *testing.T) {
	s1, s2 := hb(0xaa), hb(0xbb)
	ok, okv := hb(0x01), h(0x02)
	tests := []struct {
		p    Proof
		want []byte
	}{
		{Proof{Kind: ProofEmpty}, []byte{1, 0}},
		{Proof{Kind: ProofInclusion}, []byte{0, 0}},
		{Proof{Kind: ProofInclusion, Depth: 2, Bitmap: [32]byte{0x40}, Siblings: []wire.Hash{s1}},
			append([]byte{0, 2, 0x40}, s1[:]...)},
		{Proof{Kind: ProofOtherLeaf, Depth: 9, Bitmap: [32]byte{0x80, 0x80}, Siblings: []wire.Hash{s1, s2}, OtherKey: ok, OtherValue: okv},
			slices.Concat([]byte{2, 9, 0x80, 0x80}, s1[:], s2[:], ok[:], okv[:])},
	}
	for i, tc := range tests {
		if got := tc.p.Encode(); !bytes.Equal(got, tc.want) {
			t.Errorf("case %d: encoding %x, want %x", i, got, tc.want)
		}
		p, err := DecodeProof(tc.want)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if p.Siblings == nil {
			p.Siblings = tc.p.Siblings
		}
		if !reflect.DeepEqual(*p, tc.p) {
			t.Errorf("case %d: decoded %+v, want %+v", i, *p, tc.p)
		}
	}
}

// TestDecodeProofRejects feeds DecodeProof malformed and non-canonical
// encodings, including every truncation of real proofs and oversized ones.
func TestDecodeProofRejects(t *testing.T) {
	pt := newProofTree(t, 2, 200)
	s := hb(0xaa)
	z := wire.Hash{}
	ff := bytes.Repeat([]byte{0xff}, 32)
	tests := [][]byte{
		{},
		{0},
		{3, 0},          // unknown kind
		{0xff, 0},       // unknown kind
		{1, 0x81, 0x02}, // depth 257
		{1, 0x80, 0x00}, // non-minimal varint depth 0
		{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, // varint overflow
		append([]byte{0, 1, 0xc0}, slices.Concat(s[:], s[:])...),              // padding bit set
		append([]byte{0, 1, 0x80}, z[:]...),                                   // zero sibling
		append([]byte{0, 2, 0x80}, s[:]...),                                   // slot's own sibling empty
		{0, 1, 0x00},                                                          // slot's own sibling empty
		append([]byte{0, 0x80, 0x02}, ff...),                                  // 256 siblings claimed, none given
		append([]byte{1, 0}, s[:]...),                                         // sibling past depth 0
		slices.Concat([]byte{2, 0}, s[:], z[:]),                               // other leaf with zero value
		slices.Concat([]byte{2, 0}, s[:]),                                     // other leaf cut short
		{0, 0, 0},                                                             // trailing byte
	}
	for _, st := range pt.stmts[:10] {
		enc := pt.prove(t, st.Key).Encode()
		for n := 0; n < len(enc); n++ {
			tests = append(tests, enc[:n])
		}
		tests = append(tests, append(slices.Clone(enc), 0))
		tests = append(tests, append(slices.Clone(enc), s[:]...))
	}
	for i, b := range tests {
		p, err := DecodeProof(b)
		if err == nil {
			t.Errorf("case %d: %x decoded to %+v", i, b, p)
			continue
		}
		if !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("case %d: error %v does not wrap wire.ErrMalformed", i, err)
		}
	}

	// The largest proof decodes.
	big := Proof{Kind: ProofOtherLeaf, Depth: KeyBits, OtherKey: s, OtherValue: s}
	for i := range big.Bitmap {
		big.Bitmap[i] = 0xff
	}
	for i := 0; i < KeyBits; i++ {
		big.Siblings = append(big.Siblings, s)
	}
	enc := big.Encode()
	if len(enc) != MaxProofSize {
		t.Errorf("largest proof is %d bytes, MaxProofSize %d", len(enc), MaxProofSize)
	}
	if _, err := DecodeProof(enc); err != nil {
		t.Errorf("largest proof: %v", err)
	}
}

// TestDecodeProofAllocs checks that a short input claiming 256 siblings
// does not allocate room for them.
func TestDecodeProofAllocs(t *testing.T) {
	b := append([]byte{0, 0x80, 0x02}, bytes.Repeat([]byte{0xff}, 32)...)
	b = append(b, make([]byte, 32*10)...) // 10 of 256 claimed siblings
	const runs = 100
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < runs; i++ {
		if _, err := DecodeProof(b); err == nil {
			t.Fatal("decoded a short input")
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 1024 {
		t.Errorf("DecodeProof of a %d-byte input allocated %d bytes", len(b), per)
	}
}

// tamper is one way to spoil a valid (proof, root, key, value) statement.
// It returns false if it does not apply to this statement.
type tamper struct {
	name string
	fn   func(r *rand.Rand, pt *proofTree, p *Proof, root, key, value *wire.Hash) bool
}

var tampers = []tamper{
	{"value", func(r *rand.Rand, _ *proofTree, p *Proof, _, _, value *wire.Hash) bool {
		if value.IsZero() {
			*value = randHash(r)
		} else {
			*value = flipBit(*value, r.IntN(KeyBits))
		}
		return true
	}},
	{"key", func(r *rand.Rand, pt *proofTree, p *Proof, _, key, value *wire.Hash) bool {
		if value.IsZero() {
			if p.Depth == 0 {
				return false
			}
			*key = flipBit(*key, r.IntN(p.Depth)) // another path
		} else {
			*key = flipBit(*key, r.IntN(KeyBits))
		}
		return true
	}},
	{"absent key with a present key's proof", func(r *rand.Rand, pt *proofTree, p *Proof, _, key, value *wire.Hash) bool {
		if !value.IsZero() {
			return false
		}
		for k := range pt.model {
			*key = k // present, but claimed absent
			return true
		}
		return false
	}},
	{"another present key and its value", func(r *rand.Rand, pt *proofTree, p *Proof, _, key, value *wire.Hash) bool {
		for k, v := range pt.model {
			if k != *key {
				*key, *value = k, v
				return true
			}
		}
		return false
	}},
	{"sibling changed", func(r *rand.Rand, _ *proofTree, p *Proof, _, _, _ *wire.Hash) bool {
		if len(p.Siblings) == 0 {
			return false
		}
		i := r.IntN(len(p.Siblings))
		p.Siblings[i] = flipBit(p.Siblings[i], r.IntN(KeyBits))
		return true
	}},
	{"sibling missing", func(r *rand.Rand, _ *proofTree, p *Proof, _, _, _ *wire.Hash) bool {
		if len(p.Siblings) == 0 {
			return false
		}
		i := r.IntN(len(p.Siblings))
		d := nthSibling(p, i)
		p.Bitmap[d>>3] &^= 0x80 >> uint(d&7)
		p.Siblings = slices.Delete(p.Siblings, i, i+1)
		return true
	}},
	{"sibling removed from list only", func(r *rand.Rand, _ *proofTree, p *Proof, _, _, _ *wire.Hash) bool {
		if len(p.Siblings) == 0 {
			return false
		}
		i := r.IntN(len(p.Siblings))
		p.Siblings = slices.Delete(p.Siblings, i, i+1)
		return true
	}},
	{"extra sibling", func(r *rand.Rand, _ *proofTree, p *Proof, _, _, _ *wire.Hash) bool {
		var free []int
		for d := 0; d < p.Depth; d++ {
			if !p.hasSibling(d) {
				free = append(free, d)
			}
		}
		if len(free) == 0 {
			return false
		}
		d := free[r.IntN(len(free))]
		p.Bitmap[d>>3] |= 0x80 >> uint(d&7)
		i := 0
		for e := 0; e < d; e++ {
			if p.hasSibling(e) {
				i++
			}
		}
		p.Siblings = slices.Insert(p.Siblings, i, randHash(r))
		return true
	}},
	{"deeper slot", func(r *rand.Rand, _ *proofTree, p *Proof, _, _, _ *wire.Hash) bool {
		if p.Depth == KeyBits {
			return false
		}
		p.Bitmap[p.Depth>>3] |= 0x80 >> uint(p.Depth&7)
		p.Depth++
		p.Siblings = append(p.Siblings, randHash(r))
		return true
	}},
	{"shallower slot", func(r *rand.Rand, _ *proofTree, p *Proof, _, _, _ *wire.Hash) bool {
		if p.Depth == 0 {
			return false
		}
		p.Depth--
		if p.hasSibling(p.Depth) {
			p.Bitmap[p.Depth>>3] &^= 0x80 >> uint(p.Depth&7)
			p.Siblings = p.Siblings[:len(p.Siblings)-1]
		}
		return true
	}},
	{"siblings swapped", func(r *rand.Rand, _ *proofTree, p *Proof, _, _, _ *wire.Hash) bool {
		if len(p.Siblings) < 2 {
			return false
		}
		i, j := r.IntN(len(p.Siblings)), r.IntN(len(p.Siblings))
		if p.Siblings[i] == p.Siblings[j] {
			return false
		}
		p.Siblings[i], p.Siblings[j] = p.Siblings[j], p.Siblings[i]
		return true
	}},
	{"root changed", func(r *rand.Rand, _ *proofTree, _ *Proof, root, _, _ *wire.Hash) bool {
		*root = flipBit(*root, r.IntN(KeyBits))
		return true
	}},
	{"root of another tree", func(r *rand.Rand, pt *proofTree, _ *Proof, root, _, _ *wire.Hash) bool {
		other, err := Apply(pt.s, pt.root, []Update{{randHash(r), randHash(r)}})
		if err != nil {
			panic(err)
		}
		*root = other
		return true
	}},
	{"inclusion as absence", func(r *rand.Rand, _ *proofTree, p *Proof, _, _, value *wire.Hash) bool {
		if p.Kind != ProofInclusion {
			return false
		}
		*value = wire.Hash{}
		return true
	}},
	{"absence as inclusion", func(r *rand.Rand, _ *proofTree, p *Proof, _, _, value *wire.Hash) bool {
		if p.Kind == ProofInclusion {
			return false
		}
		*value = randHash(r)
		if p.Kind == ProofOtherLeaf && r.IntN(2) == 0 {
			*value = p.OtherValue
		}
		return true
	}},
	{"kind changed", func(r *rand.Rand, _ *proofTree, p *Proof, _, key, value *wire.Hash) bool {
		switch p.Kind {
		case ProofInclusion:
			p.Kind, p.OtherKey, p.OtherValue = ProofOtherLeaf, *key, *value
			*value = wire.Hash{}
		case ProofEmpty:
			p.Kind, p.OtherKey, p.OtherValue = ProofOtherLeaf, flipBit(*key, KeyBits-1), randHash(r)
		case ProofOtherLeaf:
			p.Kind = ProofEmpty
			if r.IntN(2) == 0 {
				p.OtherKey, p.OtherValue = wire.Hash{}, wire.Hash{}
			}
		}
		return true
	}},
	{"other leaf changed", func(r *rand.Rand, _ *proofTree, p *Proof, _, key, _ *wire.Hash) bool {
		if p.Kind != ProofOtherLeaf {
			return false
		}
		switch r.IntN(3) {
		case 0:
			p.OtherValue = flipBit(p.OtherValue, r.IntN(KeyBits))
		case 1:
			p.OtherKey = flipBit(p.OtherKey, r.IntN(KeyBits))
		default:
			p.OtherKey = *key
		}
		return true
	}},
	{"encoding bit flipped", func(r *rand.Rand, _ *proofTree, p *Proof, _, _, _ *wire.Hash) bool {
		enc := p.Encode()
		i := r.IntN(8 * len(enc))
		enc[i/8] ^= 0x80 >> uint(i%8)
		q, err := DecodeProof(enc)
		if err != nil {
			*p = Proof{Kind: 0xff} // undecodable: rejected as such
			return true
		}
		*p = *q
		return true
	}},
}

// nthSibling returns the depth index of the i-th set bitmap bit.
func nthSibling(p *Proof, i int) int {
	for d := 0; d < p.Depth; d++ {
		if p.hasSibling(d) {
			if i == 0 {
				return d
			}
			i--
		}
	}
	panic("no such sibling")
}

// TestTamper spoils valid proofs 1,000 times in random ways and checks that
// Verify rejects every one.
func TestTamper(t *testing.T) {
	const n = 1000
	pt := newProofTree(t, 3, 500)
	proofs := make([]*Proof, len(pt.stmts))
	for i, st := range pt.stmts {
		proofs[i] = pt.prove(t, st.Key)
		if err := proofs[i].Verify(pt.root, st.Key, st.Value); err != nil {
			t.Fatalf("case %d: untampered proof: %v", i, err)
		}
	}
	r := rand.New(rand.NewPCG(4, 5))
	rejected := 0
	used := make([]int, len(tampers))
	for done := 0; done < n; {
		si, ti := r.IntN(len(pt.stmts)), r.IntN(len(tampers))
		st, tm := pt.stmts[si], tampers[ti]
		p, root, key, value := cloneProof(proofs[si]), pt.root, st.Key, st.Value
		if !tm.fn(r, pt, p, &root, &key, &value) {
			continue
		}
		if bytes.Equal(p.Encode(), proofs[si].Encode()) && root == pt.root && key == st.Key && value == st.Value {
			continue // the tampering happened to change nothing
		}
		done++
		used[ti]++
		err := p.Verify(root, key, value)
		if errors.Is(err, ErrInvalidProof) {
			rejected++
			continue
		}
		t.Errorf("case %d: tampering %q of statement %d: Verify returned %v", done, tm.name, si, err)
	}
	if rejected != n {
		t.Errorf("rejected %d of %d tampered proofs", rejected, n)
	}
	for i, c := range used {
		if c == 0 {
			t.Errorf("tampering %q never applied", tampers[i].name)
		}
	}
	t.Logf("rejected %d/%d tampered proofs", rejected, n)
}

// TestConcurrentReads proves and reads from one tree on several goroutines
// at once (run it with -race): functions share no state but their pool of
// arenas.
func TestConcurrentReads(t *testing.T) {
	pt := newProofTree(t, 8, 2000)
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for _, st := range pt.stmts {
				v, _, err := Get(pt.s, pt.root, st.Key)
				if err == nil && v != st.Value {
					err = fmt.Errorf("Get %s = %s, want %s", st.Key.Short(), v.Short(), st.Value.Short())
				}
				if err == nil {
					var p *Proof
					if p, err = Prove(pt.s, pt.root, st.Key); err == nil {
						err = p.Verify(pt.root, st.Key, st.Value)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-errs; err != nil {
			t.Errorf("case %d: %v", g, err)
		}
	}
}
