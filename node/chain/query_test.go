package chain

import (
	"errors"
	"testing"

	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// TestProofs: a proof built at the tip verifies against the tip's header,
// for a present and an absent key; a proof asked under an older block's
// roots is refused rather than returned broken.
func TestProofs(t *testing.T) {
	fx := newFixture(t, nil)
	old := fx.mine(fx.alice.PubKey(), fx.put(fx.alice, "public/p/k", "one", -1))
	fx.mine(fx.alice.PubKey(), fx.put(fx.alice, "public/p/k", "two", -1))
	err := fx.c.View(func(tx *bbolt.Tx, tip TipInfo, roots state.Roots) error {
		if tip.Header.StateRoot != tip.StateRoot || tip.Header.ID() != tip.ID {
			t.Fatalf("TipInfo.Header is not the tip's header")
		}
		for _, key := range []string{"public/p/k", "public/p/absent"} {
			p, err := state.Prove(tx, roots, key)
			if err != nil {
				return err
			}
			dec, err := state.DecodeProof(p.Encode())
			if err != nil {
				return err
			}
			if err := dec.Verify(tip.StateRoot); err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			if (key == "public/p/k") != (dec.Record != nil) {
				t.Fatalf("%s: record %v", key, dec.Record)
			}
			// Tampering with the value breaks it.
			if dec.Record != nil {
				dec.Record.Value = []byte("three")
				if err := dec.Verify(tip.StateRoot); !errors.Is(err, state.ErrBadProof) {
					t.Fatalf("tampered proof: %v", err)
				}
			}
		}
		oldRoots, err := rootsOf(tx, old.ID())
		if err != nil {
			return err
		}
		if _, err := state.Prove(tx, oldRoots, "public/p/k"); !errors.Is(err, state.ErrStaleRoots) {
			t.Fatalf("proof under old roots: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLocatorAndHeadersAfter: the locator is dense near the tip and reaches
// genesis; HeadersAfter continues from the newest locator entry on the best
// chain, also when the peer's tip is on a branch we left.
func TestLocatorAndHeadersAfter(t *testing.T) {
	fx := newBareFixture(t, nil)
	for i := 0; i < 40; i++ {
		fx.mine(fx.alice.PubKey())
	}
	loc := fx.c.Locator()
	if loc[0] != fx.c.Tip().ID {
		t.Fatalf("locator does not start at the tip")
	}
	gen, _ := fx.c.IDAt(0)
	if loc[len(loc)-1] != gen {
		t.Fatalf("locator does not end at genesis")
	}
	for i := 1; i < 10; i++ {
		want, _ := fx.c.IDAt(40 - uint64(i))
		if loc[i] != want {
			t.Fatalf("locator[%d] is not dense", i)
		}
	}
	if len(loc) > 10+7 {
		t.Fatalf("locator of %d entries for 41 blocks", len(loc))
	}
	at := func(h uint64) wire.Hash { id, _ := fx.c.IDAt(h); return id }
	hs := fx.c.HeadersAfter([]wire.Hash{{9, 9}, at(30), at(10)}, 5)
	if len(hs) != 5 || hs[0].Height != 31 || hs[4].Height != 35 {
		t.Fatalf("HeadersAfter: %d headers from %d", len(hs), hs[0].Height)
	}
	if hs := fx.c.HeadersAfter(nil, 1000); len(hs) != 40 || hs[0].Height != 1 {
		t.Fatalf("HeadersAfter(nil): %d headers", len(hs))
	}
	if hs := fx.c.HeadersAfter([]wire.Hash{fx.c.Tip().ID}, 10); len(hs) != 0 {
		t.Fatalf("HeadersAfter(tip): %d headers", len(hs))
	}
	// A peer on a branch we left: its locator's first entries are unknown
	// to our best chain; we answer from the fork point.
	fy := fx.forkAt(35)
	fy.mine(fy.carol.PubKey())
	hs = fx.c.HeadersAfter(fy.c.Locator(), 100)
	if len(hs) != 5 || hs[0].Height != 36 {
		t.Fatalf("after a fork: %d headers from %d", len(hs), hs[0].Height)
	}
}
