package p2p_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/blob"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/wire"
)

// TestBlobFetchedFromDHTProviders: a stores a blob and announces it in
// the DHT; c, connected only to b (which lacks the blob), finds a as a
// provider, fetches the blob from it and then announces it too. Before
// provider records, c asked only its connected peers and failed.
func TestBlobFetchedFromDHTProviders(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("a", harness.WithDHT())
	b := h.NewNode("b", harness.WithDHT())
	c := h.NewNode("c", harness.WithDHT())
	h.Connect(a, b)
	h.Connect(c, b)
	data := make([]byte, 600<<10)
	rand.NewChaCha8([32]byte{1}).Read(data)
	ctx := context.Background()
	info, err := a.Daemon.NetAPI().PutBlob(ctx, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	m, err := blob.DecodeManifest(info.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	waitSources(t, c, m, a)
	// Discovery may have connected c to a: cut that link, so that the
	// connected peers (b alone) lack the blob and only the provider
	// record leads to a.
	c.Host.LibP2P().Network().ClosePeer(a.ID())
	got, err := c.Daemon.NetAPI().FetchBlob(ctx, info.Manifest)
	if err != nil {
		t.Fatalf("c fetches the blob: %v", err)
	}
	if got.Root != m.Root {
		t.Fatalf("fetched %v", got)
	}
	var buf bytes.Buffer
	if _, err := c.Daemon.NetAPI().ReadBlob(ctx, info.Manifest, &buf); err != nil || !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("c reads %d bytes, %v", buf.Len(), err)
	}
	p, err := c.Daemon.NetAPI().BlobProgress(ctx, info.Manifest)
	if err != nil || p.Fetching || p.Chunks != m.Chunks() || p.Bytes != m.Size {
		t.Fatalf("progress after the fetch: %+v, %v", p, err)
	}
	// c announced it: b now finds both.
	waitSources(t, b, m, a, c)
}

// waitSources waits until n's FetchSources for m include every one of
// want.
func waitSources(t *testing.T, n *harness.Node, m blob.Manifest, want ...*harness.Node) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		found := n.Daemon.NetAPI().FetchSources(context.Background(), m)
		ok := true
		for _, w := range want {
			ok = ok && slices.Contains(found, w.ID())
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s found sources %v of %s", n.Name, found, m)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestBlobAndPoolKeys: the provider keys are tagged hashes of the network
// and the whole manifest (or pool id), so another network, size or chunk
// size gives another key.
func TestBlobAndPoolKeys(t *testing.T) {
	m := blob.Manifest{Root: wire.Hash{1}, Size: 1 << 20, ChunkSize: blob.DefaultChunkSize}
	k := p2p.BlobKey(wire.Devnet, m)
	m2 := m
	m2.Size++
	other := wire.Devnet
	other.ID++
	if k == p2p.BlobKey(wire.Devnet, m2) || k == p2p.BlobKey(other, m) || k.IsZero() {
		t.Fatal("blob keys collide")
	}
	if p2p.PoolKey(wire.Devnet, wire.Hash{1}) == p2p.PoolKey(wire.Devnet, wire.Hash{2}) || p2p.PoolKey(wire.Devnet, wire.Hash{1}) == p2p.PoolKey(other, wire.Hash{1}) {
		t.Fatal("pool keys collide")
	}
	if got := p2p.KeyCID(k).Hash(); !bytes.HasSuffix(got, k[:]) {
		t.Fatal("CID does not carry the key")
	}
}
