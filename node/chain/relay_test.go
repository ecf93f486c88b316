package chain

import (
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// relayNet is a funded market fixture with registered relays.
type relayNet struct {
	fx     *fixture
	keys   []wire.PrivKey
	byPub  map[wire.PubKey]wire.PrivKey
	drawer wire.PrivKey // mines the block after each relayed bounty
}

const relayStake = 2 * wire.Unit

var (
	rightResult = wire.Sum([]byte("the right result"))
	wrongResult = wire.Sum([]byte("a wrong result"))
)

// newRelayNet funds bob and carol (fundMarket) and n relays, and
// registers each relay with relayStake, fee 0 and caps 1.
func newRelayNet(fx *fixture, n int) *relayNet {
	fx.t.Helper()
	fundMarket(fx)
	rn := &relayNet{fx: fx, byPub: map[wire.PubKey]wire.PrivKey{}, drawer: key(fx.t, 40)}
	nonce := int64(fx.account(fx.alice.PubKey()).Nonce)
	var fund, regs []*wire.Tx
	for i := 0; i < n; i++ {
		k := key(fx.t, byte(20+i))
		rn.keys = append(rn.keys, k)
		rn.byPub[k.PubKey()] = k
		fund = append(fund, fx.transfer(fx.alice, k.PubKey(), 5*wire.Unit, nonce+int64(i)))
	}
	fx.mine(mktMiner(fx), fund...)
	for _, k := range rn.keys {
		regs = append(regs, fx.tx(k, wire.RelayRegister{Stake: relayStake, Caps: wire.RelayCapRecompute}, -1))
	}
	fx.mine(mktMiner(fx), regs...)
	return rn
}

// bounty mines alice's bounty for bob with hops relays in a block mined to
// rn.drawer: that block's ID draws the lineup, which the next block's
// state holds.
func (rn *relayNet) bounty(hops uint8, life uint64) *market {
	fx := rn.fx
	fx.t.Helper()
	t := fx.tx(fx.alice, wire.Bounty{Request: wire.Sum([]byte("(public/x)")), Row: 1, Hops: hops, Amount: mktAmount,
		Deadline: fx.height() + 1 + life, Worker: fx.bob.PubKey()}, -1)
	m := &market{fx: fx, id: t.ID(), amount: mktAmount, deadline: t.Body.(wire.Bounty).Deadline}
	fx.mine(rn.drawer.PubKey(), t)
	m.sent = append(m.sent, t)
	return m
}

func (m *market) relayCommitTx(result wire.Hash) *wire.Tx {
	return m.fx.tx(m.fx.bob, wire.Commit{Bounty: m.id, Envelope: wire.Sum([]byte("envelope")), Result: result}, -1)
}

// committedRelayed is a relayed bounty accepted and committed with the
// right result (the lineup is drawn by then).
func (rn *relayNet) committedRelayed(hops uint8, life uint64) *market {
	m := rn.bounty(hops, life).accept()
	m.mine(m.relayCommitTx(rightResult))
	return m
}

// slotKey is the key of the relay currently holding slot n.
func (rn *relayNet) slotKey(m *market, n uint8) wire.PrivKey {
	rn.fx.t.Helper()
	s, ok := m.bounty().CurrentSlot(n)
	if !ok || s.State == state.SlotPending {
		rn.fx.t.Fatalf("slot %d of bounty %s is not drawn: %+v", n, m.id.Short(), m.bounty().Slots)
	}
	return rn.byPub[s.Relay]
}

func (rn *relayNet) csTx(m *market, n uint8, result wire.Hash) *wire.Tx {
	return rn.fx.tx(rn.slotKey(m, n), wire.Countersign{Bounty: m.id, Slot: n, Result: result,
		Envelope: wire.Sum([]byte{n, 'e'})}, -1)
}

func (rn *relayNet) relay(pk wire.PubKey) *state.Relay {
	var r *state.Relay
	err := rn.fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		var err error
		r, err = state.GetRelay(tx, pk)
		return err
	})
	if err != nil {
		rn.fx.t.Fatal(err)
	}
	return r
}

// relayStakes sums every registered relay's stake.
func (fx *fixture) relayStakes() uint64 {
	var sum uint64
	fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		return state.ForEachRelay(tx, func(r *state.Relay) error { sum += r.Stake; return nil })
	})
	return sum
}

// checkConserved fails unless balances + immature + escrow + burned equal
// start plus what was minted since startHeight, and the escrow equals what
// unclosed bounties and relays hold.
func checkConserved(t *testing.T, fx *fixture, start ledger, startHeight uint64) {
	t.Helper()
	l := fx.ledger()
	var minted uint64
	for h := startHeight + 1; h <= fx.height(); h++ {
		minted += fx.p.Reward(h)
	}
	if l.held+l.escrow+l.burned != start.held+start.escrow+start.burned+minted {
		t.Fatalf("coins not conserved: held %d + escrow %d + burned %d != %d + %d + %d + %d minted",
			l.held, l.escrow, l.burned, start.held, start.escrow, start.burned, minted)
	}
	held := fx.relayStakes()
	fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		return state.ForEachBounty(tx, func(b *state.Bounty) error {
			switch b.State {
			case state.BountyOpen:
				held += b.Amount
			case state.BountyAccepted, state.BountyCommitted:
				held += b.Amount + b.Stake
			}
			return nil
		})
	})
	if held != l.escrow {
		t.Fatalf("unclosed bounties and relays hold %d, escrow is %d", held, l.escrow)
	}
}

// A bounty with two hops: the block after it draws two distinct relays
// (neither requester nor worker) and names its coinbase the drawer; both
// countersign in order; the requester settles, and the amount splits as
// PROTOCOL §19 says: the drawer DrawShareBps, each relay RelayHopBps, the
// worker the rest and its stake back.
func TestRelayLineupCountersignAndSettleSplit(t *testing.T) {
	fx := newFixture(t, nil)
	rn := newRelayNet(fx, 4)
	start, startHeight := fx.ledger(), fx.height()
	bob0 := fx.account(fx.bob.PubKey())
	m := rn.committedRelayed(2, 20)
	b := m.bounty()
	if b.Drawer != rn.drawer.PubKey() || b.Drawn != b.Created {
		t.Fatalf("drawer %s at %d, want the block that carried the bounty (%d)", b.Drawer, b.Drawn, b.Created)
	}
	r0, r1 := rn.slotKey(m, 0), rn.slotKey(m, 1)
	if r0.PubKey() == r1.PubKey() {
		t.Fatal("one relay drawn twice")
	}
	if a := rn.relay(r0.PubKey()).Active; a != 1 {
		t.Fatalf("drawn relay holds %d slots, want 1", a)
	}
	relay0 := fx.account(r0.PubKey())
	m.mine(rn.csTx(m, 0, rightResult))
	m.mine(rn.csTx(m, 1, rightResult))
	if done, _ := m.bounty().LineupDone(); !done {
		t.Fatal("lineup not done after both countersigns")
	}
	m.mine(m.settleTx(fx.alice))
	b = m.bounty()
	if b.State != state.BountySettled {
		t.Fatalf("bounty %s, want settled", b.State)
	}
	hop, draw := fx.p.HopShare(mktAmount), fx.p.DrawShare(mktAmount)
	if got := fx.account(r0.PubKey()).Balance - relay0.Balance + m.feesOf(r0.PubKey()); got != hop {
		t.Errorf("relay 0 earned %d, want the hop share %d", got, hop)
	}
	d := fx.account(rn.drawer.PubKey())
	if got := d.Balance + d.Immature - fx.p.Reward(b.Drawn) - m.sent[0].Fee; got != draw { // its block carried only the bounty
		t.Errorf("drawer earned %d besides its reward, want %d", got, draw)
	}
	bob1 := fx.account(fx.bob.PubKey())
	if got := int64(bob1.Balance) - int64(bob0.Balance) + int64(m.feesOf(fx.bob.PubKey())); got != int64(mktAmount-draw-2*hop) {
		t.Errorf("worker earned %d, want %d", got, mktAmount-draw-2*hop)
	}
	if r := fx.reputation(r0.PubKey()); r.Relayed != 1 {
		t.Errorf("relay 0's record %+v, want relayed 1", r)
	}
	if a := rn.relay(r0.PubKey()).Active; a != 0 {
		t.Errorf("relay still holds %d slots after the settle", a)
	}
	checkConserved(t, fx, start, startHeight)
}

// A lineup relay that computes a different result opens a contest; the
// jury (drawn the block after) sides with it: the requester gets the
// amount back, the catcher half the worker's stake, the majority jurors
// the rest; the worker loses, the relay that vouched for the wrong result
// loses RelaySlashBps of its stake.
func TestRelayContestCatchesWrongWorker(t *testing.T) {
	fx := newFixture(t, nil)
	rn := newRelayNet(fx, 7)
	start, startHeight := fx.ledger(), fx.height()
	alice0 := fx.account(fx.alice.PubKey())
	m := rn.bounty(2, 30).accept()
	m.mine(m.relayCommitTx(wrongResult)) // the worker lies
	voucher, catcher := rn.slotKey(m, 0), rn.slotKey(m, 1)
	catcher0 := fx.account(catcher.PubKey())
	m.mine(rn.csTx(m, 0, wrongResult))
	m.mine(rn.csTx(m, 1, rightResult))
	if b := m.bounty(); b.Contest != state.ContestOpen {
		t.Fatalf("contest %q after a differing countersign, want open", b.Contest)
	}
	m.mine() // the jury's draw block
	b := m.bounty()
	jurors := []uint8{b.Hops, b.Hops + 1, b.Hops + 2}
	for _, n := range jurors {
		k := rn.slotKey(m, n)
		if k.PubKey() == voucher.PubKey() || k.PubKey() == catcher.PubKey() {
			t.Fatalf("juror %d is in the lineup", n)
		}
	}
	j0, j1, j2 := rn.slotKey(m, jurors[0]), rn.slotKey(m, jurors[1]), rn.slotKey(m, jurors[2])
	j0bal := fx.account(j0.PubKey())
	m.mine(rn.csTx(m, jurors[0], rightResult))
	m.mine(rn.csTx(m, jurors[1], rightResult)) // the majority
	b = m.bounty()
	if b.State != state.BountyDisputed || b.Contest != state.ContestWorkerWrong {
		t.Fatalf("bounty %s, contest %q; want disputed, worker_wrong", b.State, b.Contest)
	}
	stake := m.minStake()
	if got := fx.account(catcher.PubKey()).Balance - catcher0.Balance + m.feesOf(catcher.PubKey()); got != stake/2 {
		t.Errorf("catcher got %d, want half the stake %d", got, stake/2)
	}
	if got := fx.account(j0.PubKey()).Balance - j0bal.Balance + m.feesOf(j0.PubKey()); got != (stake-stake/2)/2 {
		t.Errorf("juror got %d, want %d", got, (stake-stake/2)/2)
	}
	alice1 := fx.account(fx.alice.PubKey())
	if got := int64(alice1.Balance+alice1.Immature) - int64(alice0.Balance+alice0.Immature) + int64(m.feesOf(fx.alice.PubKey())); got != 0 {
		t.Errorf("requester's balance moved by %d besides fees, want 0 (refunded)", got)
	}
	if r := fx.reputation(fx.bob.PubKey()); r.Lost != 1 {
		t.Errorf("worker's record %+v, want lost 1", r)
	}
	if r := fx.reputation(catcher.PubKey()); r.Caught != 1 {
		t.Errorf("catcher's record %+v, want caught 1", r)
	}
	if r := fx.reputation(voucher.PubKey()); r.Lost != 1 {
		t.Errorf("voucher's record %+v, want lost 1", r)
	}
	if s := rn.relay(voucher.PubKey()).Stake; s != relayStake-consensus.Bps(relayStake, fx.p.RelaySlashBps) {
		t.Errorf("voucher's stake %d, want it slashed by %d bps", s, fx.p.RelaySlashBps)
	}
	for _, k := range []wire.PrivKey{voucher, catcher, j0, j1, j2} {
		if a := rn.relay(k.PubKey()).Active; a != 0 {
			t.Errorf("relay %s holds %d slots after the bounty closed", k.PubKey(), a)
		}
	}
	checkConserved(t, fx, start, startHeight)
}

// A relay that accuses a right worker loses: the jury sides with the
// worker, the accuser's slashed stake pays the majority jurors, its slot
// is drawn again, and the job goes on to settle.
func TestRelayContestAccuserLosesAndSlotIsRedrawn(t *testing.T) {
	fx := newFixture(t, nil)
	rn := newRelayNet(fx, 7)
	start, startHeight := fx.ledger(), fx.height()
	m := rn.committedRelayed(1, 40)
	accuser := rn.slotKey(m, 0)
	m.mine(rn.csTx(m, 0, wrongResult))
	m.mine()
	for _, n := range []uint8{1, 2} {
		m.mine(rn.csTx(m, n, rightResult))
	}
	b := m.bounty()
	if b.Contest != state.ContestWorkerRight || b.State != state.BountyCommitted {
		t.Fatalf("bounty %s, contest %q; want committed, worker_right", b.State, b.Contest)
	}
	if r := fx.reputation(accuser.PubKey()); r.Lost != 1 {
		t.Errorf("accuser's record %+v, want lost 1", r)
	}
	if s := rn.relay(accuser.PubKey()).Stake; s != relayStake-consensus.Bps(relayStake, fx.p.RelaySlashBps) {
		t.Errorf("accuser's stake %d, want slashed", s)
	}
	m.mine() // the redraw
	again := rn.slotKey(m, 0)
	if again.PubKey() == accuser.PubKey() {
		t.Fatal("the accuser was drawn again")
	}
	m.mine(rn.csTx(m, 0, rightResult))
	m.mine(m.settleTx(fx.alice))
	if b := m.bounty(); b.State != state.BountySettled {
		t.Fatalf("bounty %s after the redrawn relay countersigned, want settled", b.State)
	}
	checkConserved(t, fx, start, startHeight)
}

// A drawn relay that stays silent RelayWindow blocks after the step before
// it can be reported by anyone: it is missed, MissSlashBps of its stake
// burned, and the next block draws another relay for the slot.
func TestRelayMissSlashesAndRedraws(t *testing.T) {
	fx := newFixture(t, nil)
	rn := newRelayNet(fx, 4)
	start, startHeight := fx.ledger(), fx.height()
	m := rn.committedRelayed(1, 40)
	silent := rn.slotKey(m, 0)
	miss := func() *wire.Tx { return fx.tx(fx.carol, wire.RelayMiss{Bounty: m.id, Slot: 0}, -1) }
	for fx.height()+1 < m.bounty().Committed+fx.p.RelayWindow {
		wantCode(fx, miss(), consensus.ErrRelayWindow)
		m.mine()
	}
	burned0 := fx.ledger().burned
	m.mine(miss())
	if r := fx.reputation(silent.PubKey()); r.Missed != 1 {
		t.Errorf("silent relay's record %+v, want missed 1", r)
	}
	slash := consensus.Bps(relayStake, fx.p.MissSlashBps)
	if got := fx.ledger().burned - burned0; got != slash {
		t.Errorf("burned %d, want the miss slash %d", got, slash)
	}
	m.mine()
	if k := rn.slotKey(m, 0); k.PubKey() == silent.PubKey() {
		t.Fatal("the silent relay was drawn again")
	}
	m.mine(rn.csTx(m, 0, rightResult))
	m.mine(m.settleTx(fx.alice))
	if b := m.bounty(); b.State != state.BountySettled {
		t.Fatalf("bounty %s, want settled", b.State)
	}
	checkConserved(t, fx, start, startHeight)
}

// A relay leaves only when it holds no slot, and gets its whole stake back.
func TestRelayLeaveReturnsStakeOnceFree(t *testing.T) {
	fx := newFixture(t, nil)
	rn := newRelayNet(fx, 2)
	m := rn.committedRelayed(1, 20)
	k := rn.slotKey(m, 0)
	wantCode(fx, fx.tx(k, wire.RelayLeave{}, -1), consensus.ErrRelayActive)
	m.mine(rn.csTx(m, 0, rightResult))
	m.mine(m.settleTx(fx.alice))
	bal := fx.account(k.PubKey()).Balance
	leave := fx.tx(k, wire.RelayLeave{}, -1)
	m.mine(leave)
	if got := fx.account(k.PubKey()).Balance + leave.Fee - bal; got != relayStake {
		t.Errorf("leaving returned %d, want the stake %d", got, relayStake)
	}
	if rn.relay(k.PubKey()) != nil {
		t.Error("the relay is still registered")
	}
}

// A reorganisation across draws, countersigns, a miss and a settle leaves
// the state equal to a replay of the winning chain, and back again.
func TestRelayReorgRestoresLineupsExactly(t *testing.T) {
	fx := newFixture(t, nil)
	rn := newRelayNet(fx, 5)
	forkHeight := len(fx.blocks)

	// Chain A: a 2-hop bounty settled.
	m := rn.committedRelayed(2, 30)
	m.mine(rn.csTx(m, 0, rightResult))
	m.mine(rn.csTx(m, 1, rightResult))
	m.mine(m.settleTx(fx.alice))
	lenA := len(fx.blocks)
	fa := fx.forkAt(uint64(lenA))

	// Chain B, longer: another lineup, a miss, a redraw.
	fy := fx.forkAt(uint64(forkHeight))
	rb := &relayNet{fx: fy, keys: rn.keys, byPub: rn.byPub, drawer: key(t, 41)}
	mb := rb.committedRelayed(1, 40)
	for fy.height()+1 < mb.bounty().Committed+fy.p.RelayWindow {
		mb.mine()
	}
	mb.mine(fy.tx(fy.carol, wire.RelayMiss{Bounty: mb.id, Slot: 0}, -1))
	for len(fy.blocks) <= len(fx.blocks)+1 {
		mb.mine()
	}
	fx.feed(fy.blocks[forkHeight:]...)
	if fx.c.Tip().ID != fy.c.Tip().ID {
		t.Fatal("did not reorganise onto the longer fork")
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fy.blocks)

	for len(fa.blocks) <= len(fy.blocks) {
		fa.mine(mktMiner(fa))
	}
	fx.feed(fa.blocks[lenA:]...)
	if fx.c.Tip().ID != fa.c.Tip().ID {
		t.Fatal("did not reorganise back")
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fa.blocks)
}

// wantCode checks that t is refused at admission (CheckAccess) and that a
// block holding it is rejected, both with code.
func wantCode(fx *fixture, t *wire.Tx, code consensus.ErrorCode) {
	fx.t.Helper()
	if err := fx.c.CheckAccess(t); consensus.CodeOf(err) != code {
		fx.t.Fatalf("CheckAccess: %v (code %v), want %v", err, consensus.CodeOf(err), code)
	}
	b := withTxs(fx.template(), t)
	if _, err := fx.c.ProcessBlock(b); consensus.CodeOf(err) != code {
		fx.t.Fatalf("block with the tx: %v, want %v", err, code)
	}
}

// A requester's dispute of a relayed bounty draws a jury instead of
// burning. Worker wrong: the requester gets the amount back and, as the
// catcher when no relay caught it, half the worker's stake. Worker right:
// the bounty settles at once, the majority jurors each taking a hop share
// out of the amount.
func TestRelayRequesterDisputeGoesToJury(t *testing.T) {
	for _, workerRight := range []bool{false, true} {
		name := "worker wrong"
		if workerRight {
			name = "worker right"
		}
		t.Run(name, func(t *testing.T) {
			fx := newFixture(t, nil)
			rn := newRelayNet(fx, 5)
			start, startHeight := fx.ledger(), fx.height()
			m := rn.committedRelayed(1, 40)
			alice0, bob0 := fx.account(fx.alice.PubKey()), fx.account(fx.bob.PubKey())
			m.sent = nil // count only the fees paid from here on
			m.mine(m.disputeTx(fx.alice))
			if b := m.bounty(); b.Contest != state.ContestOpen || !b.Disputer {
				t.Fatalf("contest %q (disputer %v) after the requester's dispute", b.Contest, b.Disputer)
			}
			if r := fx.reputation(fx.alice.PubKey()); r.DisputesRaised != 1 {
				t.Fatalf("requester's record %+v, want one dispute raised", r)
			}
			m.mine() // the jury's draw
			vote := wrongResult
			if workerRight {
				vote = rightResult
			}
			j1, j2 := rn.slotKey(m, 1), rn.slotKey(m, 2)
			j1bal := fx.account(j1.PubKey())
			m.mine(rn.csTx(m, 1, vote))
			m.mine(rn.csTx(m, 2, vote))
			b := m.bounty()
			alice1, bob1 := fx.account(fx.alice.PubKey()), fx.account(fx.bob.PubKey())
			aliceGot := int64(alice1.Balance+alice1.Immature) - int64(alice0.Balance+alice0.Immature) + int64(m.feesOf(fx.alice.PubKey()))
			bobGot := int64(bob1.Balance) - int64(bob0.Balance) + int64(m.feesOf(fx.bob.PubKey()))
			juror := int64(fx.account(j1.PubKey()).Balance-j1bal.Balance) + int64(m.feesOf(j1.PubKey()))
			stake := m.minStake()
			if workerRight {
				hop := fx.p.HopShare(mktAmount)
				if b.State != state.BountySettled || b.Contest != state.ContestWorkerRight {
					t.Fatalf("bounty %s, contest %q; want settled, worker_right", b.State, b.Contest)
				}
				if juror != int64(hop) {
					t.Errorf("juror got %d, want a hop share %d", juror, hop)
				}
				// The lineup relay never countersigned: the drawer's share,
				// two jurors' hop shares, the rest and the stake to the worker.
				if want := int64(mktAmount - fx.p.DrawShare(mktAmount) - 2*hop + stake); bobGot != want {
					t.Errorf("worker got %d, want %d", bobGot, want)
				}
			} else {
				if b.State != state.BountyDisputed || b.Contest != state.ContestWorkerWrong {
					t.Fatalf("bounty %s, contest %q; want disputed, worker_wrong", b.State, b.Contest)
				}
				if want := int64(mktAmount + stake/2); aliceGot != want {
					t.Errorf("requester got %d, want the amount and half the stake, %d", aliceGot, want)
				}
				if want := int64((stake - stake/2) / 2); juror != want {
					t.Errorf("juror got %d, want %d", juror, want)
				}
				if bobGot != 0 {
					t.Errorf("worker got %d, want nothing", bobGot)
				}
			}
			for _, k := range append([]wire.PrivKey{j1, j2}, rn.keys...) {
				if a := rn.relay(k.PubKey()).Active; a != 0 {
					t.Errorf("relay %s holds %d slots after the bounty closed", k.PubKey(), a)
				}
			}
			checkConserved(t, fx, start, startHeight)
		})
	}
}

// A block draws at most MaxDrawsPerBlock slots; the rest stay pending and
// the next block draws them (seeded by the ID of the block that carried
// them over), so a block full of bounties cannot make its successor's
// draw cost more than that.
func TestRelayDrawsAtMostMaxDrawsPerBlock(t *testing.T) {
	fx := newFixture(t, func(p *consensus.Params) { p.MaxDrawsPerBlock = 2 })
	rn := newRelayNet(fx, 5)
	m := rn.bounty(3, 30)
	count := func() (drawn, pending int) {
		for _, s := range m.bounty().Slots {
			switch s.State {
			case state.SlotDrawn:
				drawn++
			case state.SlotPending:
				pending++
			}
		}
		return
	}
	if d, p := count(); d != 0 || p != 3 {
		t.Fatalf("in the bounty's own block: %d drawn, %d pending; want 0 and 3", d, p)
	}
	m.mine()
	if d, p := count(); d != 2 || p != 1 {
		t.Fatalf("after the next block: %d drawn, %d pending; want 2 and 1", d, p)
	}
	m.mine()
	if d, p := count(); d != 3 || p != 0 {
		t.Fatalf("a block later: %d drawn, %d pending; want 3 and 0", d, p)
	}
	seen := map[wire.PubKey]bool{}
	for _, s := range m.bounty().Slots {
		if seen[s.Relay] {
			t.Fatalf("relay drawn twice: %+v", m.bounty().Slots)
		}
		seen[s.Relay] = true
	}
	if b := m.bounty(); b.Drawer != rn.drawer.PubKey() {
		t.Fatalf("drawer %s, want the coinbase of the block that carried the bounty", b.Drawer)
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
}

// shrunkJury is a one-hop bounty on a net of exactly four relays whose
// worker committed a wrong result: slot 0 caught it, the three other
// relays were drawn as the jury (nobody is left to redraw), and juror
// slot hops voted the right result. silent lists the two silent jurors'
// slots.
func shrunkJury(fx *fixture) (rn *relayNet, m *market, silent []uint8) {
	fx.t.Helper()
	rn = newRelayNet(fx, 4)
	m = rn.bounty(1, 60).accept()
	m.mine(m.relayCommitTx(wrongResult)) // the worker lies
	m.mine(rn.csTx(m, 0, rightResult))   // slot 0 catches it
	m.mine()                             // the jury's draw block
	b := m.bounty()
	m.mine(rn.csTx(m, b.Hops, rightResult))
	return rn, m, []uint8{b.Hops + 1, b.Hops + 2}
}

// jurorsLate is the first height the silent jurors of m may be reported
// missed at.
func jurorsLate(m *market) uint64 {
	return m.bounty().CurrentJury()[0].Height + m.fx.p.RelayWindow
}

// missTx reports slot n of m's bounty missed, by carol.
func missTx(fx *fixture, m *market, n uint8) *wire.Tx {
	return fx.tx(fx.carol, wire.RelayMiss{Bounty: m.id, Slot: n}, -1)
}

// A jury that shrinks by misses is judged again: two of three jurors stay
// silent and are reported missed, nobody is left to draw in their place,
// so the draw drops their slots, and the one vote left is the majority of
// the one juror left. The contest is decided at that draw (the start of
// the block after the last miss), exactly as if the juror's vote had been
// a majority when cast: the worker loses, the catcher and the juror are
// paid, and coins are conserved. Before, a vote cast before the other
// jurors were missed was never counted again and the contest stayed open
// until the deadline refunded the worker's stake.
func TestRelayJuryShrunkByMissesIsDecidedByTheVoteLeft(t *testing.T) {
	fx := newFixture(t, nil)
	start, startHeight := fx.ledger(), fx.height()
	_, m, silent := shrunkJury(fx)
	m.mineTo(jurorsLate(m))
	m.mine(missTx(fx, m, silent[0]))
	m.mine() // draws nobody for the first silent slot: two jurors left, one vote
	if b := m.bounty(); b.Contest != state.ContestOpen {
		t.Fatalf("contest %q with one of two jurors left having voted, want open", b.Contest)
	}
	m.mine(missTx(fx, m, silent[1]))
	if b := m.bounty(); b.Contest != state.ContestOpen {
		t.Fatalf("contest %q in the block of the miss (the redraw is the next block's), want open", b.Contest)
	}
	m.mine() // draws nobody again: the vote left is the majority
	b := m.bounty()
	if b.State != state.BountyDisputed || b.Contest != state.ContestWorkerWrong {
		t.Fatalf("bounty %s, contest %q after the jury shrank to its one voter; want disputed, worker_wrong", b.State, b.Contest)
	}
	if b.Closed != fx.height() {
		t.Errorf("closed at %d, want the draw block %d", b.Closed, fx.height())
	}
	if r := fx.reputation(fx.bob.PubKey()); r.Lost != 1 {
		t.Errorf("worker's record %+v, want lost 1", r)
	}
	checkConserved(t, fx, start, startHeight)
}

// With every juror missed and no vote at all, the contest stays open (the
// default): the deadline refunds the requester and returns the worker's
// stake, nobody judged.
func TestRelayJuryMissedWithoutAVoteFallsToTheDeadline(t *testing.T) {
	fx := newFixture(t, nil)
	rn := newRelayNet(fx, 4)
	m := rn.bounty(1, 60).accept()
	m.mine(m.relayCommitTx(wrongResult))
	m.mine(rn.csTx(m, 0, rightResult))
	m.mine()
	b := m.bounty()
	m.mineTo(jurorsLate(m))
	for n := b.Hops; n < b.Hops+3; n++ {
		m.mine(missTx(fx, m, n))
	}
	m.mine()
	if b := m.bounty(); b.Contest != state.ContestOpen || len(b.CurrentJury()) != 0 {
		t.Fatalf("contest %q with jury %v after every juror was missed unredrawn, want open and empty", b.Contest, b.CurrentJury())
	}
	m.mineTo(m.deadline)
	m.mine(m.refundTx(fx.carol))
	if b := m.bounty(); b.State != state.BountyRefunded {
		t.Fatalf("bounty %s at the deadline, want refunded", b.State)
	}
}

// A reorganisation across the draw that decided a shrunk jury restores the
// open contest exactly, and back again.
func TestRelayReorgUndoesAShrunkJurysDecision(t *testing.T) {
	fx := newFixture(t, nil)
	_, m, silent := shrunkJury(fx)
	m.mineTo(jurorsLate(m))
	m.mine(missTx(fx, m, silent[0]))
	m.mine()
	forkHeight := len(fx.blocks)
	m.mine(missTx(fx, m, silent[1]))
	m.mine()
	if b := m.bounty(); b.Contest != state.ContestWorkerWrong {
		t.Fatalf("contest %q, want decided worker_wrong", b.Contest)
	}
	lenA := len(fx.blocks)
	fa := fx.forkAt(uint64(lenA))

	// Chain B, longer, never reports the second juror.
	fy := fx.forkAt(uint64(forkHeight))
	for len(fy.blocks) <= len(fx.blocks)+1 {
		fy.mine(mktMiner(fy))
	}
	fx.feed(fy.blocks[forkHeight:]...)
	if fx.c.Tip().ID != fy.c.Tip().ID {
		t.Fatal("did not reorganise onto the longer fork")
	}
	if b := m.bounty(); b.Contest != state.ContestOpen || b.State != state.BountyCommitted {
		t.Fatalf("after the reorganisation: bounty %s, contest %q; want committed, open", b.State, b.Contest)
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fy.blocks)

	for len(fa.blocks) <= len(fy.blocks) {
		fa.mine(mktMiner(fa))
	}
	fx.feed(fa.blocks[lenA:]...)
	if fx.c.Tip().ID != fa.c.Tip().ID {
		t.Fatal("did not reorganise back")
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fa.blocks)
}
