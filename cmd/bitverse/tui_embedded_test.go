package main

import (
	"testing"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
)

// The TUI's embedded node runs the tumbler, so its flags must carry a
// denomination the tumbler takes (the node flag's default): an empty one
// stopped the embedded node from starting at all.
func TestEmbeddedTUINodeHasAValidTumblerDenomination(t *testing.T) {
	f := tuiFlags{}.embedded()
	if f.noTumbler {
		t.Skip("the embedded node runs no tumbler")
	}
	v, err := wire.ParseAmount(f.tumblerDenomination)
	if err != nil || !tumbler.IsDenomination(v) {
		t.Fatalf("embedded tumbler denomination %q: %v", f.tumblerDenomination, err)
	}
}
