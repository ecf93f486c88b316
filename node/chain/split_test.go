package chain

import (
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// TestConnectSplit runs the rule vectors and the reorg and restart tests
// with every received block that has a signature to verify connected by
// connectEarly (tree nodes committed while signatures are checked, the
// rest after): rejected blocks must leave the state as it was, and
// accepted ones must give the state a replay gives.
func TestConnectSplit(t *testing.T) {
	defer func(n int) { splitMinSigs = n }(splitMinSigs)
	splitMinSigs = 1
	for name, f := range map[string]func(*testing.T){
		"Vectors":                  TestVectors,
		"MainnetSignatureRejected": TestMainnetSignatureRejected,
		"MineTransferPut":          TestMineTransferPut,
		"KeyspaceLifecycle":        TestKeyspaceLifecycle,
		"ReorgToHeavierFork":       TestReorgToHeavierFork,
		"ReorgFailsMidway":         TestReorgFailsMidway,
		"DoubleSpendAcrossForks":   TestDoubleSpendAcrossForks,
		"RestartKeepsTipAndState":  TestRestartKeepsTipAndState,
		"SelfTransfer":             TestSelfTransfer,
		"BadSignatureFirst":        testBadSignatureFirst,
		"BadSignatureRightRoot":    testBadSignatureRightRoot,
	} {
		t.Run(name, f)
	}
}

// testBadSignatureFirst: a block that breaks a state rule and carries a
// bad signature is rejected for the signature, and changes nothing, also
// when its signatures are checked alongside its state.
func testBadSignatureFirst(t *testing.T) {
	fx := newFixture(t, nil)
	before := dumpState(t, fx.c)
	good := fx.put(fx.alice, "public/a", "1", -1)
	bad := fx.put(fx.bob, "public/b", "2", 5) // a nonce bob's account does not expect
	bad.Sig[3] ^= 1
	if _, err := fx.c.ProcessBlock(withTxs(fx.template(), good, bad)); consensus.CodeOf(err) != consensus.ErrBadSignature {
		t.Fatalf("err %v, want %v", err, consensus.ErrBadSignature)
	}
	if d := diffState(dumpState(t, fx.c), before); d != "" {
		t.Fatalf("the rejected block changed the state:\n%s", d)
	}
	fx.mine(fx.alice.PubKey(), good)
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
}

// testBadSignatureRightRoot: a block whose state root is right (a transfer's
// effect does not depend on its signature) but whose signature is bad gets
// as far as committing its tree nodes; it is rejected, the state is as it
// was, and the good block with the same transfer connects afterwards.
func testBadSignatureRightRoot(t *testing.T) {
	fx := newFixture(t, nil)
	before := dumpState(t, fx.c)
	b := fx.template(fx.transfer(fx.alice, fx.bob.PubKey(), 1000, -1))
	forged := mutate(b, func(b *wire.Block) { b.Txs[1].Sig[10] ^= 1 })
	if forged.Header.StateRoot != b.Header.StateRoot {
		t.Fatal("the forged block should claim the same state root")
	}
	if _, err := fx.c.ProcessBlock(forged); consensus.CodeOf(err) != consensus.ErrBadSignature {
		t.Fatalf("err %v, want %v", err, consensus.ErrBadSignature)
	}
	if d := diffState(dumpState(t, fx.c), before); d != "" {
		t.Fatalf("the rejected block changed the state:\n%s", d)
	}
	if res, err := fx.c.ProcessBlock(b); err != nil || res != Connected {
		t.Fatalf("good block: %v %v", res, err)
	}
	fx.blocks = append(fx.blocks, b)
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
}
