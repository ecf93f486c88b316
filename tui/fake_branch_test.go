package tui

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/wire"
)

// The fake node reads the blocks of branch chains as a node with BlockOn
// and BlocksOn does: in full for the chains it stores, headers (no
// transactions) for the others, whose blocks FetchBlock brings "from a
// peer" unless fetchErr is set.

// branchHeight is the height of branch chain name in the fake's tree.
func (f *fakeAPI) branchHeight(name string) uint64 {
	d := len(name)
	i, _ := strconv.ParseUint(name, 2, 32)
	h := f.status.Height >> d
	if lag := i * 7; h > lag {
		h -= lag
	}
	return h
}

// branchBlock is block h of branch chain name: one coinbase, and a put
// every other block.
func (f *fakeAPI) branchBlock(name string, h uint64, withTxs bool) node.BlockInfo {
	tip := f.branchHeight(name)
	id := tipOf(name, h)
	b := node.BlockInfo{ID: id, Chain: name, Height: h, Time: blockTime(h*2, tip*2), Bits: f.status.Bits, Nonce: h * 31,
		TxRoot: wire.Sum([]byte("txroot"), id[:]), StateRoot: wire.Sum([]byte("state"), id[:]), Size: 412,
		Confirmations: tip - h + 1, Main: true}
	if h > 0 {
		b.Prev = tipOf(name, h-1)
	}
	b.Txs = []node.TxInfo{{ID: wire.Sum([]byte("cb"), id[:]), Type: "coinbase", To: testAddr, Amount: 1250, Nonce: h, Size: 145,
		Chain: name, Block: id, Height: h, Confirmations: b.Confirmations, Time: b.Time}}
	if h%2 == 0 {
		b.Txs = append(b.Txs, node.TxInfo{ID: wire.Sum([]byte("put"), id[:]), Type: "put", From: testAddr, Key: "branch/key-" + name,
			ValueSize: 9, Fee: 1300, Nonce: h / 2, Size: 130, Chain: name, Block: id, Height: h, Confirmations: b.Confirmations, Time: b.Time})
	}
	if !withTxs {
		b.Txs = make([]node.TxInfo, len(b.Txs))
	}
	return b
}

// fakePeer is the peer FetchBlock says a block came from.
const fakePeer = "12D3KooWFakePeerStoringTheChain"

// headerOf is b as a node keeping its chain as headers only gives it.
func headerOf(b node.BlockInfo) node.BlockInfo {
	b.Txs, b.Size, b.HeadersOnly = nil, 0, true
	return b
}

// FetchBlock is BlockOn, with a headers-only chain's block "from a peer".
func (f *fakeAPI) FetchBlock(ctx context.Context, chain, ref string) (*node.BlockInfo, error) {
	b, err := f.BlockOn(ctx, chain, ref)
	if err != nil || !b.HeadersOnly {
		return b, err
	}
	if err := f.wait(ctx, "FetchBlock"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fetchErr != nil {
		return nil, f.fetchErr
	}
	full := f.branchBlock(chain, b.Height, true)
	full.HeadersOnly, full.FromPeer = true, fakePeer
	return &full, nil
}

func (f *fakeAPI) BlockOn(ctx context.Context, chain, ref string) (*node.BlockInfo, error) {
	if chain == "/" {
		return f.Block(ctx, ref)
	}
	if err := f.wait(ctx, "BlockOn"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blockOnRefs = append(f.blockOnRefs, ref)
	tip := f.branchHeight(chain)
	at := func(h uint64) *node.BlockInfo {
		b := f.branchBlock(chain, h, true)
		if f.unfollowed[chain] {
			b = headerOf(b)
		}
		return &b
	}
	if h, err := strconv.ParseUint(ref, 10, 64); err == nil && h <= tip {
		return at(h), nil
	}
	for h := int64(tip); h >= 0; h-- {
		if tipOf(chain, uint64(h)).String() == ref {
			return at(uint64(h)), nil
		}
	}
	return nil, fmt.Errorf("%w: block %s on chain %s", node.ErrNotFound, ref, chain)
}

func (f *fakeAPI) BlocksOn(ctx context.Context, chain string, top uint64, count int) ([]node.BlockInfo, error) {
	if chain == "/" {
		return f.Blocks(ctx, top, count)
	}
	if err := f.wait(ctx, "BlocksOn"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	tip := f.branchHeight(chain)
	if top == 0 || top > tip {
		top = tip
	}
	var out []node.BlockInfo
	for h := int64(top); h >= 0 && len(out) < count; h-- {
		b := f.branchBlock(chain, uint64(h), false)
		if f.unfollowed[chain] {
			b = headerOf(b)
		}
		out = append(out, b)
	}
	return out, nil
}

// Preview is the node's verdict on the last of txs, as node.Node gives it:
// a keyspace script that does not compile is refused (ErrBadScript), then
// refuse, when set, judges it.
func (f *fakeAPI) Preview(ctx context.Context, raws [][]byte) (*node.Verdict, error) {
	if err := f.wait(ctx, "Preview"); err != nil {
		return nil, err
	}
	tx, err := wire.DecodeTx(raws[len(raws)-1])
	if err != nil {
		return nil, err
	}
	var src []byte
	switch b := tx.Body.(type) {
	case wire.KeyspaceBuy:
		src = b.Script
	case wire.KeyspaceScript:
		src = b.Script
	}
	if len(src) > 0 {
		if _, err := script.Compile(src); err != nil {
			return &node.Verdict{Code: consensus.ErrBadScript, Reason: err.Error()}, nil
		}
	}
	if f.refuse != nil {
		if err := f.refuse(tx); err != nil {
			var re *consensus.RuleError
			if errors.As(err, &re) {
				return &node.Verdict{Code: re.Code, Reason: re.Description}, nil
			}
			return nil, err
		}
	}
	return &node.Verdict{OK: true}, nil
}
