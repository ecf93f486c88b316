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
// and BlocksOn does: chains stored in full only (the others are headers
// only: ErrNotStored).

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

func (f *fakeAPI) stored(name string) error {
	if f.unfollowed[name] {
		return fmt.Errorf("%w: chain %s is kept as headers only here, without block bodies (run the node with --follow %s)", node.ErrNotStored, name, name)
	}
	return nil
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
	if err := f.stored(chain); err != nil {
		return nil, err
	}
	tip := f.branchHeight(chain)
	if h, err := strconv.ParseUint(ref, 10, 64); err == nil && h <= tip {
		b := f.branchBlock(chain, h, true)
		return &b, nil
	}
	for h := int64(tip); h >= 0; h-- {
		if tipOf(chain, uint64(h)).String() == ref {
			b := f.branchBlock(chain, uint64(h), true)
			return &b, nil
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
	if err := f.stored(chain); err != nil {
		return nil, err
	}
	tip := f.branchHeight(chain)
	if top == 0 || top > tip {
		top = tip
	}
	var out []node.BlockInfo
	for h := int64(top); h >= 0 && len(out) < count; h-- {
		out = append(out, f.branchBlock(chain, uint64(h), false))
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
