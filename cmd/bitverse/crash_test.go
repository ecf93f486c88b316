package main

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/nodetest"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet"
	"go.etcd.io/bbolt"
)

// TestCrashKeepsAcknowledgedWrites kills the node with SIGKILL at random
// moments while 1,000 puts are being submitted, 10 times in a row. Every put
// the API acknowledged must afterwards be pending or in a block, and the
// state must equal a replay of the chain from genesis.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	nodetest.Slow(t, "the crash test runs real processes for ~1 minute")
	t.Parallel() // a lone node of its own: it mostly waits for block intervals
	dir := fundedDataDir(t)
	key, addr := testWalletKey(t)
	p := consensus.Devnet()

	node := startNode(t, dir, "--mine", "--miner-workers", "1")
	cl, _ := rpc.Dial(dir, "")
	nodetest.WaitFunds(t, cl, addr, wire.Unit)

	const total, rounds = 1000, 10
	rng := rand.New(rand.NewPCG(1, 2))
	var acked []wire.Hash
	submitted := 0
	for round := 0; round < rounds; round++ {
		var mu sync.Mutex
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() { // submitter: sequential puts until the node dies
			defer close(done)
			cl, err := rpc.Dial(dir, "")
			if err != nil {
				return
			}
			ctx := context.Background()
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				if submitted >= total {
					mu.Unlock()
					return
				}
				mu.Unlock()
				time.Sleep(4 * time.Millisecond) // spread the 1,000 puts over the 10 crashes
				info, err := cl.Account(ctx, addr)
				if err != nil {
					return
				}
				tx := wire.NewTx(wire.RootChain, wire.Put{Key: "public/crash/" + itoa(submitted), Value: []byte("v")}, info.NextNonce, 0)
				p.SetMinFee(tx)
				tx.Sign(p.Net, key)
				id, err := cl.SubmitTx(ctx, tx.Encode())
				if err != nil {
					var re *rpc.RemoteError
					if errors.As(err, &re) {
						continue // rejected (e.g. nonce raced a restart): not acknowledged
					}
					return // node gone
				}
				mu.Lock()
				acked = append(acked, id)
				submitted++
				mu.Unlock()
			}
		}()
		time.Sleep(time.Duration(200+rng.IntN(800)) * time.Millisecond)
		node.Process.Signal(syscall.SIGKILL)
		node.Wait()
		close(stop)
		<-done
		node = startNode(t, dir, "--mine", "--miner-workers", "1")
		cl, _ = rpc.Dial(dir, "")
	}
	// Finish the remaining puts with the node up.
	duringCrashes := len(acked)
	ctx := context.Background()
	for submitted < total {
		info, err := cl.Account(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		tx := wire.NewTx(wire.RootChain, wire.Put{Key: "public/crash/" + itoa(submitted), Value: []byte("v")}, info.NextNonce, 0)
		p.SetMinFee(tx)
		tx.Sign(p.Net, key)
		id, err := cl.SubmitTx(ctx, tx.Encode())
		if err != nil {
			t.Fatalf("submit after crashes: %v", err)
		}
		acked = append(acked, id)
		submitted++
	}
	for i, id := range acked {
		if _, err := cl.Tx(ctx, id); err != nil {
			t.Fatalf("acknowledged put %d (%s) was lost: %v", i, id.Short(), err)
		}
	}
	t.Logf("%d puts acknowledged (%d while the node was being killed %d times); all pending or confirmed", len(acked), duringCrashes, rounds)
	node.Process.Signal(syscall.SIGTERM)
	node.Wait()
	assertReplayMatches(t, filepath.Join(dir, "chain.db"))
}

// testWalletKey returns the key and devnet address of testMnemonic's
// default account, from an in-process wallet: the test signs its own puts.
func testWalletKey(t *testing.T) (wire.PrivKey, string) {
	t.Helper()
	w, err := wallet.Restore(t.TempDir(), wire.Devnet, testMnemonic, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := w.Key("")
	if err != nil {
		t.Fatal(err)
	}
	return key, wire.EncodeAddress(wire.Devnet, key.PubKey())
}

func itoa(i int) string { return strconv.Itoa(i) }

// assertReplayMatches feeds the best chain stored at path to a fresh chain
// and compares tip, state root and every account and kv record.
func assertReplayMatches(t *testing.T, path string) {
	t.Helper()
	db, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := consensus.Devnet()
	orig, err := chain.New(chain.Config{Params: p, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	rdb, err := store.Open(filepath.Join(t.TempDir(), "replay.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	replay, err := chain.New(chain.Config{Params: p, DB: rdb})
	if err != nil {
		t.Fatal(err)
	}
	tip := orig.Tip()
	for h := uint64(1); h <= tip.Height; h++ {
		b, err := orig.BlockByHeight(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := replay.ProcessBlock(b); err != nil {
			t.Fatalf("replay block %d: %v", h, err)
		}
	}
	if got := replay.Tip(); got.ID != tip.ID || got.StateRoot != tip.StateRoot {
		t.Fatalf("replay tip %s/%s, original %s/%s", got.ID.Short(), got.StateRoot.Short(), tip.ID.Short(), tip.StateRoot.Short())
	}
	for _, bucket := range [][]byte{store.Accounts, store.KV, store.KVHist} {
		if a, b := dump(t, db, bucket), dump(t, rdb, bucket); !bytes.Equal(a, b) {
			t.Fatalf("bucket %s differs from the replay", bucket)
		}
	}
	t.Logf("replay of %d blocks matches: state root %s", tip.Height, tip.StateRoot.Short())
}

func dump(t *testing.T, db *bbolt.DB, bucket []byte) []byte {
	var out []byte
	db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			out = append(append(append(out, k...), 0xff), v...)
			return nil
		})
	})
	return out
}
