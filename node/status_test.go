package node

import (
	"context"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/wire"
)

// TestStatusReportsMinePathAndFoundByChain: while mining, status names the
// chain at the end of the path being mined ("/" with no branch writes
// waiting) and counts the blocks found per chain; stopped, no path.
func TestStatusReportsMinePathAndFoundByChain(t *testing.T) {
	n := openTestNode(t, t.TempDir())
	defer n.Close()
	to := wire.Sum([]byte("miner")) // any 32 bytes do as a key to pay
	pk := wire.PubKey(to)
	ctx := context.Background()
	st, err := n.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.MinePath != "" || len(st.FoundByChain) != 0 {
		t.Fatalf("before mining: path %q, found %v", st.MinePath, st.FoundByChain)
	}
	if err := n.StartMining(&pk); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err = n.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.FoundByChain["/"] >= 2 && st.MinePath != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no blocks found in 60 s: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st.MinePath != "/" {
		t.Errorf("mine path %q, want / (no branch writes waiting)", st.MinePath)
	}
	if st.FoundByChain["/"] > st.BlocksFound {
		t.Errorf("found by chain %v, blocks found %d", st.FoundByChain, st.BlocksFound)
	}
	n.StopMining()
	if st, _ = n.Status(ctx); st.MinePath != "" {
		t.Errorf("stopped: path %q", st.MinePath)
	}
}
