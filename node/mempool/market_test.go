package mempool

import (
	"errors"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// Market transactions are admitted like transfers (fees, nonce, balance
// with the escrow counted), judged against the bounty after the sender's
// pending ones (a settle after its sender's pending settle is refused),
// and a second pending move of the same kind on one bounty from another
// sender is refused as claimed. A block made from the pool holds the
// whole flow.
func TestMarketAdmission(t *testing.T) {
	e := newParentsEnv(t)
	alice, bob, carol := e.keys[0], e.keys[1], e.keys[2]
	an := e.account(alice.PubKey()).Nonce
	h := e.c.Tip().Height

	// The escrow counts as spending: bob (10 BVS) cannot fund 10 BVS plus a fee.
	if _, err := e.pool.Add(e.tx(bob, wire.Bounty{Amount: 10 * wire.Unit, Deadline: h + 20}, 0, 1)); !consensus.IsCode(err, consensus.ErrInsufficientFunds) {
		t.Fatalf("bounty beyond the balance: %v, want ErrInsufficientFunds", err)
	}
	if _, err := e.pool.Add(e.tx(alice, wire.Bounty{Amount: wire.Unit, Deadline: h + 1 + e.p.MinBountyBlocks}, an, 1)); !consensus.IsCode(err, consensus.ErrBadBounty) {
		t.Fatalf("bounty with a deadline too near: %v, want ErrBadBounty", err)
	}
	bounty := e.tx(alice, wire.Bounty{Amount: 2 * wire.Unit, Deadline: h + 20}, an, 1)
	if _, err := e.pool.Add(bounty); err != nil {
		t.Fatal(err)
	}
	id := bounty.ID()
	// Nobody can accept a bounty that is only pending: accepts are judged
	// against the chain and the signer's own pending transactions.
	if _, err := e.pool.Add(e.tx(bob, wire.Accept{Bounty: id, Stake: wire.Unit, Promised: 2}, 0, 1)); !consensus.IsCode(err, consensus.ErrNoBounty) {
		t.Fatalf("accept of a pending bounty: %v, want ErrNoBounty", err)
	}
	e.mine(alice.PubKey(), e.pool.Select(e.p.MaxBlockSize)...)

	if _, err := e.pool.Add(e.tx(bob, wire.Accept{Bounty: id, Stake: wire.Unit - 1, Promised: 2}, 0, 1)); !consensus.IsCode(err, consensus.ErrStakeTooLow) {
		t.Fatalf("under-staked accept: %v, want ErrStakeTooLow", err)
	}
	accept := e.tx(bob, wire.Accept{Bounty: id, Stake: wire.Unit, Promised: 2}, 0, 1)
	if _, err := e.pool.Add(accept); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Add(e.tx(carol, wire.Accept{Bounty: id, Stake: wire.Unit, Promised: 2}, 0, 1)); !errors.Is(err, ErrBountyClaimed) {
		t.Fatalf("second accept from another worker: %v, want ErrBountyClaimed", err)
	}
	// bob's commit after his own pending accept is admitted.
	commit := e.tx(bob, wire.Commit{Bounty: id, Envelope: wire.Sum([]byte("env"))}, 1, 1)
	if _, err := e.pool.Add(commit); err != nil {
		t.Fatalf("commit after its sender's pending accept: %v", err)
	}
	e.mine(alice.PubKey(), e.pool.Select(e.p.MaxBlockSize)...)

	an = e.account(alice.PubKey()).Nonce
	settle := e.tx(alice, wire.Settle{Bounty: id}, an, 1)
	if _, err := e.pool.Add(settle); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Add(e.tx(alice, wire.Settle{Bounty: id}, an+1, 1)); !consensus.IsCode(err, consensus.ErrBountyState) {
		t.Fatalf("second settle after the sender's pending settle: %v, want ErrBountyState", err)
	}
	if _, err := e.pool.Add(e.tx(alice, wire.Dispute{Bounty: id}, an+1, 1)); !consensus.IsCode(err, consensus.ErrBountyState) {
		t.Fatalf("dispute after the sender's pending settle: %v, want ErrBountyState", err)
	}
	if _, err := e.pool.Add(e.tx(carol, wire.Settle{Bounty: id}, 0, 1)); !consensus.IsCode(err, consensus.ErrNotParty) {
		t.Fatalf("a stranger's settle: %v, want ErrNotParty", err)
	}
	// A replacement of the pending settle (same nonce, higher fee) is no
	// conflict with itself.
	if _, err := e.pool.Add(e.tx(alice, wire.Settle{Bounty: id}, an, 2)); err != nil {
		t.Fatalf("fee-bumped settle: %v", err)
	}
	e.mine(alice.PubKey(), e.pool.Select(e.p.MaxBlockSize)...)
	if e.pool.Len() != 0 {
		t.Fatalf("%d left in the pool", e.pool.Len())
	}
	e.requireConsistent()
}

// Relay transactions are admitted too: a register's stake counts as
// spending, and a second pending report of the same slot missed, from
// another sender, is refused as claimed (only one can be mined).
func TestRelayAdmission(t *testing.T) {
	e := newParentsEnv(t)
	alice, bob, carol := e.keys[0], e.keys[1], e.keys[2]
	h := e.c.Tip().Height
	if _, err := e.pool.Add(e.tx(bob, wire.RelayRegister{Stake: 10 * wire.Unit, Caps: 1}, 0, 1)); !consensus.IsCode(err, consensus.ErrInsufficientFunds) {
		t.Fatalf("register beyond the balance: %v, want ErrInsufficientFunds", err)
	}
	if _, err := e.pool.Add(e.tx(bob, wire.RelayRegister{Stake: 2 * wire.Unit, Caps: 1}, 0, 1)); err != nil {
		t.Fatal(err)
	}
	bounty := e.tx(alice, wire.Bounty{Amount: 2 * wire.Unit, Hops: 1, Deadline: h + 40, Worker: carol.PubKey()}, e.account(alice.PubKey()).Nonce, 1)
	if _, err := e.pool.Add(bounty); err != nil {
		t.Fatal(err)
	}
	e.mine(alice.PubKey(), e.pool.Select(e.p.MaxBlockSize)...)
	id := bounty.ID()
	if _, err := e.pool.Add(e.tx(carol, wire.Accept{Bounty: id, Stake: wire.Unit, Promised: 2}, 0, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Add(e.tx(carol, wire.Commit{Bounty: id, Envelope: wire.Sum([]byte("env")), Result: wire.Sum([]byte("r"))}, 1, 1)); err != nil {
		t.Fatal(err)
	}
	e.mine(alice.PubKey(), e.pool.Select(e.p.MaxBlockSize)...)
	for i := uint64(0); i < e.p.RelayWindow; i++ {
		e.mine(alice.PubKey())
	}
	if _, err := e.pool.Add(e.tx(alice, wire.RelayMiss{Bounty: id, Slot: 0}, e.account(alice.PubKey()).Nonce, 1)); err != nil {
		t.Fatalf("report of a silent relay: %v", err)
	}
	if _, err := e.pool.Add(e.tx(carol, wire.RelayMiss{Bounty: id, Slot: 0}, 2, 1)); !errors.Is(err, ErrBountyClaimed) {
		t.Fatalf("second report of the same slot: %v, want ErrBountyClaimed", err)
	}
	e.mine(alice.PubKey(), e.pool.Select(e.p.MaxBlockSize)...)
	if e.pool.Len() != 0 {
		t.Fatalf("%d left in the pool", e.pool.Len())
	}
}

// A block that makes a pending market transaction invalid drops it at the
// recheck that follows the block (the node runs Recheck from its event
// loop after each connect), with its sender's later transactions (their
// nonces now leave a gap), and frees the sender's nonce: the next
// transaction the sender signs takes the dropped one's nonce and is
// admitted. A pending market transaction still valid stays.
func TestBlockDropsPendingMarketTxsItInvalidates(t *testing.T) {
	e := newParentsEnv(t)
	alice, bob, carol := e.keys[0], e.keys[1], e.keys[2]
	h := e.c.Tip().Height
	an := e.account(alice.PubKey()).Nonce
	bounty := e.tx(alice, wire.Bounty{Amount: 2 * wire.Unit, Deadline: h + 40}, an, 1)
	other := e.tx(alice, wire.Bounty{Amount: wire.Unit, Deadline: h + 40}, an+1, 1)
	e.mine(alice.PubKey(), bounty, other)
	id := bounty.ID()
	e.mine(alice.PubKey(), e.tx(bob, wire.Accept{Bounty: id, Stake: wire.Unit, Promised: 2}, 0, 1),
		e.tx(bob, wire.Commit{Bounty: id, Envelope: wire.Sum([]byte("env"))}, 1, 1))
	committed := e.c.Tip().Height
	after := committed + e.p.SettleWindow // the first height a dispute is refused at
	for e.c.Tip().Height+1 < after-1 {
		e.mine(alice.PubKey())
	}
	// The next block (height after-1) may still hold the dispute.
	an = e.account(alice.PubKey()).Nonce
	dispute := e.tx(alice, wire.Dispute{Bounty: id}, an, 1)
	if _, err := e.pool.Add(dispute); err != nil {
		t.Fatalf("dispute inside the window: %v", err)
	}
	later := e.tx(alice, wire.Transfer{To: carol.PubKey(), Amount: 1}, an+1, 1)
	if _, err := e.pool.Add(later); err != nil {
		t.Fatal(err)
	}
	// carol accepts the other bounty: still valid after the block.
	keep := e.tx(carol, wire.Accept{Bounty: other.ID(), Stake: wire.Unit, Promised: 2}, 0, 1)
	if _, err := e.pool.Add(keep); err != nil {
		t.Fatal(err)
	}
	e.mine(bob.PubKey()) // empty: the window closes behind it
	if got := e.pool.Recheck(); got.Dropped != 2 || got.Checked == 0 {
		t.Fatalf("recheck %+v, want the dispute and the transfer behind it dropped", got)
	}
	if e.pool.Has(dispute.ID()) || e.pool.Has(later.ID()) {
		t.Fatal("the dispute the block made invalid (or the transfer behind it) is still pending")
	}
	if !e.pool.Has(keep.ID()) {
		t.Fatal("a pending accept the block left valid was dropped")
	}
	if n, err := e.pool.NextNonce(alice.PubKey()); err != nil || n != an {
		t.Fatalf("next nonce %d (%v), want the dropped dispute's %d freed", n, err, an)
	}
	if _, err := e.pool.Add(e.tx(alice, wire.Transfer{To: carol.PubKey(), Amount: 1}, an, 1)); err != nil {
		t.Fatalf("the sender's next transaction on the freed nonce: %v", err)
	}
	e.requireConsistent()
	// Nothing left to drop: a second recheck drops nothing.
	if got := e.pool.Recheck(); got.Dropped != 0 {
		t.Fatalf("second recheck dropped %d", got.Dropped)
	}
}
