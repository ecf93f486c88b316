package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

// discovery is a market chain with keyspaces and a transform: what the
// Explore page lists.
func discovery(api *fakeAPI) {
	marketChain(api)
	api.addKeyspace("erik", testAddr, 9_870, blogScript)
	api.addKeyspace("erik/blog", testAddr, 9_950, "")
	api.addKeyspace("games", otherAddr, 9_990, "")
	api.addKeyspace("alice", otherAddr, 9_000, blogScript)
	src := "// Black and white: drops a photo's colours\nfunction transform(input, ctx) { return input; }\n"
	api.values["public/bw"] = node.ValueRecord{Key: "public/bw", Value: src, Size: len(src), Height: 9_997, Confirmations: 3,
		Writer: otherAddr, TxID: txID(9_997, 1)}
}

// TestExploreOpensKeyOfHeadersOnlyChainAtItsDepth: a transform written on
// a chain the node keeps as headers only is listed as verified from a
// peer, and enter reads it at its chain's depth (on a real node, a
// verified read through a peer), not among the chains the node stores,
// which do not have it.
func TestExploreOpensKeyOfHeadersOnlyChainAtItsDepth(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 120, 40)
	c01, _ := wire.ParseChainID("01")
	key := ""
	for i := 0; key == ""; i++ {
		if k := fmt.Sprintf("public/bw-%d", i); c01.Contains(wire.KeyPath(k)) {
			key = k
		}
	}
	src := "// Sepia: old photos\nfunction transform(input, ctx) { return input; }\n"
	h.api.mu.Lock()
	h.api.unfollowed = map[string]bool{"01": true}
	h.api.values[key] = node.ValueRecord{Key: key, Value: src, Size: len(src), Height: 7, Chain: "01", Writer: otherAddr}
	h.api.mu.Unlock()
	h.press("x")
	h.mustSee("Transforms", "Sepia: old photos · verified from a peer")
	for i := 0; i < 30 && !strings.Contains(h.screen(), "▸ "+key+" "+strings.Repeat(" ", 24-len(key))+"Sepia"); i++ {
		h.press("j")
	}
	h.press("enter")
	h.mustSee("function transform")
	h.mustNotSee("nothing has been written")
}
