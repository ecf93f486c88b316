//go:build long && unix

package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/state/smt"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// buildDevnetChain writes, into a chain.db at path, a devnet chain of
// blocks blocks with puts puts each (from the block after the first reward
// matures). Blocks are dated a minute apart, so the difficulty falls to the
// proof-of-work limit within a few dozen blocks (ASERT) and the rest cost
// nothing to mine; the last is still well in the past.
func buildDevnetChain(t *testing.T, path string, blocks, puts int) {
	t.Helper()
	p := consensus.Devnet()
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.NoSync = true // a fixture: durability comes from Close
	clock := time.UnixMilli(p.GenesisTime)
	// The fixture's own signatures go straight into the cache: building
	// verifies none of them (the syncing node verifies them all).
	sigs := chain.NewSigCache(200_000)
	c, err := chain.New(chain.Config{Params: p, DB: db, Sigs: sigs, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	seed := wire.Sum([]byte("sync kill miner"))
	key, err := wire.PrivKeyFromBytes(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	nonce := uint64(0)
	for h := 1; h <= blocks; h++ {
		clock = clock.Add(time.Minute)
		var txs []*wire.Tx
		if uint64(h) > p.CoinbaseMaturity+1 {
			for i := 0; i < puts; i++ {
				tx := wire.NewTx(wire.RootChain, wire.Put{Key: fmt.Sprintf("public/kill/%d/%d", h, i), Value: []byte("a value some tens of bytes long")}, nonce, 0)
				p.SetMinFee(tx)
				tx.Sign(p.Net, key)
				sigs.Add(tx.ID())
				txs = append(txs, tx)
				nonce++
			}
		}
		tmpl, err := c.NewTemplate(key.PubKey(), txs, clock)
		if err != nil {
			t.Fatal(err)
		}
		if len(tmpl.Rejected) > 0 {
			t.Fatalf("block %d: template rejected %d txs", h, len(tmpl.Rejected))
		}
		b := tmpl.Block
		target := consensus.CompactToBig(b.Header.Bits)
		for !consensus.HashMeetsTarget(b.Header.PowHash(), target) {
			b.Header.Nonce++
		}
		if res, err := c.ProcessBlock(b); err != nil || res != chain.Connected {
			t.Fatalf("block %d: %v %v", h, res, err)
		}
	}
}

// checkConsistent opens a killed node's chain.db and checks what a kill -9
// may leave: the stored tip's roots equal the roots recomputed from the
// flat state, they hash to the tip header's state root, and the address
// index ends at the tip. It returns the tip's height.
func checkConsistent(t *testing.T, path string) uint64 {
	t.Helper()
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := chain.New(chain.Config{Params: consensus.Devnet(), DB: db})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	err = c.View(func(tx *bbolt.Tx, tip chain.TipInfo, roots state.Roots) error {
		flat, err := state.RootsFromFlat(tx)
		if err != nil {
			return err
		}
		if flat != roots || roots.StateRoot() != tip.StateRoot {
			return fmt.Errorf("tip %d: flat state and stored roots disagree", tip.Height)
		}
		// A sync run stores only its last block's key/value tree: the
		// tip's must be whole.
		nodes, err := smt.NewBoltStore(tx, store.SMT)
		if err != nil {
			return err
		}
		if _, err := smt.Check(nodes, roots.KV); err != nil {
			return fmt.Errorf("tip %d: key/value tree: %w", tip.Height, err)
		}
		if at := tx.Bucket(store.Meta).Get(store.KeyAddrAt); tip.Height > 0 && string(at) != string(tip.ID[:]) {
			return fmt.Errorf("address index ends at %x, the tip is %s", at, tip.ID.Short())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return c.Tip().Height
}

// TestSyncSurvivesKill9 kills a syncing `bitverse node` process with
// SIGKILL at 20 random moments of syncing from a node serving a devnet
// chain of 2,000 blocks of 10 puts (a kill that finds the sync over does
// not count, and a fresh sync follows). After every kill the database is
// consistent (checkConsistent); after the last restart the node ends on the
// source's tip and state root, which an uninterrupted sync reaches
// (scenarioSync).
func TestSyncSurvivesKill9(t *testing.T) {
	const blocks, puts, kills = 2000, 10, 20
	src := t.TempDir()
	start := time.Now()
	buildDevnetChain(t, filepath.Join(src, "chain.db"), blocks, puts)
	t.Logf("built a devnet chain of %d blocks in %s", blocks, time.Since(start).Round(time.Millisecond))
	startNode(t, src)
	srcCl, err := rpc.Dial(src, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	want, err := srcCl.Status(ctx)
	if err != nil || want.Height != blocks {
		t.Fatalf("source status: height %d, %v", want.Height, err)
	}
	boot := tcpAddr(t, netInfoOf(t, src)) + "/p2p/" + netInfoOf(t, src).ID

	dst := t.TempDir()
	rng := rand.New(rand.NewPCG(18, uint64(time.Now().UnixNano())))
	height := uint64(0)
	landed, progressed, syncs := 0, 0, 1
	span := 2 * time.Second
	for k := 0; landed < kills; k++ {
		if k >= 4*kills {
			t.Fatalf("only %d of %d kills landed in a sync after %d tries", landed, kills, k)
		}
		node := startNode(t, dst, "--bootstrap", boot)
		cl, err := rpc.Dial(dst, "")
		if err != nil {
			t.Fatal(err)
		}
		// A random moment of the sync: 0 to span after the node answers.
		// A run commits up to 128 blocks at once, so a start that waited
		// for progress before its kill would find the sync over after a
		// dozen; a kill before a start's first commit (in the header
		// download, or inside the first run's transaction) is a moment
		// like any other. The span adapts to the machine: it halves after
		// a start that connected more than a tenth of the chain and grows
		// after one that connected nothing. A kill that finds the sync
		// over does not count, and the next start syncs afresh.
		deadline := time.Now().Add(2 * time.Minute)
		for {
			if _, err := cl.Status(ctx); err == nil {
				break
			}
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(filepath.Join(dst, "test-node.log"))
				t.Fatalf("kill %d: the node did not answer in 2 minutes:\n%s", k, log)
			}
			time.Sleep(time.Duration(1+rng.IntN(5)) * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.Int64N(int64(span))))
		node.Process.Signal(syscall.SIGKILL)
		node.Wait()
		h := checkConsistent(t, filepath.Join(dst, "chain.db"))
		if h < height {
			t.Fatalf("kill %d: height went back from %d to %d", k, height, h)
		}
		t.Logf("kill %d at height %d (span %s): consistent", k+1, h, span.Round(time.Millisecond))
		switch {
		case h == blocks:
			t.Logf("kill %d found the sync over: not counted; syncing afresh", k+1)
			dst, height, span, syncs = t.TempDir(), 0, span/2, syncs+1
			continue
		case h-height > blocks/10:
			span /= 2
		case h == height:
			span = span * 3 / 2
		}
		if h > height {
			progressed++
		}
		height = h
		landed++
	}
	startNode(t, dst, "--bootstrap", boot)
	cl, err := rpc.Dial(dst, "")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		st, err := cl.Status(ctx)
		if err == nil && st.Height == want.Height {
			if st.Tip != want.Tip || st.StateRoot != want.StateRoot {
				t.Fatalf("after %d kills: tip %s root %s, the source's %s root %s",
					landed, st.Tip.Short(), st.StateRoot.Short(), want.Tip.Short(), want.StateRoot.Short())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %d kills the node did not catch up in 3 minutes (height %d of %d)", landed, st.Height, want.Height)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d kills in the middle of %d syncs (%d after the start had connected blocks); every restart consistent; ended on the source's tip %s and state root %s",
		landed, syncs, progressed, want.Tip.Short(), want.StateRoot.Short())
}
