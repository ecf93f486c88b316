package p2p_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
)

// TestAddPeerConnectedWrongAddress: adding a peer this node is already
// connected to, at an address it is not at, is refused with a sentence
// saying so (not "connected"); its right address is accepted.
func TestAddPeerConnectedWrongAddress(t *testing.T) {
	h := harness.New(t)
	a, b := h.NewNode("a"), h.NewNode("b")
	h.Connect(a, b)
	ctx := context.Background()
	err := a.Host.AddPeer(ctx, "/ip4/127.0.0.1/tcp/1/p2p/"+b.ID().String())
	if !errors.Is(err, p2p.ErrBadAddr) || !strings.Contains(err.Error(), "already connected") {
		t.Fatalf("AddPeer of a connected peer at a wrong address: %v", err)
	}
	if err := a.Host.AddPeer(ctx, b.Host.Addrs()[0]); err != nil {
		t.Fatalf("AddPeer at its real address: %v", err)
	}
}
