package pool_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/blob"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/pool"
	"github.com/bitverse/bitverse/node/wire"
)

// TestDevnetPoolMemberLosesItsCopy is the acceptance in small (a 2 MiB
// blob; the 20 MiB run is TestDevnetPoolMemberLosesItsCopy20MiB, -tags
// long): a devnet of 4 real nodes; a funds a pool for a blob, b, c and d
// join it with their pool services (each fetches the blob from a and
// checks its segment root first); d deletes its copy. d misses its next
// challenge and is demoted and slashed, b and c answer theirs and are
// paid; with a and c's copies gone too, the blob is still fetched (by d)
// from b, the one member holding it.
func TestDevnetPoolMemberLosesItsCopy(t *testing.T) { runPoolDevnet(t, 2<<20) }

func runPoolDevnet(t *testing.T, size int) {
	h := harness.New(t)
	a := h.NewNode("a", harness.WithDHT())
	b := h.NewNode("b", harness.WithDHT())
	c := h.NewNode("c", harness.WithDHT())
	d := h.NewNode("d", harness.WithDHT())
	h.ConnectAll()
	p := h.Params()
	ctx := context.Background()
	chainOf := func(n *harness.Node) pool.Chain { return pool.NodeChain(n.Node, p) }
	submit := func(n *harness.Node, body wire.Body) wire.Hash {
		t.Helper()
		id, err := chainOf(n).Submit(ctx, n.Key, body)
		if err != nil {
			t.Fatalf("%s submits %T: %v", n.Name, body, err)
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

	// a's rewards pay for everything; the members get coins for stakes
	// and fees.
	a.Mine(int(p.CoinbaseMaturity) + 3)
	members := []*harness.Node{b, c, d}
	var funding []wire.Hash
	for _, m := range members {
		funding = append(funding, submit(a, wire.Transfer{To: m.Key.PubKey(), Amount: 5 * wire.Unit}))
	}
	confirm(funding...)

	// The blob: stored on a, its manifest put at a key, a pool funded.
	data := make([]byte, size)
	rand.NewChaCha8([32]byte{16}).Read(data)
	info, err := a.Daemon.NetAPI().PutBlob(ctx, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	const key = "public/pool/blob"
	put, err := a.Put(key, string(info.Manifest))
	if err != nil {
		t.Fatal(err)
	}
	confirm(put)
	fund := submit(a, wire.PoolFund{Kind: wire.PoolBlob, Chain: wire.RootChain, Key: key, Hash: pool.BlobHash(info.Manifest),
		Size: uint64(size), SegmentRoot: wire.SegmentRoot(data), Replicas: 3, Tier: 3, Amount: 100 * wire.Unit, TokenRate: 5})
	confirm(fund)
	poolID := fund
	if _, err := a.Pool(ctx, poolID); err != nil {
		t.Fatalf("the pool is not on chain: %v", err)
	}

	// b, c and d run pool services and join: each fetches and checks the
	// data first.
	stake := 10 * p.PoolMinStake
	svcs := map[string]*pool.Service{}
	var joins []wire.Hash
	for _, m := range members {
		k := m.Key
		s, err := pool.New(pool.Config{Key: &k, Poll: 500 * time.Millisecond}, m.Daemon.PoolDeps())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Stop() })
		svcs[m.Name] = s
		id, err := s.Join(ctx, poolID, stake)
		if err != nil {
			t.Fatalf("%s joins: %v", m.Name, err)
		}
		joins = append(joins, id)
	}
	confirm(joins...)
	pl, err := a.Pool(ctx, poolID)
	if err != nil || len(pl.Members) != 3 {
		t.Fatalf("pool after the joins: %+v, %v", pl, err)
	}

	// d loses its copy.
	m, _ := blob.DecodeManifest(info.Manifest)
	if err := d.Daemon.Blobs().Store().Delete(m); err != nil {
		t.Fatal(err)
	}

	// a mines block after block; the services answer as blocks arrive.
	// The last block of an epoch waits until the answers of b and c (the
	// members holding the data) are in a's mempool: on a busy machine a
	// miner on a clock closed epochs before an honest answer came, and
	// punished the honest member for the machine's speed.
	answerIn := func(n *harness.Node, e uint64) error {
		chs, err := a.PoolChallenges(ctx, n.Key.PubKey())
		if err != nil {
			return err
		}
		for _, ch := range chs {
			if ch.Pool != poolID || ch.Epoch != e || ch.Answered {
				continue
			}
			sv, err := svcs[n.Name].Served(ctx)
			if err != nil {
				return err
			}
			for _, s := range sv {
				for _, c := range s.History {
					if c.Pool == poolID && c.Epoch == e && !c.Tx.IsZero() && a.Mempool().Has(c.Tx) {
						return nil
					}
				}
			}
			return fmt.Errorf("%s's answer for epoch %d is not in a's mempool", n.Name, e)
		}
		return nil
	}
	mineNext := func() {
		t.Helper()
		next := a.Chain().Tip().Height + 1
		if e := p.PoolEpoch(next); next == p.PoolEpochEnd(e) {
			testutil.Eventually(t, 2*time.Minute, "the honest members' answers", func() error {
				return errors.Join(answerIn(b, e), answerIn(c, e))
			})
		}
		a.Mine(1)
	}
	member := func(pl *node.PoolInfo, n *harness.Node) node.PoolMemberInfo {
		mi, _ := memberOfAddr(pl, wire.EncodeAddress(p.Net, n.Key.PubKey()))
		return mi
	}
	deadline := time.Now().Add(4 * time.Minute)
	for {
		pl, err = a.Pool(ctx, poolID)
		if err != nil {
			t.Fatal(err)
		}
		bi, ci, di := member(pl, b), member(pl, c), member(pl, d)
		if di.Missed >= 1 && bi.Earned > 0 && ci.Earned > 0 {
			if di.Tier >= 3 || di.Stake >= stake {
				t.Fatalf("d missed but is not demoted and slashed: %+v", di)
			}
			if bi.Missed != 0 || ci.Missed != 0 || bi.Tier != 3 || ci.Tier != 3 || bi.Stake != stake || ci.Stake != stake {
				t.Fatalf("an honest member was punished: b %+v, c %+v", bi, ci)
			}
			if di.Earned >= bi.Earned && di.Earned > 0 {
				t.Fatalf("d earned %d, b %d", di.Earned, bi.Earned)
			}
			t.Logf("after epoch %d: b %+v, c %+v, d %+v", pl.Epoch, bi, ci, di)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after epoch %d: b %+v, c %+v, d %+v", pl.Epoch, bi, ci, di)
		}
		mineNext()
	}
	sv, err := svcs["d"].Served(ctx)
	if err != nil || len(sv) != 1 || len(sv[0].History) == 0 || sv[0].History[len(sv[0].History)-1].Error == "" {
		t.Fatalf("d's service does not record the challenge it could not answer: %+v, %v", sv, err)
	}

	// a redeems a service token; d, asked first, refuses in writing and
	// a reports it; b or c serves the download.
	k := a.Key
	asvc, err := pool.New(pool.Config{Key: &k, Poll: time.Hour}, a.Daemon.PoolDeps())
	if err != nil {
		t.Fatal(err)
	}
	if err := asvc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { asvc.Stop() })
	confirm(submit(a, wire.TokenBuy{Pool: poolID, Count: 1}))
	pl, _ = a.Pool(ctx, poolID)
	redemption := submit(a, wire.TokenRedeem{Pool: poolID, Epoch: pl.Epoch})
	confirm(redemption)
	tierBefore := member(pl, d).Tier
	var dl bytes.Buffer
	_, reports, err := asvc.Download(ctx, poolID, redemption, &dl, d.ID())
	if err != nil || !bytes.Equal(dl.Bytes(), data) || len(reports) != 1 {
		t.Fatalf("download under a redemption: %d bytes, %d reports, %v", dl.Len(), len(reports), err)
	}
	confirm(reports...)
	pl, _ = a.Pool(ctx, poolID)
	if di := member(pl, d); di.Tier >= tierBefore && di.Tier > 0 {
		t.Fatalf("d was reported but not demoted: tier %d, was %d", di.Tier, tierBefore)
	}

	// Only b keeps the blob now: d fetches it back from b.
	for _, n := range []*harness.Node{a, c} {
		if err := n.Daemon.Blobs().Store().Delete(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Daemon.NetAPI().FetchBlob(ctx, info.Manifest); err != nil {
		t.Fatalf("d fetches the blob while only b holds it: %v", err)
	}
	var got bytes.Buffer
	if _, err := d.Daemon.NetAPI().ReadBlob(ctx, info.Manifest, &got); err != nil || !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("d reads %d bytes: %v", got.Len(), err)
	}
}

func memberOfAddr(p *node.PoolInfo, addr string) (node.PoolMemberInfo, bool) {
	for _, m := range p.Members {
		if m.Address == addr {
			return m, true
		}
	}
	return node.PoolMemberInfo{}, false
}
