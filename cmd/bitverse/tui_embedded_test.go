package main

import (
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
)

// The TUI's embedded node runs the tumbler, so its flags must carry a
// denomination the tumbler takes (the node flag's default): an empty one
// stopped the embedded node from starting at all.
func TestEmbeddedTUINodeHasAValidTumblerDenomination(t *testing.T) {
	f := tuiFlags{}.embedded()
	if f.noTumbler {
		t.Fatal("the embedded node runs no tumbler: the TUI's screen 7 would have no service")
	}
	v, err := wire.ParseAmount(f.tumblerDenomination)
	if err != nil || !tumbler.IsDenomination(v) {
		t.Fatalf("embedded tumbler denomination %q: %v", f.tumblerDenomination, err)
	}
}

// A tumble in an account's history shows what it moved for that account.
func TestHistoryPrintsWhatATumbleMovedForTheAccount(t *testing.T) {
	h := []node.TxInfo{{Type: "tumble", Inputs: []node.TumbleLeg{{Address: "a", Amount: 300}, {Address: "b", Amount: 300}},
		Outputs: []node.TumbleLeg{{Address: "c", Amount: 250}, {Address: "d", Amount: 250}}}}
	var b strings.Builder
	printHistory(&b, "a", h)
	if !strings.Contains(b.String(), "-"+bvs(300)) || !strings.Contains(b.String(), "tumble of 2 inputs") {
		t.Fatalf("input's history:\n%s", b.String())
	}
	b.Reset()
	printHistory(&b, "c", h)
	if !strings.Contains(b.String(), "+"+bvs(250)) {
		t.Fatalf("output's history:\n%s", b.String())
	}
}
