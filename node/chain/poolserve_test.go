package chain

import (
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// serveChallenge returns the open serve challenge of member for
// redemption r (nil: none).
func (pn *poolNet) serveChallenge(r wire.Hash, member wire.PubKey) *state.ServeChallenge {
	pn.fx.t.Helper()
	var out *state.ServeChallenge
	err := pn.fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		return state.ForEachServeChallenge(tx, func(c *state.ServeChallenge) error {
			if c.Redemption == r && c.Member == member {
				out = c
			}
			return nil
		})
	})
	if err != nil {
		pn.fx.t.Fatal(err)
	}
	return out
}

// silenceTx is the redeemer keys[2]'s claim that k stayed silent on r.
func (pn *poolNet) silenceTx(r wire.Hash, k wire.PubKey) *wire.Tx {
	return pn.fx.tx(pn.keys[2], wire.PoolSilence{Pool: pn.id, Redemption: r, Member: k}, -1)
}

// serve is the answer to segment i of a serve challenge for r.
func (pn *poolNet) serve(r wire.Hash, i uint32) wire.PoolServe {
	br, err := pn.tree.Branch(i)
	if err != nil {
		pn.fx.t.Fatal(err)
	}
	return wire.PoolServe{Pool: pn.id, Redemption: r, Index: i, Segment: wire.Segment(pn.data, i), Branch: br}
}

// serveTx answers k's serve challenge for r honestly (drawn already).
func (pn *poolNet) serveTx(k wire.PrivKey, r wire.Hash) *wire.Tx {
	pn.fx.t.Helper()
	c := pn.serveChallenge(r, k.PubKey())
	if c == nil || !c.Drawn {
		pn.fx.t.Fatalf("%s has no drawn serve challenge: %+v", k.PubKey(), c)
	}
	return pn.fx.tx(k, pn.serve(r, c.Segment), -1)
}

// claimed is redeemed with keys[0] claimed silent in a mined block (its
// serve challenge drawn by the next block: not yet in state).
func claimed(fx *fixture) (*poolNet, wire.Hash) {
	pn, r := redeemed(fx)
	fx.mine(mktMiner(fx), pn.silenceTx(r, pn.keys[0].PubKey()))
	return pn, r
}

// drawn is claimed with one more block mined: the segment is drawn.
func drawn(fx *fixture) (*poolNet, wire.Hash) {
	pn, r := claimed(fx)
	fx.mine(mktMiner(fx))
	return pn, r
}

// mineKeeping mines n blocks in which both members answer their epoch
// challenges (so that only the serve challenge decides their fate).
func (pn *poolNet) mineKeeping(n int) {
	fx := pn.fx
	for ; n > 0; n-- {
		var txs []*wire.Tx
		e := fx.p.PoolEpoch(fx.height() + 1)
		for _, k := range pn.keys[:2] {
			if m := pn.member(k); m != nil && m.Challenged && m.ChEpoch == e && !m.ChAnswered {
				txs = append(txs, pn.answerTx(k))
			}
		}
		fx.mine(mktMiner(fx), txs...)
	}
}

// poolServeVectors are the accept and reject vectors of pool-silence and
// pool-serve (PROTOCOL §23 "Silent members").
func poolServeVectors() []vector {
	return []vector{
		// pool-silence
		{name: "pool-silence of a member by the redeemer", build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			return okBlock(fx, pn.silenceTx(r, pn.keys[0].PubKey()))
		}},
		{name: "pool-silence of both members in one block", build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			a := pn.silenceTx(r, pn.keys[0].PubKey())
			b := fx.tx(pn.keys[2], wire.PoolSilence{Pool: pn.id, Redemption: r, Member: pn.keys[1].PubKey()}, int64(a.Nonce+1))
			return okBlock(fx, a, b)
		}},
		{name: "pool-silence in the epoch after the redemption's", build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			pn.toEpochStart()
			return okBlock(fx, pn.silenceTx(r, pn.keys[0].PubKey()))
		}},
		{name: "pool-silence above the block's most claims", want: consensus.ErrPoolState,
			tweak: func(p *consensus.Params) { p.MaxSilencesPerBlock = 1 }, build: func(fx *fixture) *wire.Block {
				pn, r := redeemed(fx)
				a := pn.silenceTx(r, pn.keys[0].PubKey())
				b := fx.tx(pn.keys[2], wire.PoolSilence{Pool: pn.id, Redemption: r, Member: pn.keys[1].PubKey()}, int64(a.Nonce+1))
				return badBlock(fx, a, b)
			}},
		{name: "pool-silence by a key that did not redeem", want: consensus.ErrNotParty, build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			return badBlock(fx, fx.tx(pn.keys[1], wire.PoolSilence{Pool: pn.id, Redemption: r, Member: pn.keys[0].PubKey()}, -1))
		}},
		{name: "pool-silence after the epoch after the redemption's", want: consensus.ErrPoolEpoch, build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			pn.toEpochStart()
			pn.toEpochStart()
			return badBlock(fx, pn.silenceTx(r, pn.keys[0].PubKey()))
		}},
		{name: "pool-silence of a key that is not a member", want: consensus.ErrNotMember, build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			return badBlock(fx, pn.silenceTx(r, fx.bob.PubKey()))
		}},
		{name: "pool-silence of the same member and redemption twice", want: consensus.ErrPoolState, build: func(fx *fixture) *wire.Block {
			pn, r := claimed(fx)
			return badBlock(fx, pn.silenceTx(r, pn.keys[0].PubKey()))
		}},
		{name: "pool-silence of a redemption that does not exist", want: consensus.ErrNoToken, build: func(fx *fixture) *wire.Block {
			pn, _ := redeemed(fx)
			return badBlock(fx, pn.silenceTx(wire.Sum([]byte("none")), pn.keys[0].PubKey()))
		}},
		{name: "pool-silence naming another pool than the redemption's", want: consensus.ErrNoToken, build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			other := pn.fundTx(1)
			fx.mine(mktMiner(fx), other)
			return badBlock(fx, fx.tx(pn.keys[2], wire.PoolSilence{Pool: other.ID(), Redemption: r, Member: pn.keys[0].PubKey()}, -1))
		}},
		{name: "pool-silence beyond the balance", want: consensus.ErrInsufficientFunds, build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			k := pn.keys[2]
			bal := fx.account(k.PubKey()).Balance
			fx.mine(mktMiner(fx), fx.tx(k, wire.Transfer{To: fx.bob.PubKey(), Amount: bal - fx.p.PoolSilenceDeposit - 1000}, -1))
			return badBlock(fx, pn.silenceTx(r, pn.keys[0].PubKey()))
		}},
		// pool-serve
		{name: "pool-serve of the drawn segment", build: func(fx *fixture) *wire.Block {
			pn, r := drawn(fx)
			return okBlock(fx, pn.serveTx(pn.keys[0], r))
		}},
		{name: "pool-serve in the block after the claim's (the draw is that block's)", build: func(fx *fixture) *wire.Block {
			pn, r := claimed(fx)
			seg := state.ServeSegment(fx.c.Tip().ID, pn.id, r, pn.keys[0].PubKey(), pn.pool().Segments())
			return okBlock(fx, fx.tx(pn.keys[0], pn.serve(r, seg), -1))
		}},
		{name: "pool-serve at its deadline", build: func(fx *fixture) *wire.Block {
			pn, r := drawn(fx)
			c := pn.serveChallenge(r, pn.keys[0].PubKey())
			s := pn.serveTx(pn.keys[0], r)
			for fx.height()+1 < c.Deadline(fx.p) {
				fx.mine(mktMiner(fx))
			}
			return okBlock(fx, s)
		}},
		{name: "pool-serve after its deadline", want: consensus.ErrNoChallenge, build: func(fx *fixture) *wire.Block {
			pn, r := drawn(fx)
			c := pn.serveChallenge(r, pn.keys[0].PubKey())
			s := pn.serveTx(pn.keys[0], r)
			for fx.height() < c.Deadline(fx.p) {
				fx.mine(mktMiner(fx))
			}
			return badBlock(fx, s)
		}},
		{name: "pool-serve in the claim's own block", want: consensus.ErrNoChallenge, build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			return badBlock(fx, pn.silenceTx(r, pn.keys[0].PubKey()), fx.tx(pn.keys[0], pn.serve(r, 0), -1))
		}},
		{name: "pool-serve of another segment", want: consensus.ErrBadAnswer, build: func(fx *fixture) *wire.Block {
			pn, r := drawn(fx)
			c := pn.serveChallenge(r, pn.keys[0].PubKey())
			return badBlock(fx, fx.tx(pn.keys[0], pn.serve(r, (c.Segment+1)%uint32(pn.pool().Segments())), -1))
		}},
		{name: "pool-serve with a flipped byte", want: consensus.ErrBadAnswer, build: func(fx *fixture) *wire.Block {
			pn, r := drawn(fx)
			c := pn.serveChallenge(r, pn.keys[0].PubKey())
			s := pn.serve(r, c.Segment)
			s.Segment = append([]byte(nil), s.Segment...)
			s.Segment[3] ^= 1
			return badBlock(fx, fx.tx(pn.keys[0], s, -1))
		}},
		{name: "pool-serve with an empty segment", want: consensus.ErrBadAnswer, build: func(fx *fixture) *wire.Block {
			pn, r := drawn(fx)
			c := pn.serveChallenge(r, pn.keys[0].PubKey())
			return badBlock(fx, fx.tx(pn.keys[0], wire.PoolServe{Pool: pn.id, Redemption: r, Index: c.Segment}, -1))
		}},
		{name: "pool-serve by a member not claimed against", want: consensus.ErrNoChallenge, build: func(fx *fixture) *wire.Block {
			pn, r := drawn(fx)
			c := pn.serveChallenge(r, pn.keys[0].PubKey())
			return badBlock(fx, fx.tx(pn.keys[1], pn.serve(r, c.Segment), -1))
		}},
		{name: "pool-serve twice", want: consensus.ErrNoChallenge, build: func(fx *fixture) *wire.Block {
			pn, r := drawn(fx)
			s := pn.serveTx(pn.keys[0], r)
			fx.mine(mktMiner(fx), s)
			c := s.Body.(wire.PoolServe)
			return badBlock(fx, fx.tx(pn.keys[0], c, -1))
		}},
		{name: "pool-leave with an open serve challenge", want: consensus.ErrPoolState, build: func(fx *fixture) *wire.Block {
			pn, _ := drawn(fx)
			return badBlock(fx, fx.tx(pn.keys[0], wire.PoolLeave{Pool: pn.id}, -1))
		}},
	}
}

// A member that answers its serve challenge keeps its tier and stake and
// is paid the claimer's deposit; the claimer is out the deposit and fee.
func TestPoolServeAnsweredPaysTheDepositToTheMember(t *testing.T) {
	fx := newFixture(t, nil)
	pn, r := redeemed(fx)
	member, claimer := pn.keys[0], pn.keys[2]
	before := fx.ledger()
	mBefore, cBefore := fx.account(member.PubKey()).Balance, fx.account(claimer.PubKey()).Balance
	claim := pn.silenceTx(r, member.PubKey())
	fx.mine(mktMiner(fx), claim)
	if got := fx.account(claimer.PubKey()).Balance; got != cBefore-claim.Fee-fx.p.PoolSilenceDeposit {
		t.Fatalf("claimer has %d, want %d − fee − deposit", got, cBefore)
	}
	c := pn.serveChallenge(r, member.PubKey())
	if c == nil || c.Drawn || c.Deposit != fx.p.PoolSilenceDeposit || c.Claimer != claimer.PubKey() || c.Opened != fx.height() {
		t.Fatalf("serve challenge after the claim: %+v", c)
	}
	requirePoolEscrow(t, fx)
	fx.mine(mktMiner(fx))
	c = pn.serveChallenge(r, member.PubKey())
	want := state.ServeSegment(fx.c.Tip().Header.Prev, pn.id, r, member.PubKey(), pn.pool().Segments())
	if !c.Drawn || c.Segment != want {
		t.Fatalf("the draw: %+v, want segment %d drawn by the claim's block", c, want)
	}
	s := pn.serveTx(member, r)
	fx.mine(mktMiner(fx), s)
	if pn.serveChallenge(r, member.PubKey()) != nil {
		t.Fatal("the serve challenge is still open after its answer")
	}
	m := pn.member(member)
	if m.Tier != 2 || m.Stake != wire.Unit || m.Missed != 0 {
		t.Fatalf("answering member: %+v", m)
	}
	if got := fx.account(member.PubKey()).Balance; got != mBefore-s.Fee+fx.p.PoolSilenceDeposit {
		t.Fatalf("member has %d, want %d − fee %d + deposit", got, mBefore, s.Fee)
	}
	if l := fx.ledger(); l.burned != before.burned {
		t.Fatalf("burned %d, want %d", l.burned, before.burned)
	}
	requirePoolEscrow(t, fx)
	// The rest of the deadline and the epoch pass: nothing more happens.
	pn.mineKeeping(int(fx.p.PoolServeBlocks) + 1)
	if m := pn.member(member); m.Tier != 2 || m.Missed != 0 {
		t.Fatalf("after the deadline: %+v", m)
	}
	requirePoolEscrow(t, fx)
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
}

// A member that does not answer by the deadline is demoted and slashed as
// for a missed challenge, the slash burned; the claimer gets the deposit
// back; the member may leave once the challenge is closed.
func TestPoolSilenceUnansweredDemotesAndRefunds(t *testing.T) {
	fx := newFixture(t, nil)
	pn, r := redeemed(fx)
	member, claimer := pn.keys[0], pn.keys[2]
	claim := pn.silenceTx(r, member.PubKey())
	fx.mine(mktMiner(fx), claim)
	before := fx.ledger()
	cBefore := fx.account(claimer.PubKey()).Balance
	deadline := pn.serveChallenge(r, member.PubKey()).Deadline(fx.p)
	for fx.height() < deadline {
		pn.mineKeeping(1)
		if m := pn.member(member); m.Tier != 2 {
			t.Fatalf("demoted at %d, before the deadline %d", fx.height(), deadline)
		}
	}
	pn.mineKeeping(1) // closes it
	if pn.serveChallenge(r, member.PubKey()) != nil {
		t.Fatal("the serve challenge is still open after its deadline")
	}
	m := pn.member(member)
	slash := consensus.Bps(wire.Unit, fx.p.PoolSlashBps)
	if m.Tier != 1 || m.Missed != 1 || m.Stake != wire.Unit-slash {
		t.Fatalf("silent member: tier %d missed %d stake %d, want 1, 1, %d", m.Tier, m.Missed, m.Stake, wire.Unit-slash)
	}
	if got := fx.account(claimer.PubKey()).Balance; got != cBefore+fx.p.PoolSilenceDeposit {
		t.Fatalf("claimer has %d, want its deposit back: %d", got, cBefore+fx.p.PoolSilenceDeposit)
	}
	if l := fx.ledger(); l.burned != before.burned+slash {
		t.Fatalf("burned %d, want %d", l.burned, before.burned+slash)
	}
	requirePoolEscrow(t, fx)
	fx.mine(mktMiner(fx), fx.tx(member, wire.PoolLeave{Pool: pn.id}, -1))
	if m := pn.member(member); m != nil && !m.Leaving {
		t.Fatal("the member could not leave once its serve challenge closed")
	}
	requirePoolEscrow(t, fx)
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
}

// A member marked leaving before the claim stays a member while its serve
// challenge is open (it cannot dodge the demotion by leaving) and goes,
// with what is left of its stake, at the settle after it closes.
func TestPoolLeavingMemberStaysForItsServeChallenge(t *testing.T) {
	fx := newFixture(t, nil)
	pn, r := redeemed(fx)
	member := pn.keys[0]
	fx.mine(mktMiner(fx), fx.tx(member, wire.PoolLeave{Pool: pn.id}, -1), pn.silenceTx(r, member.PubKey()))
	if m := pn.member(member); m == nil || !m.Leaving {
		t.Fatalf("not leaving: %+v", m)
	}
	c := pn.serveChallenge(r, member.PubKey())
	for fx.p.PoolEpoch(fx.height()+1) == fx.p.PoolEpoch(c.Opened) {
		pn.mineKeeping(1)
	}
	if m := pn.member(member); m == nil || m.Tier != 2 {
		t.Fatalf("a leaving member with an open serve challenge went at the settle: %+v", m)
	}
	for fx.height() <= c.Deadline(fx.p) {
		pn.mineKeeping(1)
	}
	m := pn.member(member)
	slash := consensus.Bps(wire.Unit, fx.p.PoolSlashBps)
	if m == nil || m.Missed != 1 || m.Tier != 1 || m.Stake != wire.Unit-slash {
		t.Fatalf("after the deadline: %+v", m)
	}
	before := fx.account(member.PubKey()).Balance
	for e := fx.p.PoolEpoch(fx.height()); fx.p.PoolEpoch(fx.height()) == e; {
		pn.mineKeeping(1)
	}
	if pn.member(member) != nil {
		t.Fatal("still a member at the settle after its serve challenge closed")
	}
	if got := fx.account(member.PubKey()).Balance; got-before < wire.Unit-slash || got-before > wire.Unit-slash+fx.p.PoolPayout(poolEndowment) {
		t.Fatalf("balance grew %d at the settle, want its stake %d (plus at most a payout)", got-before, wire.Unit-slash)
	}
	requirePoolEscrow(t, fx)
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
}

// A reorganisation across a claim, its draw and its deadline restores
// serve challenges, deposits, tiers and balances exactly, both ways: on
// one branch the member answers, on the other it stays silent.
func TestPoolSilenceReorgRestoresExactly(t *testing.T) {
	fx := newFixture(t, nil)
	pn, r := redeemed(fx)
	forkHeight := len(fx.blocks)

	// Branch A: the claim, answered.
	fx.mine(mktMiner(fx), pn.silenceTx(r, pn.keys[0].PubKey()))
	fx.mine(mktMiner(fx))
	fx.mine(mktMiner(fx), pn.serveTx(pn.keys[0], r))
	lenA := len(fx.blocks)
	fa := fx.forkAt(uint64(lenA))

	// Branch B, longer: the claims of both, unanswered past the deadline.
	fy := fx.forkAt(uint64(forkHeight))
	pb := &poolNet{fx: fy, data: pn.data, tree: pn.tree, id: pn.id, keys: pn.keys}
	a := pb.silenceTx(r, pn.keys[0].PubKey())
	b := fy.tx(pn.keys[2], wire.PoolSilence{Pool: pn.id, Redemption: r, Member: pn.keys[1].PubKey()}, int64(a.Nonce+1))
	fy.mine(mktMiner(fy), a, b)
	pb.mineKeeping(int(fy.p.PoolServeBlocks) + 2)
	if m := pb.member(pn.keys[0]); m == nil || m.Missed == 0 {
		t.Fatalf("branch B did not demote: %+v", m)
	}
	fx.feed(fy.blocks[forkHeight:]...)
	if fx.c.Tip().ID != fy.c.Tip().ID {
		t.Fatal("did not reorganise onto the longer fork")
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fy.blocks)
	requirePoolEscrow(t, fx)
	for len(fa.blocks) <= len(fy.blocks) {
		fa.mine(mktMiner(fa))
	}
	fx.feed(fa.blocks[lenA:]...)
	if fx.c.Tip().ID != fa.c.Tip().ID {
		t.Fatal("did not reorganise back")
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fa.blocks)
	requirePoolEscrow(t, fx)
}

// A serve for a claim in the tip's block is admitted before its draw is in
// state: the tip's ID fixes the segment and admission runs the draw the
// next block writes; another segment is refused.
func TestPoolServeAdmittedBeforeItsDrawIsInState(t *testing.T) {
	fx := newFixture(t, nil)
	pn, r := claimed(fx)
	k := pn.keys[0]
	if c := pn.serveChallenge(r, k.PubKey()); c == nil || c.Drawn {
		t.Fatalf("drawn before the next block: %+v", c)
	}
	seg := state.ServeSegment(fx.c.Tip().ID, pn.id, r, k.PubKey(), pn.pool().Segments())
	s := fx.tx(k, pn.serve(r, seg), -1)
	if err := fx.c.CheckAccess(s); err != nil {
		t.Fatalf("admission of the serve: %v", err)
	}
	wrong := fx.tx(k, pn.serve(r, (seg+1)%uint32(pn.pool().Segments())), -1)
	if err := fx.c.CheckAccess(wrong); !consensus.IsCode(err, consensus.ErrBadAnswer) {
		t.Fatalf("admission of another segment: %v", err)
	}
	if err := fx.c.CheckAccess(pn.silenceTx(r, k.PubKey())); !consensus.IsCode(err, consensus.ErrPoolState) {
		t.Fatalf("admission of a second claim: %v", err)
	}
	fx.mine(mktMiner(fx), s)
	if pn.serveChallenge(r, k.PubKey()) != nil {
		t.Fatal("the serve did not close the challenge")
	}
}
