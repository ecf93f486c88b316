package main

import (
	"testing"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
)

// TestPrivateRoundIsTheSmallestOpenDenominationCoveringThePrice: the plan
// `request --private` shows names the round the node's market joins: open
// for inputs, not a blame round, not full, the smallest denomination at
// least the price.
func TestPrivateRoundIsTheSmallestOpenDenominationCoveringThePrice(t *testing.T) {
	id := func(b byte) wire.Hash { return wire.Hash{b} }
	open := func(b byte, denom uint64) tumbler.RoundInfo {
		return tumbler.RoundInfo{ID: id(b), Denomination: denom, Phase: tumbler.InputRegistration, Max: 5}
	}
	rounds := []tumbler.RoundInfo{
		open(1, 50_000),
		open(2, 20_000),
		{ID: id(3), Denomination: 10_000, Phase: tumbler.InputRegistration, Max: 5, BlameOf: id(9)}, // a blame round
		{ID: id(4), Denomination: 10_000, Phase: tumbler.InputRegistration, Max: 2, Inputs: 2},      // full
		{ID: id(5), Denomination: 10_000, Phase: tumbler.Signing, Max: 5},                           // closed
		open(6, 5_000), // below the price
	}
	r, ok := privateRound(rounds, 12_000)
	if !ok || r.ID != id(2) {
		t.Fatalf("picked %v %v, want round 2 (20,000)", r.ID.Short(), ok)
	}
	if _, ok := privateRound(rounds, 60_000); ok {
		t.Fatal("a round was picked for a price above every denomination")
	}
}
