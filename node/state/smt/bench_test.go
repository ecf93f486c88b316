package smt

import (
	"math/rand/v2"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/bitverse/bitverse/node/wire"
)

var benchBucket = []byte("tree")

// benchBolt returns a bbolt file holding a tree of n random leaves, built
// in committed batches of 10,000, with the keys in it.
func benchBolt(b *testing.B, r *rand.Rand, n int) (*bbolt.DB, wire.Hash, []wire.Hash) {
	b.Helper()
	db := openBolt(b)
	root := EmptyRoot
	keys := make([]wire.Hash, 0, n)
	for len(keys) < n {
		ups := make([]Update, 0, 10_000)
		for i := 0; i < cap(ups) && len(keys) < n; i++ {
			k := randHash(r)
			keys = append(keys, k)
			ups = append(ups, Update{k, randHash(r)})
		}
		err := db.Update(func(tx *bbolt.Tx) error {
			s, err := NewBoltStore(tx, benchBucket)
			if err != nil {
				return err
			}
			root, err = Apply(s, root, ups)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return db, root, keys
}

// BenchmarkApply1000On100k applies batches of 1,000 random updates (80%
// new values for present keys, 10% new keys, 10% deletions) to a tree of
// 100,000 leaves in a bbolt file, one write transaction per batch. Drawing
// the updates and committing are not timed. It reports wall time and CPU
// time (all threads) per update: on a shared machine the first also counts
// waiting for a core.
func BenchmarkApply1000On100k(b *testing.B) {
	const batch = 1000
	r := rand.New(rand.NewPCG(1, 1))
	db, root, keys := benchBolt(b, r, 100_000)
	ups := make([]Update, batch)
	var cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for j := range ups {
			switch x := r.IntN(10); {
			case x == 0:
				k := randHash(r)
				keys = append(keys, k)
				ups[j] = Update{k, randHash(r)}
			case x == 1:
				at := r.IntN(len(keys))
				ups[j] = Update{Key: keys[at]}
				keys[at] = keys[len(keys)-1]
				keys = keys[:len(keys)-1]
			default:
				ups[j] = Update{keys[r.IntN(len(keys))], randHash(r)}
			}
		}
		tx, err := db.Begin(true)
		if err != nil {
			b.Fatal(err)
		}
		s, err := NewBoltStore(tx, benchBucket)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		c0 := cpuTime()
		if root, err = Apply(s, root, ups); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
		b.StopTimer()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/update")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*batch), "cpu-ns/update")
}

// BenchmarkApply1000On100kMem applies batches like BenchmarkApply1000On100k
// to a 100,000-leaf tree in a MemStore, each batch to the same root, with
// the new records thrown away: the cost of the tree code alone, without
// bbolt.
func BenchmarkApply1000On100kMem(b *testing.B) {
	const batch = 1000
	r := rand.New(rand.NewPCG(1, 1))
	s := NewMemStore()
	m := make(map[wire.Hash]wire.Hash, 100_000)
	for len(m) < 100_000 {
		m[randHash(r)] = randHash(r)
	}
	keys := make([]wire.Hash, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	root, err := Apply(s, EmptyRoot, sortedModel(m))
	if err != nil {
		b.Fatal(err)
	}
	ro := discardStore{s}
	ups := make([]Update, batch)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for j := range ups {
			ups[j] = Update{keys[r.IntN(len(keys))], randHash(r)}
		}
		b.StartTimer()
		if _, err = Apply(ro, root, ups); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/update")
}

// discardStore reads from a store and throws away what is put.
type discardStore struct{ NodeStore }

func (discardStore) Put(wire.Hash, []byte) error { return nil }

// BenchmarkProve proves random present keys of a 100,000-leaf tree in a
// bbolt read transaction.
func BenchmarkProve(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	db, root, keys := benchBolt(b, r, 100_000)
	tx, err := db.Begin(false)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	s, err := NewBoltStore(tx, benchBucket)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Prove(s, root, keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify verifies inclusion proofs from a 100,000-leaf tree.
func BenchmarkVerify(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	s := NewMemStore()
	m := make(map[wire.Hash]wire.Hash, 100_000)
	for len(m) < 100_000 {
		m[randHash(r)] = randHash(r)
	}
	ups := sortedModel(m)
	root, err := Apply(s, EmptyRoot, ups)
	if err != nil {
		b.Fatal(err)
	}
	proofs := make([]*Proof, 1000)
	for i := range proofs {
		if proofs[i], err = Prove(s, root, ups[i*97].Key); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i % len(proofs)
		if err := proofs[j].Verify(root, ups[j*97].Key, ups[j*97].Value); err != nil {
			b.Fatal(err)
		}
	}
}
