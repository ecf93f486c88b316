package smt

import (
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
	"pgregory.net/rapid"

	"github.com/bitverse/bitverse/node/wire"
)

// TestRootVectors pins the root of small trees to hashes computed by hand
// from the definitions in doc.go.
func TestRootVectors(t *testing.T) {
	k0 := hb(0x00) // 0000…
	k1 := hb(0x20) // 0010…
	k2 := hb(0x80) // 1000…
	k3 := hb(0x00, 0x00, 0x00, 0x01)
	kLast0 := h(0x00) // differs from kLast1 in the last bit only
	kLast1 := h(0x01) // …
	v1, v2, v3 := h(1), h(2), h(3)
	l := leafHash
	n := innerHash
	z := wire.Hash{}
	tests := []struct {
		ups  []Update
		want wire.Hash
	}{
		{nil, EmptyRoot},
		{[]Update{{k0, v1}}, l(k0, v1)},
		{[]Update{{k0, v1}, {k0, v2}}, l(k0, v2)},
		{[]Update{{k0, v1}, {k0, z}}, EmptyRoot},
		{[]Update{{k0, z}}, EmptyRoot},
		{[]Update{{k0, v1}, {k2, v2}}, n(l(k0, v1), l(k2, v2))},
		// k0 and k1 share "00", part at bit 2.
		{[]Update{{k0, v1}, {k1, v2}}, n(n(n(l(k0, v1), l(k1, v2)), z), z)},
		{[]Update{{k0, v1}, {k1, v2}, {k2, v3}}, n(n(n(l(k0, v1), l(k1, v2)), z), l(k2, v3))},
		// k0 and k3 share 31 bits.
		{[]Update{{k0, v1}, {k3, v2}}, func() wire.Hash {
			x := n(l(k0, v1), l(k3, v2))
			for d := 30; d >= 0; d-- {
				x = n(x, z)
			}
			return x
		}()},
		// Leaves at depth 256.
		{[]Update{{kLast0, v1}, {kLast1, v2}}, func() wire.Hash {
			x := n(l(kLast0, v1), l(kLast1, v2))
			for d := 254; d >= 0; d-- {
				x = n(x, z)
			}
			return x
		}()},
	}
	for i, tc := range tests {
		got, err := Apply(NewMemStore(), EmptyRoot, tc.ups)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if got != tc.want {
			t.Errorf("case %d: root %s, want %s", i, got.Short(), tc.want.Short())
		}
	}
}

// TestDeleteCollapses checks that deleting keys moves the survivors' leaves
// up and returns exactly the root of the smaller set.
func TestDeleteCollapses(t *testing.T) {
	k0, k1, k2 := hb(0x00), hb(0x20), hb(0x80)
	kd := h(0x01) // shares 255 bits with the zero key
	kz := h(0x00)
	v := h(7)
	tests := []struct {
		start, del []wire.Hash
	}{
		{[]wire.Hash{k0, k1, k2}, []wire.Hash{k1}},
		{[]wire.Hash{k0, k1, k2}, []wire.Hash{k2}},
		{[]wire.Hash{k0, k1, k2}, []wire.Hash{k0, k1}},
		{[]wire.Hash{k0, k1, k2}, []wire.Hash{k0, k1, k2}},
		{[]wire.Hash{kz, kd, k2}, []wire.Hash{kd}},
		{[]wire.Hash{kz, kd, k2}, []wire.Hash{k2}},
		{[]wire.Hash{kz, kd, k2}, []wire.Hash{k2, kz}},
		{[]wire.Hash{kz, kd}, []wire.Hash{hb(0x40)}}, // absent key: nothing changes
	}
	for i, tc := range tests {
		s := NewMemStore()
		var ups []Update
		for _, k := range tc.start {
			ups = append(ups, Update{k, v})
		}
		root, err := Apply(s, EmptyRoot, ups)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		var dels, rest []Update
		for _, k := range tc.del {
			dels = append(dels, Update{Key: k})
		}
		for _, k := range tc.start {
			if !slices.Contains(tc.del, k) {
				rest = append(rest, Update{k, v})
			}
		}
		got, err := Apply(s, root, dels)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		want, _ := Apply(NewMemStore(), EmptyRoot, rest)
		if got != want {
			t.Errorf("case %d: root after delete %s, rebuilt %s", i, got.Short(), want.Short())
		}
		if _, err := checkTree(s, got); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

// TestOrderIndependence builds one set of pairs in many ways and checks
// that every way gives the same root.
func TestOrderIndependence(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	final := make(map[wire.Hash]wire.Hash)
	for i := 0; i < 400; i++ {
		final[randHash(r)] = randHash(r)
	}
	// Near neighbours, to get deep paths.
	base := randHash(r)
	for _, b := range []int{255, 254, 200, 128, 8} {
		final[flipBit(base, b)] = randHash(r)
	}
	final[base] = randHash(r)
	extra := []wire.Hash{flipBit(base, 253), randHash(r), randHash(r)} // inserted then deleted
	want, err := Apply(NewMemStore(), EmptyRoot, modelUpdates(final, r))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		batch int  // batch size
		noise bool // also insert and later delete extra keys, and overwrite values
	}{
		{"one by one", 1, false},
		{"batches of 7", 7, false},
		{"one batch", 1 << 20, false},
		{"one by one with noise", 1, true},
		{"batches of 50 with noise", 50, true},
		{"one batch with noise", 1 << 20, true},
	}
	for i, tc := range tests {
		var ups []Update
		if tc.noise {
			for _, k := range extra {
				ups = append(ups, Update{k, randHash(r)})
			}
			for k := range final {
				ups = append(ups, Update{k, randHash(r)})
			}
		}
		ups = append(ups, modelUpdates(final, r)...)
		if tc.noise {
			for _, k := range extra {
				ups = append(ups, Update{Key: k})
			}
		}
		s := NewMemStore()
		root := EmptyRoot
		for len(ups) > 0 {
			n := min(tc.batch, len(ups))
			if root, err = Apply(s, root, ups[:n]); err != nil {
				t.Fatalf("case %d (%s): %v", i, tc.name, err)
			}
			ups = ups[n:]
		}
		if root != want {
			t.Errorf("case %d (%s): root %s, want %s", i, tc.name, root.Short(), want.Short())
		}
		leaves, err := checkTree(s, root)
		if err != nil {
			t.Errorf("case %d (%s): %v", i, tc.name, err)
		}
		if !slices.Equal(leaves, sortedModel(final)) {
			t.Errorf("case %d (%s): tree holds %d leaves, want %d", i, tc.name, len(leaves), len(final))
		}
	}
}

// TestOldRootsReadable applies a history of batches, committing each in its
// own bbolt transaction, then reopens the file and checks that every root
// of the history still answers Get and Prove as it did.
func TestOldRootsReadable(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	keys := make([]wire.Hash, 60)
	for i := range keys {
		keys[i] = randHash(r)
	}
	type version struct {
		root  wire.Hash
		model map[wire.Hash]wire.Hash
	}
	for _, se := range envs(t) {
		e := se.e
		model := make(map[wire.Hash]wire.Hash)
		root := EmptyRoot
		var history []version
		for b := 0; b < 30; b++ {
			var ups []Update
			for j := 0; j < 1+r.IntN(15); j++ {
				u := Update{Key: keys[r.IntN(len(keys))]}
				if r.IntN(4) != 0 {
					u.Value = randHash(r)
				}
				ups = append(ups, u)
			}
			if b == 20 { // empty the tree once
				for _, k := range keys {
					ups = append(ups, Update{Key: k})
				}
			}
			if err := e.update(func(s NodeStore) (err error) {
				root, err = Apply(s, root, ups)
				return err
			}); err != nil {
				t.Fatalf("%s: batch %d: %v", se.name, b, err)
			}
			applyModel(model, ups)
			history = append(history, version{root, maps.Clone(model)})
		}
		if be, ok := e.(boltEnv); ok { // reopen the file
			path := be.db.Path()
			if err := be.db.Close(); err != nil {
				t.Fatal(err)
			}
			db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			e = boltEnv{db, be.bucket}
		}
		err := e.view(func(s NodeStore) error {
			for i, v := range history {
				for _, k := range keys {
					got, found, err := Get(s, v.root, k)
					want, ok := v.model[k]
					if err != nil || got != want || found != ok {
						t.Errorf("%s: case %d: Get %s = %s, %v, %v; want %s, %v", se.name, i, k.Short(), got.Short(), found, err, want.Short(), ok)
					}
					p, err := Prove(s, v.root, k)
					if err != nil {
						t.Fatalf("%s: case %d: Prove: %v", se.name, i, err)
					}
					if err := p.Verify(v.root, k, want); err != nil {
						t.Errorf("%s: case %d: Verify: %v", se.name, i, err)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestStoreErrors checks the errors of missing roots, damaged nodes and
// read-only stores.
func TestStoreErrors(t *testing.T) {
	k := hb(0x55)
	mk := func(b []byte) NodeStore {
		s := NewMemStore()
		if err := s.Put(hb(9), b); err != nil {
			t.Fatal(err)
		}
		return s
	}
	leaf := slices.Concat([]byte{tagLeaf}, bs(hb(1)), bs(hb(2)))
	tests := []struct {
		s    NodeStore
		root wire.Hash
		want error
	}{
		{NewMemStore(), hb(9), ErrMissingNode},
		{mk([]byte{}), hb(9), ErrCorruptNode},
		{mk([]byte{0x04}), hb(9), ErrCorruptNode},
		{mk(leaf[:64]), hb(9), ErrCorruptNode},                                                           // short leaf record
		{mk(slices.Concat(leaf[:33], make([]byte, 32))), hb(9), ErrCorruptNode},                          // empty value
		{mk([]byte{tagPage}), hb(9), ErrCorruptNode},                                                     // no node
		{mk([]byte{tagPage, 0x00}), hb(9), ErrCorruptNode},                                               // no children
		{mk(slices.Concat([]byte{tagPage, 0x01}, leaf[1:])), hb(9), ErrCorruptNode},                      // one leaf only
		{mk(slices.Concat([]byte{tagPage, 0x02}, bs(hb(8)))), hb(9), ErrCorruptNode},                     // truncated below
		{mk(slices.Concat([]byte{tagPage, 0x05}, leaf[1:], leaf[1:], []byte{0})), hb(9), ErrCorruptNode}, // trailing
		{mk(slices.Concat([]byte{tagPage, 0x11}, leaf[1:], leaf[1:])), hb(9), ErrCorruptNode},            // bad codes
		{mk(slices.Concat([]byte{tagPage, 0x0b}, leaf[1:], leaf[1:])), hb(9), ErrCorruptNode},            // code 3
	}
	for i, tc := range tests {
		if _, _, err := Get(tc.s, tc.root, k); !errors.Is(err, tc.want) {
			t.Errorf("case %d: Get error %v, want %v", i, err, tc.want)
		}
		if _, err := Prove(tc.s, tc.root, k); !errors.Is(err, tc.want) {
			t.Errorf("case %d: Prove error %v, want %v", i, err, tc.want)
		}
		if _, err := Apply(tc.s, tc.root, []Update{{k, h(1)}}); !errors.Is(err, tc.want) {
			t.Errorf("case %d: Apply error %v, want %v", i, err, tc.want)
		}
		if err := Walk(tc.s, tc.root, func(_, _ wire.Hash) error { return nil }); !errors.Is(err, tc.want) {
			t.Errorf("case %d: Walk error %v, want %v", i, err, tc.want)
		}
	}

	// A read-only transaction on a file without the bucket reads as empty.
	db := openBolt(t)
	err := db.View(func(tx *bbolt.Tx) error {
		s, err := NewBoltStore(tx, []byte("none"))
		if err != nil {
			return err
		}
		if _, found, err := Get(s, EmptyRoot, k); found || err != nil {
			t.Errorf("empty root: found %v, error %v", found, err)
		}
		if _, _, err := Get(s, hb(9), k); !errors.Is(err, ErrMissingNode) {
			t.Errorf("unknown root: error %v, want ErrMissingNode", err)
		}
		if _, err := Apply(s, EmptyRoot, []Update{{k, h(1)}}); !errors.Is(err, berrors.ErrTxNotWritable) {
			t.Errorf("read-only Apply: error %v, want ErrTxNotWritable", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// genKey draws keys that make interesting trees: random ones, neighbours of
// a fixed key differing in one bit (long shared prefixes, down to depth
// 256), and keys that differ early.
func genKey() *rapid.Generator[wire.Hash] {
	base := hb(0xa5, 0x5a, 0xa5, 0x5a)
	return rapid.Custom(func(t *rapid.T) wire.Hash {
		switch rapid.IntRange(0, 2).Draw(t, "shape") {
		case 0:
			return wire.Hash(rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "random"))
		case 1:
			return flipBit(base, rapid.IntRange(0, KeyBits-1).Draw(t, "bit"))
		default:
			return hb(rapid.Byte().Draw(t, "first"))
		}
	})
}

// genValue draws zero (delete) a quarter of the time, else one of a few
// values (so that rewriting a key with its own value happens) or a random one.
func genValue() *rapid.Generator[wire.Hash] {
	return rapid.Custom(func(t *rapid.T) wire.Hash {
		switch rapid.IntRange(0, 3).Draw(t, "kind") {
		case 0:
			return wire.Hash{}
		case 1:
			return h(rapid.ByteRange(1, 3).Draw(t, "small"))
		default:
			v := wire.Hash(rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "value"))
			v[0] |= 1
			return v
		}
	})
}

// TestModel applies random batches of inserts, updates and deletes to the
// tree and to a map, and after each batch checks Get, Prove/Verify and the
// proof encoding for present and absent keys, the tree's invariants, and
// that the root equals the root of the map rebuilt in one batch. At the end
// every earlier root must still read as its own version of the map.
func TestModel(t *testing.T) {
	db := openBolt(t)
	buckets := 0
	for _, kind := range []string{"mem", "bolt"} {
		t.Run(kind, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				var e env = memEnv{NewMemStore()}
				if kind == "bolt" {
					buckets++
					e = boltEnv{db, []byte{byte(buckets >> 8), byte(buckets)}}
				}
				checkModel(rt, e)
			})
		})
	}
}

func checkModel(t *rapid.T, e env) {
	// Exact sizes: rapid favours short slices, and trees of more than 63
	// keys are needed to split pages.
	size := rapid.SampledFrom([]int{1, 4, 16, 40, 100, 200}).Draw(t, "pool size")
	pool := rapid.SliceOfNDistinct(genKey(), size, size, rapid.ID[wire.Hash]).Draw(t, "keys")
	genUpdate := rapid.Custom(func(t *rapid.T) Update {
		return Update{rapid.SampledFrom(pool).Draw(t, "key"), genValue().Draw(t, "value")}
	})
	probe := append(slices.Clone(pool), hb(0xff, 0xff), hb(0x00), flipBit(pool[0], 255))
	model := make(map[wire.Hash]wire.Hash)
	root := EmptyRoot
	type version struct {
		root  wire.Hash
		model map[wire.Hash]wire.Hash
	}
	var history []version
	seed := rapid.Uint64().Draw(t, "seed")
	shuffle := rand.New(rand.NewPCG(seed, seed))
	nb := rapid.IntRange(1, 8).Draw(t, "batches")
	for b := 0; b < nb; b++ {
		n := rapid.IntRange(0, 2*len(pool)).Draw(t, "batch size")
		ups := rapid.SliceOfN(genUpdate, n, n).Draw(t, "batch")
		if err := e.update(func(s NodeStore) (err error) {
			root, err = Apply(s, root, ups)
			return err
		}); err != nil {
			t.Fatalf("batch %d: Apply: %v", b, err)
		}
		applyModel(model, ups)
		history = append(history, version{root, maps.Clone(model)})

		rebuilt, err := Apply(NewMemStore(), EmptyRoot, modelUpdates(model, shuffle))
		if err != nil {
			t.Fatal(err)
		}
		if rebuilt != root {
			t.Fatalf("batch %d: root %s, rebuilt from the model %s", b, root.Short(), rebuilt.Short())
		}
		err = e.view(func(s NodeStore) error {
			leaves, err := checkTree(s, root)
			if err != nil {
				t.Fatalf("batch %d: %v", b, err)
			}
			if !slices.Equal(leaves, sortedModel(model)) {
				t.Fatalf("batch %d: tree holds %d leaves, model %d", b, len(leaves), len(model))
			}
			var walked []Update
			if err := Walk(s, root, func(k, v wire.Hash) error { walked = append(walked, Update{k, v}); return nil }); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(walked, leaves) {
				t.Fatalf("batch %d: Walk disagrees with the tree", b)
			}
			for i, k := range probe {
				checkKey(t, s, root, k, model[k], i)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err := e.view(func(s NodeStore) error {
		for i, v := range history {
			for _, k := range probe {
				got, found, err := Get(s, v.root, k)
				want, ok := v.model[k]
				if err != nil || got != want || found != ok {
					t.Fatalf("version %d: Get %s = %s, %v, %v; want %s, %v", i, k.Short(), got.Short(), found, err, want.Short(), ok)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkKey checks Get, Prove, Verify and the proof's encoding for one key
// whose value in the tree is want (zero if absent).
func checkKey(t *rapid.T, s NodeStore, root, k, want wire.Hash, i int) {
	got, found, err := Get(s, root, k)
	if err != nil || got != want || found == want.IsZero() {
		t.Fatalf("key %d: Get = %s, %v, %v; want %s", i, got.Short(), found, err, want.Short())
	}
	p, err := Prove(s, root, k)
	if err != nil {
		t.Fatalf("key %d: Prove: %v", i, err)
	}
	if err := p.Verify(root, k, want); err != nil {
		t.Fatalf("key %d: Verify: %v", i, err)
	}
	q, err := DecodeProof(p.Encode())
	if err != nil {
		t.Fatalf("key %d: DecodeProof: %v", i, err)
	}
	if err := q.Verify(root, k, want); err != nil {
		t.Fatalf("key %d: Verify decoded: %v", i, err)
	}
	wrong := h(0xee)
	if !want.IsZero() {
		if err := p.Verify(root, k, wire.Hash{}); !errors.Is(err, ErrInvalidProof) {
			t.Fatalf("key %d: inclusion proof verified absence: %v", i, err)
		}
		wrong = flipBit(want, 3)
	}
	if err := p.Verify(root, k, wrong); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("key %d: proof verified a wrong value: %v", i, err)
	}
}

// TestClassBoundaries grows a tree past 64 and 4096 leaves and shrinks it
// back to nothing in random batches, so that pages split off and merge back
// as subtrees change size class, and checks after every batch that the
// tree is sound, holds the model, and has the root of the model rebuilt in
// one batch.
func TestClassBoundaries(t *testing.T) {
	for _, se := range envs(t) {
		r := rand.New(rand.NewPCG(7, 8))
		model := make(map[wire.Hash]wire.Hash)
		var keys []wire.Hash
		root := EmptyRoot
		most := 0
		for b := 0; b < 50; b++ {
			grow := b < 25
			n := 1 + r.IntN(600)
			var ups []Update
			for j := 0; j < n; j++ {
				switch x := r.IntN(10); {
				case len(keys) > 0 && (x < 1 || !grow && x < 9):
					at := r.IntN(len(keys))
					ups = append(ups, Update{Key: keys[at]})
					keys[at] = keys[len(keys)-1]
					keys = keys[:len(keys)-1]
				case len(keys) > 0 && x < 2:
					ups = append(ups, Update{keys[r.IntN(len(keys))], randHash(r)})
				default:
					k := randHash(r)
					if r.IntN(8) == 0 && len(keys) > 0 { // a near neighbour
						k = flipBit(keys[r.IntN(len(keys))], 200+r.IntN(56))
					}
					if _, ok := model[k]; !ok {
						keys = append(keys, k)
					}
					ups = append(ups, Update{k, randHash(r)})
				}
			}
			if b == 49 { // end empty
				ups = ups[:0]
				for k := range model {
					ups = append(ups, Update{Key: k})
				}
				keys = nil
			}
			if err := se.e.update(func(s NodeStore) (err error) {
				root, err = Apply(s, root, ups)
				return err
			}); err != nil {
				t.Fatalf("%s: batch %d: %v", se.name, b, err)
			}
			applyModel(model, ups)
			most = max(most, len(model))
			want, err := Apply(NewMemStore(), EmptyRoot, modelUpdates(model, r))
			if err != nil {
				t.Fatal(err)
			}
			if root != want {
				t.Fatalf("%s: batch %d (%d leaves): root %s, rebuilt %s", se.name, b, len(model), root.Short(), want.Short())
			}
			err = se.e.view(func(s NodeStore) error {
				leaves, err := checkTree(s, root)
				if err != nil {
					return err
				}
				if !slices.Equal(leaves, sortedModel(model)) {
					t.Fatalf("%s: batch %d: tree holds %d leaves, model %d", se.name, b, len(leaves), len(model))
				}
				for i := 0; i < 20 && i < len(keys); i++ {
					k := keys[r.IntN(len(keys))]
					if v, found, err := Get(s, root, k); err != nil || !found || v != model[k] {
						t.Fatalf("%s: batch %d: Get %s = %s, %v, %v", se.name, b, k.Short(), v.Short(), found, err)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatalf("%s: batch %d: %v", se.name, b, err)
			}
		}
		if root != EmptyRoot {
			t.Errorf("%s: tree not empty at the end", se.name)
		}
		if most <= 1<<(2*classBits) {
			t.Errorf("%s: the tree grew to %d leaves only", se.name, most)
		}
	}
}

// A small batch on a bbolt store encodes its records into a chunk of its
// own size, not a lent 256 KiB one: a run of blocks commits many small
// batches in one transaction, and each would hold a full chunk until then.
func TestSmallBatchTakesNoFullChunk(t *testing.T) {
	db := openBolt(t)
	r := rand.New(rand.NewPCG(7, 7))
	root := EmptyRoot
	for _, n := range []int{5000, 10} {
		ups := make([]Update, n)
		for i := range ups {
			ups[i] = Update{randHash(r), randHash(r)}
		}
		err := db.Update(func(tx *bbolt.Tx) error {
			s, err := NewBoltStore(tx, []byte("tree"))
			if err != nil {
				return err
			}
			if root, err = Apply(s, root, ups); err != nil {
				return err
			}
			lent := len(s.(*boltStore).lent)
			switch {
			case n > 1000 && lent == 0:
				t.Errorf("a batch of %d updates lent no chunk", n)
			case n <= 1000 && lent != 0:
				t.Errorf("a batch of %d updates holds %d chunks of %d KiB", n, lent, recChunk>>10)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
