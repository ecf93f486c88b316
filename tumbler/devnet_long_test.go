//go:build long

package tumbler_test

import "testing"

// Five wallets, each on its own node, tumble one denomination through a
// sixth: the chain shows one tumble transaction with one signature, and
// every output is spendable by its owner (the fast suite runs the same
// round with the wallets on two nodes, in
// TestCoordinatorCannotLinkInputsToOutputs).
func TestFiveWalletsOnFiveNodesTumbleOneDenomination(t *testing.T) {
	runFive(t, 5)
}
