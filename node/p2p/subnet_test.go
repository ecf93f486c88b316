package p2p_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
)

// TestFreshIdentitiesFromOneSubnetRefused: once 8 peers from one subnet
// (here 127.0.0.0/24) are banned, a new identity from that subnet cannot
// connect: a fresh key does not reset what its address earned. The node
// can still dial out.
func TestFreshIdentitiesFromOneSubnetRefused(t *testing.T) {
	h := harness.New(t)
	alice, bob := h.NewNode("alice"), h.NewNode("bob")
	for i := 0; i < 8; i++ {
		j := h.NewJunk()
		if err := j.Connect(alice); err != nil {
			t.Fatalf("identity %d: %v", i, err)
		}
		if err := alice.Host.Ban(j.Host.ID().String(), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	fresh := h.NewJunk()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := fresh.Host.Connect(ctx, alice.AddrInfo())
	if err == nil && alice.Host.LibP2P().Network().Connectedness(fresh.Host.ID()) == network.Connected {
		t.Fatal("a fresh identity from a subnet with 8 banned peers connected")
	}
	if err := alice.Host.AddPeer(ctx, bob.Host.Addrs()[0]); err != nil {
		t.Fatalf("alice dialling out: %v", err)
	}
	// Lifting the bans lets the subnet back.
	for _, b := range alice.Host.Bans() {
		if err := alice.Host.Unban(b.ID); err != nil {
			t.Fatal(err)
		}
	}
	// The refused dial left fresh's swarm backing off from alice's
	// addresses; a real peer would retry later, the test clears it.
	if sw, ok := fresh.Host.Network().(*swarm.Swarm); ok {
		sw.Backoff().Clear(alice.Host.ID())
	}
	if err := fresh.Host.Connect(ctx, alice.AddrInfo()); err != nil {
		t.Fatalf("after the bans were lifted: %v", err)
	}
}

// TestLoopbackTrustedOnDevnets: with TrustLoopback (what a devnet node
// runs with), 8 banned identities on 127.0.0.1 do not shut out the next
// one, while each banned identity stays refused by its id.
func TestLoopbackTrustedOnDevnets(t *testing.T) {
	h := harness.New(t)
	alice := h.NewNode("alice", harness.WithP2PConfig(func(c *p2p.Config) { c.TrustLoopback = true }))
	var banned []*harness.Junk
	for i := 0; i < 8; i++ {
		j := h.NewJunk()
		if err := j.Connect(alice); err != nil {
			t.Fatalf("identity %d: %v", i, err)
		}
		if err := alice.Host.Ban(j.Host.ID().String(), time.Hour); err != nil {
			t.Fatal(err)
		}
		banned = append(banned, j)
	}
	fresh := h.NewJunk()
	if err := fresh.Connect(alice); err != nil {
		t.Fatalf("a fresh loopback identity after 8 bans: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := banned[0].Host.Connect(ctx, alice.AddrInfo())
	if err == nil && alice.Host.LibP2P().Network().Connectedness(banned[0].Host.ID()) == network.Connected {
		t.Fatal("a banned identity connected again")
	}
}

// TestBlockRepliesChargedByBytes: a GetBlocks request is charged for the
// bytes it is served, not a quarter unit per id, so a peer cannot pull
// megabytes for a few tokens.
func TestBlockRepliesChargedByBytes(t *testing.T) {
	h := harness.New(t)
	src := h.NewNode("src", harness.WithP2PConfig(func(c *p2p.Config) { c.SyncRate, c.SyncBurst = 0.01, 19 }))
	src.Mine(int(h.Params().CoinbaseMaturity) + 2)
	nonce := nextNonce(t, src, src.Key)
	var ids []wire.Hash
	for i := 0; i < 4; i++ {
		tx := h.NewPut(src.Key, nonce+uint64(i), fmt.Sprintf("public/big/%d", i), []byte(strings.Repeat("x", wire.MaxValueSize)))
		if _, err := src.AddTx(tx); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, src.Mine(1)[0].ID())
	}
	// The client has more work than src, so it never syncs from src (which
	// would spend its bucket first).
	client := h.NewNode("client")
	client.Mine(int(src.Chain().Tip().Height) + 10)
	h.Connect(client, src)
	ctx := context.Background()
	// 4 ids cost 2 units up front; the 4 blocks of 64 KiB cost 16 more (a
	// unit per 16 KiB), which the bucket of 19 cannot cover twice.
	blocks, err := client.Host.GetBlocks(ctx, src.ID(), ids)
	if err != nil || len(blocks) != 4 || blocks[3] == nil {
		t.Fatalf("first request: %v", err)
	}
	if _, err := client.Host.GetBlocks(ctx, src.ID(), ids); !errors.Is(err, p2p.ErrRateLimited) {
		t.Fatalf("second request for 256 KiB with the bucket spent: %v, want rate limited", err)
	}
}
