package tumbler

import (
	"testing"
)

// The store keeps every running registration and the newest keepEnded
// finished ones; a finished one's record holds no key.
func TestStoreKeepsRunningAndNewestFinished(t *testing.T) {
	db, err := openStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w := newWorld(t, testTerms(2), []uint64{1_000_110})
	g := &reg{p: w.ps[0], info: Registration{Round: w.ps[0].ID, Input: w.ps[0].Key, Phase: InputRegistration}}
	if rec := g.record(); rec.Secret == nil {
		t.Fatal("a running registration's record has no key to sign with after a restart")
	}
	running, _ := saveRecord(db, 0, g.record())
	g.info.Phase = Done
	if rec := g.record(); rec.Secret != nil {
		t.Fatal("a finished registration's record keeps the paying key")
	}
	for i := 0; i < keepEnded+10; i++ {
		g.info.Amount = uint64(i)
		if _, err := saveRecord(db, 0, g.record()); err != nil {
			t.Fatal(err)
		}
	}
	seqs, recs, err := loadRecords(db)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != keepEnded+1 || seqs[0] != running || recs[0].Info.Phase.Ended() {
		t.Fatalf("%d records kept, first %d at %s", len(recs), seqs[0], recs[0].Info.Phase)
	}
	if last := recs[len(recs)-1]; last.Info.Amount != keepEnded+9 {
		t.Fatalf("the newest finished one is gone (last kept has amount %d)", last.Info.Amount)
	}
	// A second load finds the same: the dropped ones were deleted.
	if _, again, _ := loadRecords(db); len(again) != len(recs) {
		t.Fatalf("%d records on the second load", len(again))
	}
}
