package harness

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// Blocks made by the harness are timed exactly one target interval after
// their parent, so the ASERT difficulty stays at Regtest's limit (about two
// hashes a block) however fast they are made. Regtest's genesis lies in the
// past, so such times never run ahead of the clock for realistic heights.

// Solve finds a nonce that meets the block's target.
func Solve(b *wire.Block) {
	target := consensus.CompactToBig(b.Header.Bits)
	for !consensus.HashMeetsTarget(b.Header.PowHash(), target) {
		b.Header.Nonce++
	}
}

// template builds a block on the tip with txs (nil: the mempool's
// selection), timed one interval after the tip.
func (n *Node) template(txs []*wire.Tx, fromPool bool) (*wire.Block, error) {
	for {
		tip := n.Chain().Tip()
		if fromPool {
			txs = n.Mempool().Select(n.h.params.MaxBlockSize)
		}
		at := time.UnixMilli(tip.Time).Add(n.h.params.TargetInterval)
		tmpl, err := n.Chain().NewTemplate(n.Key.PubKey(), txs, at)
		if err != nil {
			return nil, err
		}
		if len(tmpl.Rejected) > 0 && fromPool {
			n.Mempool().Remove(tmpl.Rejected)
		}
		if tmpl.Block.Header.Prev != tip.ID {
			continue // the tip moved while the template was built
		}
		Solve(tmpl.Block)
		return tmpl.Block, nil
	}
}

// Mine makes count blocks on the node's tip with its mempool's
// transactions, submits them (so they are announced) and returns them. A
// block that lost a race to a peer's block is made again.
func (n *Node) Mine(count int) []*wire.Block {
	n.h.t.Helper()
	out, err := n.mine(count)
	if err != nil {
		n.h.t.Fatalf("harness: %s mining: %v", n.Name, err)
	}
	return out
}

func (n *Node) mine(count int) ([]*wire.Block, error) {
	n.mineMu.Lock()
	defer n.mineMu.Unlock()
	var out []*wire.Block
	for len(out) < count {
		b, err := n.template(nil, true)
		if err != nil {
			return out, err
		}
		res, err := n.SubmitBlock(b)
		if err != nil {
			return out, fmt.Errorf("block at height %d: %w", b.Header.Height, err)
		}
		if res == chain.Connected {
			out = append(out, b)
		}
	}
	return out, nil
}

// StartAutoMine mines a block about every d (jittered ±50%) until
// StopAutoMine.
func (n *Node) StartAutoMine(every time.Duration) {
	n.autoMu.Lock()
	defer n.autoMu.Unlock()
	if n.autoOff != nil {
		return
	}
	off := make(chan struct{})
	n.autoOff = off
	n.autoWG.Add(1)
	go func() {
		defer n.autoWG.Done()
		for {
			d := every/2 + time.Duration(rand.Int64N(int64(every)+1))
			select {
			case <-off:
				return
			case <-time.After(d):
			}
			if _, err := n.mine(1); err != nil {
				n.h.t.Logf("harness: %s auto-mining: %v", n.Name, err)
			}
		}
	}()
}

// StopAutoMine stops StartAutoMine (and waits for the block in progress).
func (n *Node) StopAutoMine() {
	n.autoMu.Lock()
	off := n.autoOff
	n.autoOff = nil
	n.autoMu.Unlock()
	if off != nil {
		close(off)
		n.autoWG.Wait()
	}
}

// NewPut returns a signed put from k with the given nonce and the minimum fee.
func (h *Harness) NewPut(k wire.PrivKey, nonce uint64, key string, value []byte) *wire.Tx {
	tx := wire.NewTx(wire.RootChain, wire.Put{Key: key, Value: value}, nonce, 0)
	tx.From = k.PubKey()
	h.params.SetMinFee(tx)
	tx.Sign(h.params.Net, k)
	return tx
}

// Put submits a signed put from the node's key (its mining rewards pay the
// fee: mine CoinbaseMaturity+1 blocks first) and returns the tx id.
func (n *Node) Put(key, value string) (wire.Hash, error) {
	n.nonceMu.Lock()
	defer n.nonceMu.Unlock()
	nonce, err := n.Mempool().NextNonce(n.Key.PubKey())
	if err != nil {
		return wire.Hash{}, err
	}
	return n.AddTx(n.h.NewPut(n.Key, nonce, key, []byte(value)))
}

// WaitConfirmed waits until tx id is in a block on the node's best chain.
func (n *Node) WaitConfirmed(id wire.Hash, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, err := n.WaitForTx(ctx, id)
	if err != nil {
		return fmt.Errorf("%s: tx %s not confirmed within %s: %w", n.Name, id.Short(), timeout, err)
	}
	return nil
}

// BuildChain appends blocks to the node's chain directly (no mempool, no
// announcements), each with putsPerBlock puts from the node's key once its
// first reward has matured. The signatures are the harness's own, so they
// go straight into the signature cache: building is quick, and every other
// node still verifies them. It returns the number of puts written.
func (n *Node) BuildChain(blocks, putsPerBlock int) int {
	n.h.t.Helper()
	n.mineMu.Lock()
	defer n.mineMu.Unlock()
	acct, err := n.Account(context.Background(), wire.EncodeAddress(n.h.params.Net, n.Key.PubKey()))
	if err != nil {
		n.h.t.Fatal(err)
	}
	nonce := acct.Nonce
	puts := 0
	for i := 0; i < blocks; i++ {
		tip := n.Chain().Tip()
		var txs []*wire.Tx
		if tip.Height+1 > n.h.params.CoinbaseMaturity+1 {
			for j := 0; j < putsPerBlock; j++ {
				tx := n.h.NewPut(n.Key, nonce, fmt.Sprintf("public/bench/%s/%d/%d", n.Name, tip.Height+1, j),
					[]byte(fmt.Sprintf("value %d of block %d written by %s", j, tip.Height+1, n.Name)))
				n.Chain().SigCache().Add(tx.ID())
				txs = append(txs, tx)
				nonce++
			}
		}
		b, err := n.template(txs, false)
		if err != nil {
			n.h.t.Fatal(err)
		}
		if len(b.Txs) != len(txs)+1 {
			n.h.t.Fatalf("harness: block %d took %d of %d puts", b.Header.Height, len(b.Txs)-1, len(txs))
		}
		if res, err := n.Chain().ProcessBlock(b); err != nil || res != chain.Connected {
			n.h.t.Fatalf("harness: build block %d: %v %v", b.Header.Height, res, err)
		}
		puts += len(txs)
	}
	return puts
}

// MineOn makes count blocks on chain id (a branch this node stores in
// full) with its mempool's transactions, each anchored to the parent
// chain's tip and timed one of the chain's intervals after its parent,
// and submits them.
func (n *Node) MineOn(id wire.ChainID, count int) []*wire.Block {
	n.h.t.Helper()
	n.mineMu.Lock()
	defer n.mineMu.Unlock()
	c := n.Forest().Chain(id)
	pool, err := n.PoolOf(id)
	if err != nil {
		n.h.t.Fatalf("harness: %s mining chain %s: %v", n.Name, id, err)
	}
	var out []*wire.Block
	for len(out) < count {
		tip := c.Tip()
		at := time.UnixMilli(tip.Time).Add(n.h.params.IntervalAt(id.Depth))
		if parent := n.Forest().Chain(id.Parent()).Tip(); at.UnixMilli() <= parent.Time {
			at = time.UnixMilli(parent.Time + 1) // keep branch time near its anchor's
		}
		tmpl, err := c.NewTemplate(n.Key.PubKey(), pool.Select(n.h.params.MaxBlockSize), at)
		if err != nil {
			n.h.t.Fatalf("harness: %s template on chain %s: %v", n.Name, id, err)
		}
		if len(tmpl.Rejected) > 0 {
			pool.Remove(tmpl.Rejected)
		}
		Solve(tmpl.Block)
		res, err := n.SubmitBlock(tmpl.Block)
		if err != nil {
			n.h.t.Fatalf("harness: %s block on chain %s: %v", n.Name, id, err)
		}
		if res == chain.Connected {
			out = append(out, tmpl.Block)
		}
	}
	return out
}
