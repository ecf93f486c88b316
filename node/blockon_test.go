package node_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
)

// TestBlockOnBranches reads blocks of a branch by chain and height, by id
// on any chain, and a header of a chain kept as headers only; the root is
// the default for heights.
func TestBlockOnBranches(t *testing.T) {
	h := harness.New(t)
	one := wire.RootChain.Child(1)
	n := h.NewNode("alice", harness.NoNetwork(), harness.Follow(one))
	p := h.Params()
	n.Mine(int(p.CoinbaseMaturity) + 2)
	ctx := context.Background()

	// A write on chain 1, paid by a stamp sent just before it.
	put := stampAndWrite(t, h, n, one, "public/blockon")
	if err := n.StartMining(nil); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	ti, err := n.WaitForTx(wctx, put.ID())
	n.StopMining()
	if err != nil {
		t.Fatal(err)
	}

	byHeight, err := n.BlockOn(ctx, "1", fmt.Sprint(ti.Height))
	if err != nil || byHeight.ID != ti.Block || byHeight.Chain != "1" || byHeight.HeadersOnly {
		t.Fatalf("chain 1 at height %d: %+v %v", ti.Height, byHeight, err)
	}
	found := false
	for _, bt := range byHeight.Txs {
		found = found || (bt.ID == put.ID() && bt.Chain == "1")
	}
	if !found || len(byHeight.Raw) != byHeight.Size {
		t.Fatalf("chain 1 block lacks the write or its raw encoding: %+v", byHeight)
	}
	if b, err := wire.DecodeBlock(byHeight.Raw); err != nil || b.ID() != ti.Block {
		t.Fatalf("raw block does not decode to its id: %v", err)
	}
	byID, err := n.Block(ctx, ti.Block.String())
	if err != nil || byID.Chain != "1" || byID.Height != ti.Height {
		t.Fatalf("branch block by id with no chain: %+v %v", byID, err)
	}
	// Every block the list shows opens by its id, on the best chain
	// (merged-mined branch blocks included: the id covers the merge proof).
	list, err := n.BlocksOn(ctx, "1", 0, 10)
	if err != nil || len(list) == 0 {
		t.Fatalf("blocks of chain 1: %d %v", len(list), err)
	}
	for i, lb := range list {
		got, err := n.BlockOn(ctx, "1", lb.ID.String())
		if err != nil || got.ID != lb.ID || got.Height != lb.Height {
			t.Fatalf("listed block %d (#%d %s) by id: %+v %v", i, lb.Height, lb.ID.Short(), got, err)
		}
		if lb.Confirmations == 0 || got.Confirmations != lb.Confirmations {
			t.Fatalf("listed block %d (#%d): %d confirmations listed, %d opened", i, lb.Height, lb.Confirmations, got.Confirmations)
		}
	}
	root, err := n.Block(ctx, "1")
	if err != nil || root.Chain != wire.RootChain.String() || root.Height != 1 {
		t.Fatalf("height 1 with no chain is the root's: %+v %v", root, err)
	}
	hdr, err := n.BlockOn(ctx, "0", "0")
	if err != nil || !hdr.HeadersOnly || hdr.Txs != nil || hdr.Chain != "0" {
		t.Fatalf("genesis of headers-only chain 0: %+v %v", hdr, err)
	}
	if _, err := wire.DecodeHeader(hdr.Raw); err != nil {
		t.Fatalf("raw header of chain 0: %v", err)
	}
	for i, c := range []struct{ chain, ref string }{{"1", "999999"}, {"", wire.Hash{1}.String()}} {
		if _, err := n.BlockOn(ctx, c.chain, c.ref); !errors.Is(err, node.ErrNotFound) {
			t.Errorf("case %d: %v, want not found", i, err)
		}
	}
	for i, c := range []struct{ chain, ref string }{{"1", "tip"}, {"0000", "1"}, {"x", "1"}} {
		if _, err := n.BlockOn(ctx, c.chain, c.ref); !errors.Is(err, node.ErrBadRequest) {
			t.Errorf("case %d: %v, want a bad request", i, err)
		}
	}
}

// TestFetchBlockChecksTheBlockAgainstItsHeader: a block of a headers-only
// chain fetched through the network is accepted only if it is the block of
// the header the node verified: the same block comes back with its source;
// another block, or the right header over other transactions, is refused;
// with no network the node says how to store the chain instead.
func TestFetchBlockChecksTheBlockAgainstItsHeader(t *testing.T) {
	h := harness.New(t)
	zero := wire.RootChain.Child(0)
	n := h.NewNode("alice", harness.NoNetwork(), harness.Follow(wire.RootChain.Child(1)))
	ctx := context.Background()
	if _, err := n.FetchBlock(ctx, "0", "0"); !errors.Is(err, node.ErrNotStored) || !strings.Contains(err.Error(), "--follow 0") {
		t.Fatalf("fetch with no network: %v, want not stored with a --follow sentence", err)
	}
	genesis := chain.GenesisOf(h.Params(), zero)
	other := chain.GenesisOf(h.Params(), wire.RootChain.Child(1))
	tampered := *genesis
	tampered.Txs = append(tampered.Txs, wire.NewTx(zero, wire.Coinbase{To: n.Key.PubKey(), Amount: 1}, 0, 0))
	for i, c := range []struct {
		sends *wire.Block
		ok    bool
	}{{genesis, true}, {other, false}, {&tampered, false}} {
		n.SetRemoteBlocks(func(ctx context.Context, id wire.ChainID, want wire.Hash) (*wire.Block, string, error) {
			return c.sends, "peer-x", nil
		})
		got, err := n.FetchBlock(ctx, "0", "0")
		if c.ok && (err != nil || got.ID != genesis.ID() || got.FromPeer != "peer-x" || !got.HeadersOnly) {
			t.Fatalf("case %d: the block of the header: %+v %v", i, got, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "peer-x sent a block that is not block")) {
			t.Fatalf("case %d: a block that is not the header's: %+v %v", i, got, err)
		}
	}
	n.SetRemoteBlocks(nil)
}

// stampAndWrite sends to n's mempools a first write on branch chain c, of
// a key named after prefix, and the root stamp that pays its fee; it
// returns the write.
func stampAndWrite(t *testing.T, h *harness.Harness, n *harness.Node, c wire.ChainID, prefix string) *wire.Tx {
	t.Helper()
	p := h.Params()
	key := ""
	for i := 0; key == ""; i++ {
		if k := fmt.Sprintf("%s-%d", prefix, i); c.Contains(wire.KeyPath(k)) {
			key = k
		}
	}
	put := wire.NewTx(c, wire.Put{Key: key, Value: []byte("v")}, 0, 0)
	p.SetMinFee(put)
	acct, err := n.Account(context.Background(), wire.EncodeAddress(p.Net, n.Key.PubKey()))
	if err != nil {
		t.Fatal(err)
	}
	stamp := wire.NewTx(wire.RootChain, wire.Stamp{Chain: c, Amount: put.Fee}, acct.NextNonce, 0)
	p.SetMinFee(stamp)
	for _, tx := range []*wire.Tx{stamp, put} {
		tx.Sign(p.Net, n.Key)
		if _, err := n.AddTx(tx); err != nil {
			t.Fatal(err)
		}
	}
	return put
}
