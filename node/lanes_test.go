package node_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
)

// countingRunner runs scripts in process and counts the calls.
type countingRunner struct {
	script.Runner
	calls atomic.Int64
}

func (r *countingRunner) Validate(ctx context.Context, p *script.Program, w script.Write, c script.Context, l script.Ledger) (script.Verdict, error) {
	r.calls.Add(1)
	return r.Runner.Validate(ctx, p, w, c, l)
}

// lanes is a runner with two lanes (as script.Pool has), each counted;
// calls to the runner itself are counted as unsplit.
type lanes struct {
	countingRunner
	blocks, admission *countingRunner
}

func (l *lanes) ForBlocks() script.Runner    { return l.blocks }
func (l *lanes) ForAdmission() script.Runner { return l.admission }

// node.Open splits a runner that has lanes: blocks (templates and
// connecting) run on ForBlocks, mempool admission on ForAdmission, and
// nothing on the runner unsplit.
func TestOpenSplitsScriptLanes(t *testing.T) {
	l := &lanes{countingRunner: countingRunner{Runner: script.NewInProcess()},
		blocks: &countingRunner{Runner: script.NewInProcess()}, admission: &countingRunner{Runner: script.NewInProcess()}}
	p := consensus.Regtest()
	n, err := node.Open(node.Config{DataDir: t.TempDir(), Params: p, MinerWorkers: 1, Scripts: l})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	k := harness.KeyFor("lanes")
	mineBlock := func(txs ...*wire.Tx) {
		t.Helper()
		tip := n.Chain().Tip()
		tmpl, err := n.Chain().NewTemplate(k.PubKey(), txs, time.UnixMilli(tip.Time).Add(p.TargetInterval))
		if err != nil || len(tmpl.Rejected) > 0 {
			t.Fatalf("template: %v, %d rejected", err, len(tmpl.Rejected))
		}
		harness.Solve(tmpl.Block)
		if res, err := n.SubmitBlock(tmpl.Block); err != nil || res != chain.Connected {
			t.Fatalf("block: %v, %v", res, err)
		}
	}
	sign := func(body wire.Body, nonce uint64) *wire.Tx {
		tx := wire.NewTx(wire.RootChain, body, nonce, 0)
		p.SetMinFee(tx)
		tx.Sign(p.Net, k)
		return tx
	}
	counts := func() [3]int64 { return [3]int64{l.blocks.calls.Load(), l.admission.calls.Load(), l.calls.Load()} }

	for range p.CoinbaseMaturity + 1 {
		mineBlock()
	}
	mineBlock(sign(wire.KeyspaceBuy{Name: "erik", Script: []byte(`function validate(w) { return w.value === 'hello' }`),
		MaxPrice: state.KeyspacePrice("erik")}, 0))
	put := sign(wire.Put{Key: "erik/x", Value: []byte("hello")}, 1)
	if _, err := n.AddTx(put); err != nil {
		t.Fatal(err)
	}
	if got := counts(); got != [3]int64{0, 1, 0} {
		t.Fatalf("after admission: blocks %d, admission %d, unsplit %d; want 0, 1, 0", got[0], got[1], got[2])
	}
	mineBlock(put)
	if got := counts(); got != [3]int64{2, 1, 0} {
		t.Fatalf("after a template and a block: blocks %d, admission %d, unsplit %d; want 2, 1, 0", got[0], got[1], got[2])
	}
}
