package p2p

import (
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// TestSeedListsPerNetwork: every network has a seed list (mainnet and
// testnet placeholders until launch, devnet empty: it is local), each
// entry a dialable peer address; Seeds returns a copy.
func TestSeedListsPerNetwork(t *testing.T) {
	for _, n := range []wire.Network{wire.Mainnet, wire.Testnet, wire.Devnet} {
		if _, ok := seeds[n.ID]; !ok {
			t.Errorf("%s has no seed list", n.Name)
		}
		for _, a := range Seeds(n) {
			if err := CheckPeerAddr(a); err != nil {
				t.Errorf("%s seed %s: %v", n.Name, a, err)
			}
		}
	}
	if len(Seeds(wire.Devnet)) != 0 {
		t.Errorf("devnet seeds %v: a devnet is local", Seeds(wire.Devnet))
	}
}
