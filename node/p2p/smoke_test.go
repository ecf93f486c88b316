package p2p_test

import (
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/harness"
)

func TestSmokeTwoNodes(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("alice")
	b := h.NewNode("bob")
	a.Mine(5)
	h.Connect(a, b)
	h.WaitForTip(10*time.Second, a, b)
	a.Mine(3)
	tip := h.WaitForTip(10*time.Second, a, b)
	t.Logf("tip %s height %d stats a=%+v b=%+v", tip.Short(), b.Chain().Tip().Height, a.Host.Stats(), b.Host.Stats())
}

// Stats count the stream bytes a host receives and sends: a node that
// synced blocks from a peer has received at least their encodings.
func TestStatsCountStreamBytes(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("alice")
	b := h.NewNode("bob")
	blocks := a.Mine(5)
	h.Connect(a, b)
	h.WaitForTip(10*time.Second, a, b)
	var size int64
	for _, blk := range blocks {
		size += int64(len(blk.Encode()))
	}
	deadline := time.Now().Add(10 * time.Second) // the counter totals once a second
	for b.Host.Stats().BytesIn < size || a.Host.Stats().BytesOut < size {
		if time.Now().After(deadline) {
			t.Fatalf("bob received %d bytes, alice sent %d; the blocks alone are %d", b.Host.Stats().BytesIn, a.Host.Stats().BytesOut, size)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
