package smt

import (
	"errors"
	"math/rand/v2"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/bitverse/bitverse/node/wire"
)

// Batches applied on an overlay give exactly the roots they give on the
// base store; Persist of the last root stores that version whole (Check
// reads it from the base alone), stores fewer records than the batches
// wrote one by one, and leaves an intermediate version unstored, which the
// reverse of the batches after it rebuilds in the base.
func TestOverlayPersistsOnlyTheVersionAsked(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	plain, base := NewMemStore(), NewMemStore()
	var keys []wire.Hash
	var batches [][]Update
	for b := 0; b < 40; b++ {
		var ups []Update
		for i := 0; i < 10; i++ {
			switch {
			case b == 0 || i < 4:
				k := randHash(r)
				keys = append(keys, k)
				ups = append(ups, Update{k, randHash(r)})
			case i == 9:
				ups = append(ups, Update{Key: keys[r.IntN(len(keys))]}) // a deletion
			default:
				ups = append(ups, Update{keys[r.IntN(len(keys))], randHash(r)})
			}
		}
		batches = append(batches, ups)
	}
	// The first batch is stored in the base, as the run before would be.
	root, err := Apply(base, EmptyRoot, batches[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(plain, EmptyRoot, batches[0]); err != nil {
		t.Fatal(err)
	}
	plainBefore, baseBefore := len(plain.(*memStore).nodes), len(base.(*memStore).nodes)
	ov := NewOverlay(base)
	roots := []wire.Hash{root}
	for _, ups := range batches[1:] {
		want, err := Apply(plain, roots[len(roots)-1], ups)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Apply(ov, roots[len(roots)-1], ups)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("batch %d: root %s on the overlay, %s on a plain store", len(roots), got.Short(), want.Short())
		}
		roots = append(roots, got)
	}
	last := roots[len(roots)-1]
	if err := ov.Persist(last); err != nil {
		t.Fatal(err)
	}
	if _, err := Check(base, last); err != nil {
		t.Fatalf("the persisted version does not read from the base alone: %v", err)
	}
	wrote, kept := len(plain.(*memStore).nodes)-plainBefore, len(base.(*memStore).nodes)-baseBefore
	t.Logf("persisted %d records; the batches one by one wrote %d", kept, wrote)
	if kept*2 > wrote {
		t.Fatalf("persisted %d records, the batches one by one wrote %d", kept, wrote)
	}
	mid := len(roots) / 2
	if _, err := base.Get(roots[mid]); !errors.Is(err, ErrMissingNode) {
		t.Fatalf("an intermediate version is in the base: %v", err)
	}
	// Back from the last version to the middle one, a batch at a time, as
	// disconnects do: each reverse batch sets its keys to their values
	// before it (read from the plain store, which holds every version).
	for i := len(roots) - 1; i > mid; i-- {
		var rev []Update
		for _, u := range batches[i] {
			v, _, err := Get(plain, roots[i-1], u.Key)
			if err != nil {
				t.Fatal(err)
			}
			rev = append(rev, Update{u.Key, v})
		}
		got, err := Apply(base, roots[i], rev)
		if err != nil {
			t.Fatal(err)
		}
		if got != roots[i-1] {
			t.Fatalf("reverse of batch %d: root %s, want %s", i, got.Short(), roots[i-1].Short())
		}
	}
	if _, err := Check(base, roots[mid]); err != nil {
		t.Fatalf("the rebuilt version does not read from the base: %v", err)
	}
}

// Persist on a bbolt store: the records land in the bucket and commit.
func TestOverlayPersistsIntoBolt(t *testing.T) {
	db := openBolt(t)
	r := rand.New(rand.NewPCG(5, 5))
	var root wire.Hash
	err := db.Update(func(tx *bbolt.Tx) error {
		s, err := NewBoltStore(tx, []byte("tree"))
		if err != nil {
			return err
		}
		ov := NewOverlay(s)
		for b := 0; b < 5; b++ {
			ups := make([]Update, 200)
			for i := range ups {
				ups[i] = Update{randHash(r), randHash(r)}
			}
			if root, err = Apply(ov, root, ups); err != nil {
				return err
			}
		}
		return ov.Persist(root)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *bbolt.Tx) error {
		s, err := NewBoltStore(tx, []byte("tree"))
		if err != nil {
			return err
		}
		n, err := Check(s, root)
		if err == nil && n != 1000 {
			t.Errorf("%d leaves, want 1000", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
