package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/wire"
)

// TestBlocktreeFollowSets is the blocktree's devnet acceptance at a size for the
// fast suite (the long suite runs 1,000 puts): four networked nodes with
// follow sets {all}, {0}, {1}, {01}; puts spread over depths 0–3 are mined
// by the first; every node reads every key, from its own store when it
// keeps the key's chain and otherwise verified through a peer; and the
// node following only 01 stores little more than the data of 01 and its
// ancestors.
func TestBlocktreeFollowSets(t *testing.T) { runBlocktree(t, 120) }

func runBlocktree(t *testing.T, puts int) {
	h := New(t)
	p := h.Params()
	c := func(s string) wire.ChainID { id, _ := wire.ParseChainID(s); return id }
	all := h.NewNode("all")
	f0 := h.NewNode("f0", Follow(c("0")))
	f1 := h.NewNode("f1", Follow(c("1")))
	f01 := h.NewNode("f01", Follow(c("01")))
	nodes := []*Node{all, f0, f1, f01}
	h.ConnectAll()

	// Fund the writer, stamp credit on every branch, and let every branch
	// anchor past the stamps.
	all.Mine(int(p.CoinbaseMaturity) + 3)
	branches := wire.TreeChains(p.MaxDepth)[1:]
	nonce := map[wire.ChainID]uint64{}
	send := func(tx *wire.Tx) {
		t.Helper()
		tx.Nonce = nonce[tx.Chain]
		nonce[tx.Chain]++
		p.SetMinFee(tx)
		tx.Sign(p.Net, all.Key)
		if _, err := all.AddTx(tx); err != nil {
			t.Fatalf("add %s on %s: %v", tx.Type, tx.Chain, err)
		}
	}
	for _, id := range branches {
		send(wire.NewTx(wire.RootChain, wire.Stamp{Chain: id, Amount: wire.Unit}, 0, 0))
	}
	all.Mine(1)
	for _, id := range branches {
		all.MineOn(id, 1)
	}

	// The writes: depth i%4, so a quarter on the root and the rest spread
	// over the 14 branches by their keys' paths.
	type write struct {
		key   string
		depth uint8
		value string
	}
	var writes []write
	for i := 0; i < puts; i++ {
		w := write{key: fmt.Sprintf("public/tree/%d", i), depth: uint8(i % 4), value: fmt.Sprintf("value %d %x", i, wire.KeyPath(fmt.Sprint(i)))}
		writes = append(writes, w)
		send(wire.NewTx(wire.ForPath(wire.KeyPath(w.key), w.depth), wire.Put{Key: w.key, Value: []byte(w.value)}, 0, 0))
	}
	for round := 0; ; round++ {
		waiting := 0
		for _, id := range append([]wire.ChainID{wire.RootChain}, branches...) {
			pool, _ := all.PoolOf(id)
			waiting += pool.Len()
		}
		if waiting == 0 {
			break
		}
		if round > 50 {
			t.Fatalf("%d writes still waiting after %d rounds", waiting, round)
		}
		all.Mine(1)
		for _, id := range branches {
			all.MineOn(id, 1)
		}
	}
	all.Mine(2) // checkpoint the last branch blocks

	// Every node reaches the same tip on every chain, full or headers only.
	deadline := time.Now().Add(60 * time.Second)
	for {
		behind := ""
		for _, id := range append([]wire.ChainID{wire.RootChain}, branches...) {
			want := all.Forest().Chain(id).Tip().ID
			for _, n := range nodes[1:] {
				if n.Forest().Chain(id).Tip().ID != want {
					behind = fmt.Sprintf("%s on chain %s (height %d, want %d)", n.Name, id, n.Forest().Chain(id).Tip().Height, all.Forest().Chain(id).Tip().Height)
				}
			}
		}
		if behind == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not synced after 60 s: %s", behind)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Every key from every node: local reads where the chain is stored,
	// verified remote reads elsewhere.
	ctx := context.Background()
	local, remote := 0, 0
	for _, n := range nodes {
		for _, w := range writes {
			id := wire.ForPath(wire.KeyPath(w.key), w.depth)
			if !n.Forest().Chain(id).HeadersOnly() {
				res, err := n.GetOn(ctx, w.key, int(w.depth), false, false)
				if err != nil || res.Value != w.value {
					t.Fatalf("%s reads %s on %s locally: %v, %v", n.Name, w.key, id, res, err)
				}
				local++
				continue
			}
			vr, err := n.Host.GetVerified(ctx, id, w.key)
			if err != nil || !vr.Found() || string(vr.Record.Value) != w.value {
				t.Fatalf("%s reads %s on %s from a peer: %+v, %v", n.Name, w.key, id, vr, err)
			}
			remote++
		}
	}
	t.Logf("%d writes over depths 0-3; %d local reads, %d verified remote reads on 4 nodes", len(writes), local, remote)

	// Storage of the node following only 01: the block bytes it keeps (full
	// chains) plus the headers of the rest, against the block bytes of 01
	// and its ancestors.
	stored := storedBytes(t, f01)
	var data int64
	for _, s := range []string{"/", "0", "01"} {
		data += chainBytes(t, all.Forest().Chain(c(s)))
	}
	ratio := float64(stored) / float64(data)
	t.Logf("node following 01 stores %d bytes of blocks and headers; 01 and its ancestors hold %d: ratio %.3f",
		stored, data, ratio)
	f01Disk := allocatedIn(f01.Dir, "")
	allDisk := allocatedIn(all.Dir, "chain.db") + allocatedIn(filepath.Join(all.Dir, "chains"), "0.db") + allocatedIn(filepath.Join(all.Dir, "chains"), "01.db")
	t.Logf("on disk (bbolt files, allocated): the node following 01 uses %d KiB; the files of /, 0 and 01 on the node following all use %d KiB (%.2f×); all of that node's files: %d KiB",
		f01Disk/1024, allDisk/1024, float64(f01Disk)/float64(allDisk), allocatedIn(all.Dir, "")/1024)
	if ratio > 1.3 {
		t.Errorf("node following 01 stores %.3f× the data of 01 and its ancestors (target ≤ 1.3)", ratio)
	}
}

// chainBytes is the encoded size of c's best line (genesis excluded).
func chainBytes(t *testing.T, c *chain.Chain) int64 {
	t.Helper()
	var total int64
	for h := uint64(1); h <= c.Tip().Height; h++ {
		b, err := c.BlockByHeight(h)
		if err != nil {
			t.Fatalf("chain %s block %d: %v", c.ID(), h, err)
		}
		total += int64(len(b.Encode()))
	}
	return total
}

// storedBytes is what n keeps: whole blocks of the chains it stores in
// full, headers of the others.
func storedBytes(t *testing.T, n *Node) int64 {
	t.Helper()
	var total int64
	for _, c := range n.Forest().Chains() {
		if !c.HeadersOnly() {
			total += chainBytes(t, c)
			continue
		}
		tip := c.Tip()
		for h := uint64(1); h <= tip.Height; h++ {
			id, err := c.IDAt(h)
			if err != nil {
				t.Fatal(err)
			}
			hd, _, err := c.HeaderByID(id)
			if err != nil {
				t.Fatal(err)
			}
			total += int64(len(hd.Encode()))
		}
	}
	return total
}

// allocatedIn is the disk space of the .db files under dir (only the one
// called name, if name is set). bbolt files are sparse past their pages,
// so their length says little.
func allocatedIn(dir, name string) int64 {
	var total int64
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && filepath.Ext(path) == ".db" && (name == "" || info.Name() == name) &&
			(name == "" || filepath.Dir(path) == dir) {
			total += allocated(info)
		}
		return nil
	})
	return total
}
