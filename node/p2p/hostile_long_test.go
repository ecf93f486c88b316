//go:build long

package p2p_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
)

// hostileFor is how long the hostile peer attacks.
const hostileFor = 2 * time.Minute

// TestHostileDevnet: four nodes, one of them hostile — a test double that,
// in a loop and under a fresh identity each round (all from 127.0.0.1),
// sends an invalid block, floods orphan blocks and nonce-gap transactions
// under a scripted keyspace, lies about its work to sync, and serves stale
// proofs — for hostileFor, while the three honest nodes mine and write.
// The honest nodes end on the same tip, every honest write is confirmed
// on all of them, each hostile identity that attacked is banned, verified
// reads stay fresh, and the process stays under 500 MB of RSS.
func TestHostileDevnet(t *testing.T) {
	h := harness.New(t)
	n0, n1, n2 := h.NewNode("n0"), h.NewNode("n1"), h.NewNode("n2")
	honest := []*harness.Node{n0, n1, n2}
	h.ConnectAll()
	n0.Mine(int(h.Params().CoinbaseMaturity) + 2)
	h.WaitForTip(20*time.Second, honest...)
	// The stale-proof server: an honest-looking node answering proofs
	// from a copy of the chain as it is now.
	old := h.NewNode("old", harness.NoNetwork(), harness.CopyChainOf(n0))
	n0.StartAutoMine(400 * time.Millisecond)
	n1.StartAutoMine(500 * time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), hostileFor)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var refused atomic.Int64
	var writes []wire.Hash
	var attackers []struct {
		id     peer.ID
		victim *harness.Node
	}
	// Honest writes through n0, a few a second.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			id, err := n0.Put(fmt.Sprintf("public/hostile/%d", i), "honest write")
			if err == nil {
				mu.Lock()
				writes = append(writes, id)
				mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-time.After(300 * time.Millisecond):
			}
		}
	}()
	// The hostile loop: a fresh identity each round, attacking the honest
	// nodes in turn.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for round := 0; ctx.Err() == nil; round++ {
			victim := honest[round%len(honest)]
			j := h.NewJunk()
			if err := j.Connect(victim); err != nil {
				// Refused: its subnet has too many peers banned (the point
				// of the limit). Try again later, on another node.
				refused.Add(1)
				j.Host.Close()
				select {
				case <-ctx.Done():
				case <-time.After(200 * time.Millisecond):
				}
				continue
			}
			mu.Lock()
			attackers = append(attackers, struct {
				id     peer.ID
				victim *harness.Node
			}{j.Host.ID(), victim})
			mu.Unlock()
			// Each attack repeats until the victim bans its sender: gossip
			// may drop part of a burst (validation throttling), so a
			// single try proves nothing.
			banned := func() bool { return victim.Host.Banned(j.Host.ID()) || ctx.Err() != nil }
			switch round % 3 {
			case 0: // junk blocks: orphans, then an invalid one
				for i := 0; !banned(); i++ {
					j.Blocks.Publish(ctx, h.OrphanBlock(uint64(5000+round*100_000+i)))
					if i%50 == 49 {
						j.Blocks.Publish(ctx, victim.InvalidBlock())
						time.Sleep(20 * time.Millisecond)
					}
				}
			case 1: // nonce-gap flood from a funded key
				for i := 0; !banned(); i++ {
					tx := h.NewPut(n0.Key, 1_000_000+uint64(round*100_000+i), "public/gap", []byte("never"))
					j.Txs.Publish(ctx, tx.Encode())
					if i%100 == 99 {
						time.Sleep(5 * time.Millisecond)
					}
				}
			case 2: // claimed-work sync lie
				gen, _ := victim.Chain().IDAt(0)
				var tip wire.Hash
				tip[0] = byte(round)
				p2p.ServeSyncLies(j.Host, h.Params().Net, gen, 1_000_000, tip, hugeWork, func([]wire.Hash) []wire.Header { return nil })
				for !banned() {
					victim.Host.ExchangeStatus(ctx, j.Host.ID())
					time.Sleep(100 * time.Millisecond)
				}
			}
			for !victim.Host.Banned(j.Host.ID()) && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}()
	// Stale proofs: n2 reads through a provider serving old state and an
	// honest one; the answer must be proven at n2's tip or later.
	stale := h.NewNode("stale")
	stale.Host.SetProofSource(old.Node)
	h.Connect(stale, n2)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			tipBefore := n2.Chain().Tip().Height
			res, err := n2.Host.GetVerifiedFrom(ctx, wire.RootChain, "public/hostile/0", []peer.ID{stale.ID(), n0.ID()})
			if err == nil && res.Header.Height < tipBefore {
				t.Errorf("verified read proven at height %d, below the reader's tip %d", res.Header.Height, tipBefore)
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
	<-ctx.Done()
	wg.Wait()
	n0.StopAutoMine()
	n1.StopAutoMine()
	waitSameHeight(t, honest)
	n0.Mine(2)
	tip := h.WaitForTip(60*time.Second, honest...)
	for _, n := range honest {
		for _, id := range writes {
			if err := n.WaitConfirmed(id, 60*time.Second); err != nil {
				t.Fatalf("%s: honest write %s: %v", n.Name, id.Short(), err)
			}
		}
	}
	for _, a := range attackers {
		if !a.victim.Host.Banned(a.id) {
			t.Errorf("%s did not ban attacker %s", a.victim.Name, a.id)
		}
	}
	rss := rssMB(t)
	t.Logf("hostile devnet: %d attacking identities (all banned), %d more refused at connection, %d honest writes confirmed on 3 nodes, common tip %s at height %d, RSS %d MB",
		len(attackers), refused.Load(), len(writes), tip.Short(), n0.Chain().Tip().Height, rss)
	if rss > 500 {
		t.Fatalf("RSS %d MB, want under 500", rss)
	}
	for _, n := range honest {
		for _, m := range honest {
			if n.Host.Banned(m.ID()) {
				t.Fatalf("%s banned honest %s", n.Name, m.Name)
			}
		}
	}
}

// rssMB returns this process's resident set size in MB (Linux; 0
// elsewhere).
func rssMB(t *testing.T) int {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return kb / 1024
		}
	}
	return 0
}
