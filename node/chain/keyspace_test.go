package chain

import (
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// shortValues allows values of at most five bytes, and lets only the owner
// replace it.
const shortValues = `function validate(w, ctx) {
  if (w.key === ctx.keyspace + "/access.js") {
    if (w.signer !== ctx.owner) throw "only the owner may replace the script";
    return true;
  }
  if (w.size > 5) throw "values here are at most 5 bytes";
  return true;
}`

func (fx *fixture) buy(k wire.PrivKey, name, src string, nonce int64) *wire.Tx {
	return fx.tx(k, wire.KeyspaceBuy{Name: name, Script: []byte(src), MaxPrice: state.KeyspacePrice(name)}, nonce)
}

func (fx *fixture) keyspace(name string) (*state.Keyspace, []byte) {
	fx.t.Helper()
	var ks *state.Keyspace
	var src []byte
	err := fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		var err error
		ks, src, err = state.GetKeyspace(tx, name)
		if err != nil && strings.Contains(err.Error(), "not found") {
			ks, err = nil, nil
		}
		return err
	})
	if err != nil {
		fx.t.Fatal(err)
	}
	return ks, src
}

// wantRefused checks that t is refused at admission (CheckAccess) and that
// a block holding it is rejected, both with code.
func (fx *fixture) wantRefused(t *wire.Tx, code consensus.ErrorCode, reason string) {
	fx.t.Helper()
	err := fx.c.CheckAccess(t)
	if consensus.CodeOf(err) != code || !strings.Contains(err.Error(), reason) {
		fx.t.Fatalf("CheckAccess: %v (code %v), want %v containing %q", err, consensus.CodeOf(err), code, reason)
	}
	b := withTxs(fx.template(), t)
	if _, err := fx.c.ProcessBlock(b); consensus.CodeOf(err) != code {
		fx.t.Fatalf("block with the tx: %v, want %v", err, code)
	}
}

func TestKeyspaceLifecycle(t *testing.T) {
	fx := newFixture(t, nil)
	alice, bob := fx.alice, fx.bob
	fx.mine(alice.PubKey(), fx.transfer(alice, bob.PubKey(), 40*wire.Unit, -1))

	// Writes into a keyspace nobody bought are refused.
	fx.wantRefused(fx.put(bob, "erik/x", "hi", -1), consensus.ErrNoKeyspace, `keyspace "erik" has not been bought`)

	// Buying burns the price: shorter names cost more.
	buy := fx.buy(alice, "erik", shortValues, -1)
	if err := fx.c.CheckAccess(buy); err != nil {
		t.Fatalf("CheckAccess(buy): %v", err)
	}
	before := fx.account(bob.PubKey()).Balance
	bobs := fx.buy(bob, "bobsplace", "", -1)
	fx.mine(fx.dave.PubKey(), buy, bobs)
	if got, want := before-fx.account(bob.PubKey()).Balance, state.KeyspacePrice("bobsplace")+bobs.Fee; got != want {
		t.Fatalf("buying cost %d, want price+fee %d", got, want)
	}
	if state.KeyspacePrice("erik") != 16*wire.Unit || state.KeyspacePrice("longername") != wire.Unit || state.KeyspacePrice("erik/blog") != wire.Unit/100 {
		t.Fatalf("price rule changed: %d %d %d", state.KeyspacePrice("erik"), state.KeyspacePrice("longername"), state.KeyspacePrice("erik/blog"))
	}
	ks, src := fx.keyspace("erik")
	if ks == nil || ks.Owner != alice.PubKey() || string(src) != shortValues {
		t.Fatalf("keyspace after buying: %+v %q", ks, src)
	}
	fx.wantRefused(fx.buy(bob, "erik", "", -1), consensus.ErrKeyspaceTaken, "already owned")
	fx.wantRefused(fx.buy(bob, "public", "", -1), consensus.ErrBadKeyspaceName, "nobody can own it")
	low := fx.tx(bob, wire.KeyspaceBuy{Name: "bobby", MaxPrice: state.KeyspacePrice("bobby") - 1}, -1)
	fx.wantRefused(low, consensus.ErrPriceTooLow, "costs")
	fx.wantRefused(fx.buy(bob, "bobby", "function validate(w) { return /a+/.test(w.value) }", -1), consensus.ErrBadScript, "regular expressions")
	fx.wantRefused(fx.buy(bob, "bobby", "function validate(w) {", -1), consensus.ErrBadScript, "")

	// The script decides: anyone may write short values; long ones get
	// the script's reason.
	fx.mine(fx.dave.PubKey(), fx.put(bob, "erik/x", "hi", -1))
	if rec, _ := fx.kv("erik/x"); rec == nil || string(rec.Value) != "hi" {
		t.Fatalf("erik/x = %v", rec)
	}
	fx.wantRefused(fx.put(bob, "erik/y", "too long", -1), consensus.ErrScriptRejected, "values here are at most 5 bytes")

	// Sub-keyspaces: the enclosing keyspace's script decides who may
	// create one (it sees the creation as a write of the new script at
	// <name>/access.js); under a keyspace without a script, only its owner.
	fx.mine(fx.dave.PubKey(), fx.buy(bob, "erik/bob", "", -1))
	fx.wantRefused(fx.buy(bob, "erik/big", "function validate() { return true; }", -1), consensus.ErrNotOwner, "values here are at most 5 bytes")
	fx.wantRefused(fx.buy(alice, "bobsplace/x", "", -1), consensus.ErrNotOwner, "only its owner")
	fx.mine(fx.dave.PubKey(), fx.buy(alice, "erik/blog", "", -1))
	// A sub-keyspace without a script: only its owner writes; and the
	// enclosing script still applies.
	fx.wantRefused(fx.put(bob, "erik/blog/1", "x", -1), consensus.ErrScriptRejected, "only its owner")
	fx.wantRefused(fx.put(alice, "erik/blog/1", "a long post", -1), consensus.ErrScriptRejected, "at most 5 bytes")
	fx.mine(fx.dave.PubKey(), fx.put(alice, "erik/blog/1", "short", -1), fx.put(bob, "erik/bob/x", "hi", -1))
	if ks, _ := fx.keyspace("erik/bob"); ks == nil || ks.Owner != bob.PubKey() {
		t.Fatalf("erik/bob: %+v", ks)
	}

	// Replacing the script: the owner only, and the current script agrees.
	open := "function validate() { return true; }"
	fx.wantRefused(fx.tx(bob, wire.KeyspaceScript{Name: "erik", Script: []byte(open)}, -1), consensus.ErrNotOwner, "belongs to")
	fx.mine(fx.dave.PubKey(), fx.tx(alice, wire.KeyspaceScript{Name: "erik", Script: []byte(open)}, -1))
	fx.mine(fx.dave.PubKey(), fx.put(bob, "erik/y", "now long values are fine", -1))

	// Transfer: the new owner controls it.
	fx.wantRefused(fx.tx(bob, wire.KeyspaceTransfer{Name: "erik", To: bob.PubKey()}, -1), consensus.ErrNotOwner, "belongs to")
	fx.mine(fx.dave.PubKey(), fx.tx(alice, wire.KeyspaceTransfer{Name: "erik", To: bob.PubKey()}, -1))
	if ks, _ := fx.keyspace("erik"); ks.Owner != bob.PubKey() {
		t.Fatalf("owner after transfer: %x", ks.Owner[:4])
	}
	fx.mine(fx.dave.PubKey(), fx.tx(bob, wire.KeyspaceScript{Name: "erik", Script: []byte(shortValues)}, -1))

	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
}

// TestKeyspaceReorg: a keyspace bought on a losing fork disappears with it,
// and writes that depended on it go too; the state equals a replay.
func TestKeyspaceReorg(t *testing.T) {
	fx := newFixture(t, nil)
	fork := uint64(len(fx.blocks))
	fx.mine(fx.alice.PubKey(), fx.buy(fx.alice, "erik", "", -1))
	fx.mine(fx.alice.PubKey(), fx.put(fx.alice, "erik/x", "A", -1), fx.transfer(fx.alice, fx.bob.PubKey(), wire.Unit, 2))
	fy := fx.forkAt(fork)
	for i := 0; i < 3; i++ {
		fy.mine(fy.carol.PubKey(), fy.transfer(fy.alice, fy.carol.PubKey(), wire.Unit, -1))
	}
	fx.feed(fy.blocks[fork:]...)
	if fx.c.Tip().ID != fy.c.Tip().ID {
		t.Fatal("did not reorg to the heavier fork")
	}
	if ks, _ := fx.keyspace("erik"); ks != nil {
		t.Fatalf("keyspace survived the reorg: %+v", ks)
	}
	if rec, _ := fx.kv("erik/x"); rec != nil {
		t.Fatalf("erik/x survived the reorg")
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fy.blocks)
}

// Admission checks nonce and funds before it compiles or runs a script: a
// key with no money, or a spent nonce, is refused for that, whatever script
// it offers.
func TestCheckAccessPaysBeforeScripts(t *testing.T) {
	fx := newFixture(t, nil)
	bad := "function validate() { return /(a+)+$/.test('x') }" // refused by Compile
	broke := fx.buy(fx.dave, "davesplace", bad, -1)
	if err := fx.c.CheckAccess(broke); consensus.CodeOf(err) != consensus.ErrInsufficientFunds {
		t.Fatalf("unfunded buy: %v (code %v), want insufficient funds", err, consensus.CodeOf(err))
	}
	fx.mine(fx.alice.PubKey(), fx.transfer(fx.alice, fx.bob.PubKey(), wire.Unit, -1))
	spent := fx.buy(fx.alice, "alicesplace", bad, 0)
	if err := fx.c.CheckAccess(spent); consensus.CodeOf(err) != consensus.ErrBadNonce {
		t.Fatalf("spent nonce: %v (code %v), want bad nonce", err, consensus.CodeOf(err))
	}
	fresh := fx.buy(fx.alice, "alicesplace", bad, -1)
	if err := fx.c.CheckAccess(fresh); consensus.CodeOf(err) != consensus.ErrBadScript {
		t.Fatalf("funded buy: %v (code %v), want bad script", err, consensus.CodeOf(err))
	}
}
