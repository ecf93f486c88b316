package node_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
)

// seedDiscovery has n's key buy two keyspaces (one with a described access
// script), write into both, store a transform and post an open bounty, all
// on the root, and returns the bounty's ID.
func seedDiscovery(t *testing.T, h *harness.Harness, n *harness.Node) wire.Hash {
	t.Helper()
	p := h.Params()
	ctx := t.Context()
	me := wire.EncodeAddress(p.Net, n.Key.PubKey())
	n.Mine(int(p.CoinbaseMaturity) + 3)
	acct, err := n.Node.Account(ctx, me)
	if err != nil {
		t.Fatal(err)
	}
	nonce := acct.NextNonce
	submit := func(body wire.Body) wire.Hash {
		t.Helper()
		tx := wire.NewTx(wire.RootChain, body, nonce, 0)
		p.SetMinFee(tx)
		tx.Sign(p.Net, n.Key)
		id, err := n.Node.SubmitTx(ctx, tx.Encode())
		if err != nil {
			t.Fatalf("submit %T: %v", body, err)
		}
		nonce++
		return id
	}
	script := []byte("// Photos anyone may look at, only the owner adds\nfunction validate(write, ctx) { return write.signer === ctx.owner; }\n")
	for _, name := range []string{"gallery", "notes"} {
		ks, err := n.Node.Keyspace(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		var src []byte
		if name == "gallery" {
			src = script
		}
		submit(wire.KeyspaceBuy{Name: name, Script: src, MaxPrice: ks.Price})
		n.Mine(1)
	}
	submit(wire.Put{Key: "gallery/sunset", Value: []byte("orange")})
	submit(wire.Put{Key: "gallery/sea", Value: []byte("blue")})
	submit(wire.Put{Key: "notes/todo", Value: []byte("buy milk")})
	submit(wire.Put{Key: "public/bw", Value: []byte("/* Black and white: drops the colours */\nfunction transform(input, ctx) { return input; }\n")})
	n.Mine(1)
	st, err := n.Node.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := submit(wire.Bounty{Request: wire.Sum([]byte("(public/bw)(public/photo)")), Amount: 2 * wire.Unit, Deadline: st.Height + 50})
	n.Mine(1)
	return id
}

// TestExploreListsKeyspacesWritesTransformsAndBounties checks that Explore,
// in process and over the local API alike, lists what a node verified:
// keyspaces newest first with their script's description, the most
// written keyspace, recent writes with their chain and height, the
// transform, the open bounty and the busy root chain.
func TestExploreListsKeyspacesWritesTransformsAndBounties(t *testing.T) {
	h := harness.New(t)
	n := h.NewNode("explorer", harness.NoNetwork())
	bounty := seedDiscovery(t, h, n)
	ctx := context.Background()

	ex, err := n.Node.Explore(ctx, node.ExploreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Keyspaces) != 2 || ex.Keyspaces[0].Name != "notes" || ex.Keyspaces[1].Name != "gallery" {
		t.Fatalf("keyspaces, newest first: want notes, gallery; got %+v", ex.Keyspaces)
	}
	if d := ex.Keyspaces[1].Description; d != "Photos anyone may look at, only the owner adds" {
		t.Fatalf("gallery's description: %q", d)
	}
	if len(ex.MostWritten) != 2 || ex.MostWritten[0].Name != "gallery" || ex.MostWritten[0].Writes != 2 || ex.MostWritten[1].Writes != 1 {
		t.Fatalf("most written: want gallery (2) then notes (1); got %+v", ex.MostWritten)
	}
	if len(ex.Writes) != 4 {
		t.Fatalf("writes: want 4, got %+v", ex.Writes)
	}
	keys := map[string]node.ExploreWrite{}
	for _, w := range ex.Writes {
		keys[w.Key] = w
	}
	if w, ok := keys["gallery/sea"]; !ok || w.Chain != "/" || w.Height == 0 || w.Size != 4 {
		t.Fatalf("gallery/sea's write: %+v (all: %+v)", w, ex.Writes)
	}
	if len(ex.Transforms) != 1 || ex.Transforms[0].Key != "public/bw" || ex.Transforms[0].Description != "Black and white: drops the colours" {
		t.Fatalf("transforms: %+v", ex.Transforms)
	}
	if len(ex.Bounties) != 1 || ex.Bounties[0].ID != bounty || ex.Bounties[0].State != "open" {
		t.Fatalf("open bounties: want %s; got %+v", bounty.Short(), ex.Bounties)
	}
	if len(ex.Branches) != 1 || ex.Branches[0].Chain != "/" || ex.Branches[0].Writes != 4 {
		t.Fatalf("busy branches: %+v", ex.Branches)
	}

	// The local API answers the same.
	remote, err := n.API.Explore(ctx, node.ExploreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(ex)
	b, _ := json.Marshal(remote)
	if string(a) != string(b) {
		t.Fatalf("in process and over the local API differ:\n%s\n%s", a, b)
	}

	// Limit cuts every section.
	one, err := n.API.Explore(ctx, node.ExploreOptions{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Keyspaces) != 1 || len(one.Writes) != 1 || len(one.MostWritten) != 1 {
		t.Fatalf("limit 1: %+v", one)
	}
}

// TestFindMatchesKeysKeyspacesAndTransforms checks Find's three kinds of
// match and where each says it was proven, and AllKeyspaces' pages.
func TestFindMatchesKeysKeyspacesAndTransforms(t *testing.T) {
	h := harness.New(t)
	n := h.NewNode("finder", harness.NoNetwork())
	seedDiscovery(t, h, n)
	ctx := context.Background()

	got, err := n.API.Find(ctx, "gal", 0)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]node.FindResult{}
	for _, r := range got {
		kinds[r.Kind+" "+r.Name] = r
	}
	if r, ok := kinds["keyspace gallery"]; !ok || r.Match != "prefix" || r.Chain != "/" || r.Height == 0 {
		t.Fatalf("keyspace gallery: %+v (all %+v)", r, got)
	}
	if r, ok := kinds["key gallery/sea"]; !ok || r.Match != "prefix" || r.Chain != "/" || r.Height == 0 {
		t.Fatalf("key gallery/sea: %+v (all %+v)", r, got)
	}
	got, err = n.API.Find(ctx, "SUNSET", 0)
	if err != nil || len(got) != 1 || got[0].Name != "gallery/sunset" || got[0].Match != "substring" {
		t.Fatalf("substring SUNSET: %+v, %v", got, err)
	}
	got, err = n.API.Find(ctx, "black and white", 0)
	if err != nil || len(got) != 1 || got[0].Kind != "transform" || got[0].Name != "public/bw" {
		t.Fatalf("transform description: %+v, %v", got, err)
	}
	if _, err := n.API.Find(ctx, "  ", 0); err == nil {
		t.Fatal("an empty search was accepted")
	}

	page, err := n.API.AllKeyspaces(ctx, "", 1)
	if err != nil || len(page.Keyspaces) != 1 || page.Keyspaces[0].Name != "gallery" || page.Next != "gallery" {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	page, err = n.API.AllKeyspaces(ctx, page.Next, 1)
	if err != nil || len(page.Keyspaces) != 1 || page.Keyspaces[0].Name != "notes" || page.Next != "" {
		t.Fatalf("second page: %+v, %v", page, err)
	}
	if page.Keyspaces[0].Owner == "" || !page.Keyspaces[0].Exists {
		t.Fatalf("a listed keyspace lacks its owner: %+v", page.Keyspaces[0])
	}
}

func TestDescribeTakesTheFirstCommentLine(t *testing.T) {
	for src, want := range map[string]string{
		"// hello\nfunction f() {}":             "hello",
		"\n  /** \n * Greyscale a photo\n */":   "Greyscale a photo",
		"/* one line */ function transform(){}": "one line",
		"function transform() {}":               "",
		"'use strict';\n// later\n":             "later",
	} {
		if got := node.Describe([]byte(src)); got != want {
			t.Errorf("Describe(%q) = %q, want %q", src, got, want)
		}
	}
}

// TestExploreReachesWritesBehindEmptyBlocks: writes followed by more empty
// blocks than the window are still listed: the window counts blocks with
// writes, and empty ones are passed over (at most ExploreHeaderScan of a
// chain).
func TestExploreReachesWritesBehindEmptyBlocks(t *testing.T) {
	h := harness.New(t)
	n := h.NewNode("explorer", harness.NoNetwork())
	seedDiscovery(t, h, n)
	n.Mine(node.ExploreWindow + 20)
	ex, err := n.Node.Explore(context.Background(), node.ExploreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Writes) != 4 || len(ex.Transforms) != 1 || len(ex.MostWritten) != 2 {
		t.Fatalf("after %d empty blocks: writes %+v, transforms %+v, most written %+v", node.ExploreWindow+20, ex.Writes, ex.Transforms, ex.MostWritten)
	}
	if len(ex.Branches) != 1 || ex.Branches[0].Blocks != 1 || ex.Branches[0].Writes != 4 {
		t.Fatalf("busy branches: %+v", ex.Branches)
	}
}
