package p2p_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/wire"
)

// TestFetchBlockOfHeadersOnlyChainFromPeer: b keeps chain 01 as headers
// only; it lists 01's headers, and FetchBlock (over its local API) opens
// each block from a, which stores 01: the block of the header b verified,
// with its transactions (a's write among them) and a's id as the source.
// Once a is gone and only c (which keeps 01 as headers only too) is
// connected, b says that no peer had the block.
func TestFetchBlockOfHeadersOnlyChainFromPeer(t *testing.T) {
	h := harness.New(t)
	quiet := harness.WithP2PConfig(func(c *p2p.Config) { c.SyncInterval = time.Hour })
	a := h.NewNode("a", quiet)
	b := h.NewNode("b", harness.Follow(cid(t, "1")), quiet)
	keys := buildTree(t, h, a)
	h.Connect(a, b)
	waitSameTree(t, 60*time.Second, a, b)
	ctx := context.Background()

	list, err := b.API.BlocksOn(ctx, "01", 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	tip := b.Forest().Chain(cid(t, "01")).Tip()
	if len(list) != int(tip.Height)+1 || list[0].ID != tip.ID || !list[0].HeadersOnly || list[0].Txs != nil {
		t.Fatalf("b's list of 01 (tip %d %s): %d entries, first %+v", tip.Height, tip.ID.Short(), len(list), list[0])
	}
	found := false
	for _, hdr := range list[:len(list)-1] { // genesis has no transactions to fetch
		got, err := b.API.FetchBlock(ctx, "01", hdr.ID.String())
		if err != nil {
			t.Fatalf("fetch of 01 block #%d: %v", hdr.Height, err)
		}
		if got.ID != hdr.ID || got.FromPeer != a.ID().String() || !got.HeadersOnly || len(got.Txs) == 0 || got.Txs[0].Type != "coinbase" {
			t.Fatalf("fetch of 01 block #%d: %+v", hdr.Height, got)
		}
		if blk, err := wire.DecodeBlock(got.Raw); err != nil || blk.ID() != hdr.ID {
			t.Fatalf("fetched 01 block #%d: raw does not decode to its id: %v", hdr.Height, err)
		}
		for _, tx := range got.Txs {
			found = found || (tx.Type == "put" && tx.Key == keys["01"] && tx.Chain == "01")
		}
	}
	if !found {
		t.Fatalf("no fetched block of 01 holds a's write of %s", keys["01"])
	}
	if _, err := b.Forest().Chain(cid(t, "01")).BlockByID(tip.ID); err == nil {
		t.Fatal("b stored a fetched body of 01, which it keeps as headers only")
	}
	// A chain b stores: FetchBlock is BlockOn, no peer involved.
	if own, err := b.FetchBlock(ctx, "1", "1"); err != nil || own.FromPeer != "" || own.HeadersOnly || len(own.Txs) == 0 {
		t.Fatalf("fetch of a block of 1, which b stores: %+v %v", own, err)
	}

	c := h.NewNode("c", harness.Follow(cid(t, "1")), quiet)
	h.Connect(b, c)
	a.Stop()
	testutil.Eventually(t, 20*time.Second, "b to see a leave", func() error {
		for _, p := range b.Host.Peers() {
			if p.ID == a.ID().String() && p.Connected {
				return errors.New("a is still connected")
			}
		}
		return nil
	})
	_, err = b.API.FetchBlock(ctx, "01", tip.ID.String())
	if !errors.Is(err, node.ErrNotFound) || !strings.Contains(err.Error(), "no peer sent block "+tip.ID.Short()) {
		t.Fatalf("fetch with no peer storing 01: %v, want a not-found sentence that no peer had it", err)
	}
	if b.Host.Banned(c.ID()) || c.Host.Banned(b.ID()) {
		t.Fatal("a peer without the block was banned")
	}
}
