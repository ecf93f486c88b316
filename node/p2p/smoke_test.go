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
