package pool_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/blob"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/pool"
	"github.com/bitverse/bitverse/node/wire"
)

// TestDevnetSilentMembersAreClaimedAndAnswer: real nodes a (miner), b and
// c (members running pool services); both b and c stop answering token
// redemptions (the service's test hook: streams cut unanswered), and c
// also deletes its copy. A redeemer's service on a downloads under a
// redemption, meets only silence and claims both silent (pool-silence).
// b's service answers its serve challenge at once (pool-serve) and keeps
// its tier and stake, earning the deposit; c cannot, and at the deadline
// it is demoted and slashed and the redeemer gets c's deposit back.
func TestDevnetSilentMembersAreClaimedAndAnswer(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("a", harness.WithDHT())
	b := h.NewNode("b", harness.WithDHT())
	c := h.NewNode("c", harness.WithDHT())
	h.ConnectAll()
	p := h.Params()
	ctx := context.Background()
	chainOf := func(n *harness.Node) pool.Chain { return pool.NodeChain(n.Node, p) }
	submit := func(k wire.PrivKey, body wire.Body) wire.Hash {
		t.Helper()
		id, err := chainOf(a).Submit(ctx, k, body)
		if err != nil {
			t.Fatalf("submit %T: %v", body, err)
		}
		return id
	}
	confirm := func(ids ...wire.Hash) {
		t.Helper()
		for _, id := range ids {
			deadline := time.Now().Add(60 * time.Second)
			for {
				if ti, err := a.Tx(ctx, id); err == nil && !ti.Pending {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("tx %s not mined", id.Short())
				}
				a.Mine(1)
			}
		}
		h.WaitForTip(60 * time.Second)
	}
	redeemer := harness.KeyFor("redeemer")
	balance := func() uint64 {
		t.Helper()
		ai, err := a.Account(ctx, wire.EncodeAddress(p.Net, redeemer.PubKey()))
		if err != nil {
			t.Fatal(err)
		}
		return ai.Balance
	}
	a.Mine(int(p.CoinbaseMaturity) + 3)
	var funding []wire.Hash
	for _, k := range []wire.PrivKey{b.Key, c.Key, redeemer} {
		funding = append(funding, submit(a.Key, wire.Transfer{To: k.PubKey(), Amount: 5 * wire.Unit}))
	}
	confirm(funding...)

	data := make([]byte, 300<<10)
	rand.NewChaCha8([32]byte{26}).Read(data)
	info, err := a.Daemon.NetAPI().PutBlob(ctx, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	const key = "public/pool/silent"
	put, err := a.Put(key, string(info.Manifest))
	if err != nil {
		t.Fatal(err)
	}
	confirm(put)
	poolID := submit(a.Key, wire.PoolFund{Kind: wire.PoolBlob, Chain: wire.RootChain, Key: key, Hash: pool.BlobHash(info.Manifest),
		Size: uint64(len(data)), SegmentRoot: wire.SegmentRoot(data), Replicas: 2, Tier: 3, Amount: 10 * wire.Unit, TokenRate: 5})
	confirm(poolID)

	stake := 10 * p.PoolMinStake
	svcs := map[string]*pool.Service{}
	var joins []wire.Hash
	for _, m := range []*harness.Node{b, c} {
		k := m.Key
		s, err := pool.New(pool.Config{Key: &k, Poll: 500 * time.Millisecond}, m.Daemon.PoolDeps())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Stop() })
		s.SetSilent(true)
		svcs[m.Name] = s
		id, err := s.Join(ctx, poolID, stake)
		if err != nil {
			t.Fatalf("%s joins: %v", m.Name, err)
		}
		joins = append(joins, id)
	}
	confirm(joins...)
	man, _ := blob.DecodeManifest(info.Manifest)
	if err := c.Daemon.Blobs().Store().Delete(man); err != nil {
		t.Fatal(err)
	}

	// The redeemer buys and redeems a token, then downloads: silence only.
	rsvc, err := pool.New(pool.Config{Key: &redeemer, Poll: time.Hour}, a.Daemon.PoolDeps())
	if err != nil {
		t.Fatal(err)
	}
	if err := rsvc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rsvc.Stop() })
	confirm(submit(redeemer, wire.TokenBuy{Pool: poolID, Count: 1}))
	pl, _ := a.Pool(ctx, poolID)
	redemption := submit(redeemer, wire.TokenRedeem{Pool: poolID, Epoch: pl.Epoch})
	confirm(redemption)
	_, claims, err := rsvc.Download(ctx, poolID, redemption, io.Discard, b.ID(), c.ID())
	if err == nil || len(claims) != 2 {
		t.Fatalf("a download only silent members were asked for: %d claims, %v", len(claims), err)
	}
	t.Logf("download: %v", err)
	start := balance()
	confirm(claims...)
	pl, _ = a.Pool(ctx, poolID)
	if len(pl.Serves) != 2 {
		t.Fatalf("open serve challenges after the claims: %+v", pl.Serves)
	}
	var claimFees uint64
	for _, id := range claims {
		ti, _ := a.Tx(ctx, id)
		claimFees += ti.Fee
	}
	if got := balance(); got != start-claimFees-2*p.PoolSilenceDeposit {
		t.Fatalf("redeemer has %d after two claims, want %d − fees %d − 2 deposits", got, start, claimFees)
	}

	// Blocks come every ~300 ms: b answers, c cannot.
	a.StartAutoMine(300 * time.Millisecond)
	defer a.StopAutoMine()
	member := func(pl *node.PoolInfo, n *harness.Node) node.PoolMemberInfo {
		mi, _ := memberOfAddr(pl, wire.EncodeAddress(p.Net, n.Key.PubKey()))
		return mi
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		pl, err = a.Pool(ctx, poolID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pl.Serves) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve challenges still open: %+v", pl.Serves)
		}
		time.Sleep(200 * time.Millisecond)
	}
	a.StopAutoMine()
	bi, ci := member(pl, b), member(pl, c)
	if bi.Tier != 3 || bi.Missed != 0 || bi.Stake != stake {
		t.Fatalf("b answered and was punished: %+v", bi)
	}
	if ci.Missed == 0 || ci.Stake >= stake || ci.Tier >= 3 {
		t.Fatalf("c could not answer and is not demoted and slashed: %+v", ci)
	}
	if got := balance(); got != start-claimFees-p.PoolSilenceDeposit {
		t.Fatalf("redeemer has %d at the end, want c's deposit back: %d", got, start-claimFees-p.PoolSilenceDeposit)
	}
	sv, err := svcs["b"].Served(ctx)
	served := false
	for _, s := range sv {
		for _, ch := range s.History {
			if ch.Redemption == redemption && !ch.Tx.IsZero() {
				served = true
			}
		}
	}
	if err != nil || !served {
		t.Fatalf("b's history has no serve answered: %+v, %v", sv, err)
	}
	t.Logf("b %+v, c %+v", bi, ci)
}
