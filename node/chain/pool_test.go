package chain

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// poolEndowment is what the test pools are funded with.
const poolEndowment = 10 * wire.Unit

// poolNet is a pool funded by alice over data, with members keys[i] funded
// with 5 BVS each (none joined until join).
type poolNet struct {
	fx   *fixture
	data []byte
	tree *wire.SegmentTree
	id   wire.Hash
	keys []wire.PrivKey
}

// poolData is n bytes that differ in every segment.
func poolData(n int) []byte {
	d := make([]byte, n)
	r := rand.New(rand.NewSource(int64(n)))
	r.Read(d)
	return d
}

// newPoolNet funds n member keys and leaves the fund transaction for the
// caller (fundTx) or, with fund, mines it.
func newPoolNet(fx *fixture, n int, rate uint32, fund bool) *poolNet {
	fx.t.Helper()
	pn := &poolNet{fx: fx, data: poolData(5*wire.SegmentSize + 300)}
	pn.tree = wire.NewSegmentTree(pn.data)
	var txs []*wire.Tx
	nonce := int64(fx.account(fx.alice.PubKey()).Nonce)
	for i := 0; i < n; i++ {
		k := key(fx.t, byte(60+i))
		pn.keys = append(pn.keys, k)
		txs = append(txs, fx.transfer(fx.alice, k.PubKey(), 5*wire.Unit, nonce))
		nonce++
	}
	if len(txs) > 0 {
		fx.mine(mktMiner(fx), txs...)
	}
	if fund {
		t := pn.fundTx(rate)
		pn.id = t.ID()
		fx.mine(mktMiner(fx), t)
	}
	return pn
}

func (pn *poolNet) fundBody(rate uint32) wire.PoolFund {
	return wire.PoolFund{Kind: wire.PoolBlob, Key: "public/film", Hash: wire.Sum(pn.data), Size: uint64(len(pn.data)),
		SegmentRoot: pn.tree.Root(), Replicas: 2, Tier: 2, Amount: poolEndowment, TokenRate: rate}
}

func (pn *poolNet) fundTx(rate uint32) *wire.Tx {
	return pn.fx.tx(pn.fx.alice, pn.fundBody(rate), -1)
}

func (pn *poolNet) joinTx(k wire.PrivKey) *wire.Tx {
	return pn.fx.tx(k, wire.PoolJoin{Pool: pn.id, Stake: wire.Unit}, -1)
}

// join mines the joins of the first n keys.
func (pn *poolNet) join(n int) {
	var txs []*wire.Tx
	for _, k := range pn.keys[:n] {
		txs = append(txs, pn.joinTx(k))
	}
	pn.fx.mine(mktMiner(pn.fx), txs...)
}

func (pn *poolNet) pool() *state.Pool {
	pn.fx.t.Helper()
	var p *state.Pool
	err := pn.fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		var err error
		p, err = state.GetPool(tx, pn.id)
		return err
	})
	if err != nil {
		pn.fx.t.Fatal(err)
	}
	return p
}

func (pn *poolNet) member(k wire.PrivKey) *state.Member {
	p := pn.pool()
	if p == nil {
		return nil
	}
	if i := p.Member(k.PubKey()); i >= 0 {
		return &p.Members[i]
	}
	return nil
}

// toEpochStart mines empty blocks until the tip opens an epoch (its
// challenges drawn), and returns that epoch.
func (pn *poolNet) toEpochStart() uint64 {
	fx := pn.fx
	fx.mine(mktMiner(fx))
	for (fx.height()-1)%fx.p.PoolEpochBlocks != 0 {
		fx.mine(mktMiner(fx))
	}
	return fx.p.PoolEpoch(fx.height())
}

// answerTx answers k's current challenge honestly.
func (pn *poolNet) answerTx(k wire.PrivKey) *wire.Tx {
	pn.fx.t.Helper()
	m := pn.member(k)
	if m == nil || !m.Challenged {
		pn.fx.t.Fatalf("%s has no challenge", k.PubKey())
	}
	return pn.fx.tx(k, pn.answer(m.ChEpoch, m.ChSegment), -1)
}

func (pn *poolNet) answer(e uint64, i uint32) wire.PoolAnswer {
	br, err := pn.tree.Branch(i)
	if err != nil {
		pn.fx.t.Fatal(err)
	}
	return wire.PoolAnswer{Pool: pn.id, Epoch: e, Index: i, Segment: wire.Segment(pn.data, i), Branch: br}
}

// challenged is a pool of two members, both challenged in the current
// epoch (the tip opened it).
func challenged(fx *fixture, rate uint32) *poolNet {
	pn := newPoolNet(fx, 3, rate, true)
	pn.join(2)
	pn.toEpochStart()
	return pn
}

// redeemed is challenged with rate 2 where keys[2] bought 3 tokens and
// redeemed one, returning the redemption's ID.
func redeemed(fx *fixture) (*poolNet, wire.Hash) {
	pn := challenged(fx, 2)
	k := pn.keys[2]
	fx.mine(mktMiner(fx), fx.tx(k, wire.TokenBuy{Pool: pn.id, Count: 3}, -1))
	r := fx.tx(k, wire.TokenRedeem{Pool: pn.id, Epoch: fx.p.PoolEpoch(fx.height() + 1)}, -1)
	fx.mine(mktMiner(fx), r)
	return pn, r.ID()
}

func refusal(fx *fixture, member wire.PrivKey, pool, redemption wire.Hash) []byte {
	sig := member.Sign(wire.RefusalHash(fx.p.Net, pool, redemption))
	return sig[:]
}

// poolVectors are the accept and reject vectors of the pool and token
// types (PROTOCOL §23).
func poolVectors() []vector {
	fund := func(fx *fixture, f func(*wire.PoolFund)) *wire.Tx {
		pn := newPoolNet(fx, 0, 0, false)
		b := pn.fundBody(0)
		f(&b)
		return fx.tx(fx.alice, b, -1)
	}
	return []vector{
		// pool-fund
		{name: "pool-fund of a blob", build: func(fx *fixture) *wire.Block {
			return okBlock(fx, fund(fx, func(*wire.PoolFund) {}))
		}},
		{name: "pool-fund of a key's value with tokens", build: func(fx *fixture) *wire.Block {
			return okBlock(fx, fund(fx, func(f *wire.PoolFund) { f.Kind, f.Key, f.TokenRate = wire.PoolKey, "public/note", 5 }))
		}},
		{name: "pool-fund one unit below the minimum endowment", want: consensus.ErrBadPool, build: func(fx *fixture) *wire.Block {
			return badBlock(fx, fund(fx, func(f *wire.PoolFund) { f.Amount = fx.p.PoolMinEndowment - 1 }))
		}},
		{name: "pool-fund with a zero segment root", want: consensus.ErrBadPool, build: func(fx *fixture) *wire.Block {
			return badBlock(fx, fund(fx, func(f *wire.PoolFund) { f.SegmentRoot = wire.Hash{} }))
		}},
		{name: "pool-fund of one replica more than the most", want: consensus.ErrBadPool, build: func(fx *fixture) *wire.Block {
			return badBlock(fx, fund(fx, func(f *wire.PoolFund) { f.Replicas = fx.p.PoolMaxReplicas + 1 }))
		}},
		{name: "pool-fund at tier 0", want: consensus.ErrBadPool, build: func(fx *fixture) *wire.Block {
			return badBlock(fx, fund(fx, func(f *wire.PoolFund) { f.Tier = 0 }))
		}},
		{name: "pool-fund of a key's value above 64 KiB", want: consensus.ErrBadPool, build: func(fx *fixture) *wire.Block {
			return badBlock(fx, fund(fx, func(f *wire.PoolFund) { f.Kind, f.Size = wire.PoolKey, wire.MaxValueSize+1 }))
		}},
		{name: "pool-fund of an invalid key", want: consensus.ErrBadKey, build: func(fx *fixture) *wire.Block {
			return badBlock(fx, fund(fx, func(f *wire.PoolFund) { f.Key = "public//x" }))
		}},
		{name: "pool-fund beyond the balance", want: consensus.ErrInsufficientFunds, build: func(fx *fixture) *wire.Block {
			return badBlock(fx, fund(fx, func(f *wire.PoolFund) { f.Amount = 1000 * wire.Unit }))
		}},
		{name: "pool top-up by anyone", build: func(fx *fixture) *wire.Block {
			pn := newPoolNet(fx, 1, 0, true)
			return okBlock(fx, fx.tx(pn.keys[0], wire.PoolFund{Kind: wire.PoolTopUp, Pool: pn.id, Amount: wire.Unit}, -1))
		}},
		{name: "pool top-up of a pool that does not exist", want: consensus.ErrNoPool, build: func(fx *fixture) *wire.Block {
			return badBlock(fx, fx.tx(fx.alice, wire.PoolFund{Kind: wire.PoolTopUp, Pool: wire.Sum([]byte("none")), Amount: 1}, -1))
		}},
		{name: "pool close by its funder with no members", build: func(fx *fixture) *wire.Block {
			pn := newPoolNet(fx, 0, 0, true)
			return okBlock(fx, fx.tx(fx.alice, wire.PoolFund{Kind: wire.PoolTopUp, Pool: pn.id}, -1))
		}},
		{name: "pool close by another key", want: consensus.ErrNotParty, build: func(fx *fixture) *wire.Block {
			pn := newPoolNet(fx, 1, 0, true)
			return badBlock(fx, fx.tx(pn.keys[0], wire.PoolFund{Kind: wire.PoolTopUp, Pool: pn.id}, -1))
		}},
		{name: "pool close while it has a member", want: consensus.ErrPoolState, build: func(fx *fixture) *wire.Block {
			pn := newPoolNet(fx, 1, 0, true)
			pn.join(1)
			return badBlock(fx, fx.tx(fx.alice, wire.PoolFund{Kind: wire.PoolTopUp, Pool: pn.id}, -1))
		}},
		// pool-join
		{name: "pool-join with the minimum stake", build: func(fx *fixture) *wire.Block {
			pn := newPoolNet(fx, 1, 0, true)
			return okBlock(fx, fx.tx(pn.keys[0], wire.PoolJoin{Pool: pn.id, Stake: fx.p.PoolMinStake}, -1))
		}},
		{name: "pool-join one unit below the minimum stake", want: consensus.ErrStakeTooLow, build: func(fx *fixture) *wire.Block {
			pn := newPoolNet(fx, 1, 0, true)
			return badBlock(fx, fx.tx(pn.keys[0], wire.PoolJoin{Pool: pn.id, Stake: fx.p.PoolMinStake - 1}, -1))
		}},
		{name: "pool-join twice", want: consensus.ErrPoolState, build: func(fx *fixture) *wire.Block {
			pn := newPoolNet(fx, 1, 0, true)
			pn.join(1)
			return badBlock(fx, pn.joinTx(pn.keys[0]))
		}},
		{name: "pool-join of a full pool", want: consensus.ErrPoolState, build: func(fx *fixture) *wire.Block {
			pn := newPoolNet(fx, 5, 0, true)
			pn.join(4) // twice its two replicas
			return badBlock(fx, pn.joinTx(pn.keys[4]))
		}},
		{name: "pool-join of a pool that does not exist", want: consensus.ErrNoPool, build: func(fx *fixture) *wire.Block {
			pn := newPoolNet(fx, 1, 0, false)
			return badBlock(fx, pn.joinTx(pn.keys[0]))
		}},
		// pool-leave
		{name: "pool-leave with no open challenge", build: func(fx *fixture) *wire.Block {
			pn := newPoolNet(fx, 1, 0, true)
			pn.join(1)
			return okBlock(fx, fx.tx(pn.keys[0], wire.PoolLeave{Pool: pn.id}, -1))
		}},
		{name: "pool-leave with an open challenge", build: func(fx *fixture) *wire.Block {
			pn := challenged(fx, 0)
			return okBlock(fx, fx.tx(pn.keys[0], wire.PoolLeave{Pool: pn.id}, -1))
		}},
		{name: "pool-leave of a key that is not a member", want: consensus.ErrNotMember, build: func(fx *fixture) *wire.Block {
			pn := newPoolNet(fx, 1, 0, true)
			return badBlock(fx, fx.tx(pn.keys[0], wire.PoolLeave{Pool: pn.id}, -1))
		}},
		{name: "pool-leave twice while challenged", want: consensus.ErrPoolState, build: func(fx *fixture) *wire.Block {
			pn := challenged(fx, 0)
			fx.mine(mktMiner(fx), fx.tx(pn.keys[0], wire.PoolLeave{Pool: pn.id}, -1))
			return badBlock(fx, fx.tx(pn.keys[0], wire.PoolLeave{Pool: pn.id}, -1))
		}},
		// pool-answer
		{name: "pool-answer of the challenge", build: func(fx *fixture) *wire.Block {
			pn := challenged(fx, 0)
			return okBlock(fx, pn.answerTx(pn.keys[0]))
		}},
		{name: "pool-answer in the epoch's last block", build: func(fx *fixture) *wire.Block {
			pn := challenged(fx, 0)
			for fx.height()+1 < fx.p.PoolEpochEnd(fx.p.PoolEpoch(fx.height())) {
				fx.mine(mktMiner(fx))
			}
			return okBlock(fx, pn.answerTx(pn.keys[0]))
		}},
		{name: "pool-answer after the epoch's deadline", want: consensus.ErrNoChallenge, build: func(fx *fixture) *wire.Block {
			pn := challenged(fx, 0)
			a := pn.answerTx(pn.keys[0])
			for fx.height() < fx.p.PoolEpochEnd(fx.p.PoolEpoch(fx.height())) {
				fx.mine(mktMiner(fx))
			}
			return badBlock(fx, a)
		}},
		{name: "pool-answer of another segment", want: consensus.ErrBadAnswer, build: func(fx *fixture) *wire.Block {
			pn := challenged(fx, 0)
			m := pn.member(pn.keys[0])
			return badBlock(fx, fx.tx(pn.keys[0], pn.answer(m.ChEpoch, (m.ChSegment+1)%uint32(pn.pool().Segments())), -1))
		}},
		{name: "pool-answer with a flipped byte", want: consensus.ErrBadAnswer, build: func(fx *fixture) *wire.Block {
			pn := challenged(fx, 0)
			m := pn.member(pn.keys[0])
			a := pn.answer(m.ChEpoch, m.ChSegment)
			a.Segment = append([]byte(nil), a.Segment...)
			a.Segment[0] ^= 1
			return badBlock(fx, fx.tx(pn.keys[0], a, -1))
		}},
		{name: "pool-answer with an empty segment", want: consensus.ErrBadAnswer, build: func(fx *fixture) *wire.Block {
			pn := challenged(fx, 0)
			m := pn.member(pn.keys[0])
			return badBlock(fx, fx.tx(pn.keys[0], wire.PoolAnswer{Pool: pn.id, Epoch: m.ChEpoch, Index: m.ChSegment}, -1))
		}},
		{name: "pool-answer twice", want: consensus.ErrPoolState, build: func(fx *fixture) *wire.Block {
			pn := challenged(fx, 0)
			fx.mine(mktMiner(fx), pn.answerTx(pn.keys[0]))
			return badBlock(fx, pn.answerTx(pn.keys[0]))
		}},
		{name: "pool-answer by a key that is not a member", want: consensus.ErrNotMember, build: func(fx *fixture) *wire.Block {
			pn := challenged(fx, 0)
			m := pn.member(pn.keys[0])
			return badBlock(fx, fx.tx(pn.keys[2], pn.answer(m.ChEpoch, m.ChSegment), -1))
		}},
		// token-buy
		{name: "token-buy of a pool that sells tokens", build: func(fx *fixture) *wire.Block {
			pn := newPoolNet(fx, 1, 3, true)
			return okBlock(fx, fx.tx(pn.keys[0], wire.TokenBuy{Pool: pn.id, Count: 10}, -1))
		}},
		{name: "token-buy of zero tokens", want: consensus.ErrZeroAmount, build: func(fx *fixture) *wire.Block {
			pn := newPoolNet(fx, 1, 3, true)
			return badBlock(fx, fx.tx(pn.keys[0], wire.TokenBuy{Pool: pn.id}, -1))
		}},
		{name: "token-buy of a pool without tokens", want: consensus.ErrNoToken, build: func(fx *fixture) *wire.Block {
			pn := newPoolNet(fx, 1, 0, true)
			return badBlock(fx, fx.tx(pn.keys[0], wire.TokenBuy{Pool: pn.id, Count: 1}, -1))
		}},
		// token-redeem
		{name: "token-redeem within the rate", build: func(fx *fixture) *wire.Block {
			pn, _ := redeemed(fx)
			return okBlock(fx, fx.tx(pn.keys[2], wire.TokenRedeem{Pool: pn.id, Epoch: fx.p.PoolEpoch(fx.height() + 1)}, -1))
		}},
		{name: "token-redeem above the epoch's rate", want: consensus.ErrNoToken, build: func(fx *fixture) *wire.Block {
			pn, _ := redeemed(fx)
			e := fx.p.PoolEpoch(fx.height() + 1)
			fx.mine(mktMiner(fx), fx.tx(pn.keys[2], wire.TokenRedeem{Pool: pn.id, Epoch: e}, -1))
			return badBlock(fx, fx.tx(pn.keys[2], wire.TokenRedeem{Pool: pn.id, Epoch: e}, -1))
		}},
		{name: "token-redeem without a token", want: consensus.ErrNoToken, build: func(fx *fixture) *wire.Block {
			pn := newPoolNet(fx, 1, 3, true)
			return badBlock(fx, fx.tx(pn.keys[0], wire.TokenRedeem{Pool: pn.id, Epoch: fx.p.PoolEpoch(fx.height() + 1)}, -1))
		}},
		{name: "token-redeem naming another epoch", want: consensus.ErrPoolEpoch, build: func(fx *fixture) *wire.Block {
			pn, _ := redeemed(fx)
			return badBlock(fx, fx.tx(pn.keys[2], wire.TokenRedeem{Pool: pn.id, Epoch: fx.p.PoolEpoch(fx.height()+1) + 1}, -1))
		}},
		// pool-report
		{name: "pool-report with the member's signed refusal", build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			return okBlock(fx, fx.tx(pn.keys[2], wire.PoolReport{Pool: pn.id, Redemption: r, Member: pn.keys[0].PubKey(),
				Evidence: refusal(fx, pn.keys[0], pn.id, r)}, -1))
		}},
		{name: "pool-report signed by another key", want: consensus.ErrBadEvidence, build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			return badBlock(fx, fx.tx(pn.keys[2], wire.PoolReport{Pool: pn.id, Redemption: r, Member: pn.keys[0].PubKey(),
				Evidence: refusal(fx, pn.keys[1], pn.id, r)}, -1))
		}},
		{name: "pool-report with evidence that is not a signature", want: consensus.ErrBadEvidence, build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			return badBlock(fx, fx.tx(pn.keys[2], wire.PoolReport{Pool: pn.id, Redemption: r, Member: pn.keys[0].PubKey(), Evidence: []byte("refused")}, -1))
		}},
		{name: "pool-report by a key that did not redeem", want: consensus.ErrNotParty, build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			return badBlock(fx, fx.tx(pn.keys[1], wire.PoolReport{Pool: pn.id, Redemption: r, Member: pn.keys[0].PubKey(),
				Evidence: refusal(fx, pn.keys[0], pn.id, r)}, -1))
		}},
		{name: "pool-report of a redemption twice", want: consensus.ErrPoolState, build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			fx.mine(mktMiner(fx), fx.tx(pn.keys[2], wire.PoolReport{Pool: pn.id, Redemption: r, Member: pn.keys[0].PubKey(),
				Evidence: refusal(fx, pn.keys[0], pn.id, r)}, -1))
			return badBlock(fx, fx.tx(pn.keys[2], wire.PoolReport{Pool: pn.id, Redemption: r, Member: pn.keys[1].PubKey(),
				Evidence: refusal(fx, pn.keys[1], pn.id, r)}, -1))
		}},
		{name: "pool-report of a key that is not a member", want: consensus.ErrNotMember, build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			return badBlock(fx, fx.tx(pn.keys[2], wire.PoolReport{Pool: pn.id, Redemption: r, Member: fx.bob.PubKey(),
				Evidence: refusal(fx, fx.bob, pn.id, r)}, -1))
		}},
		{name: "pool-report after the epoch after the redemption's", want: consensus.ErrPoolEpoch, build: func(fx *fixture) *wire.Block {
			pn, r := redeemed(fx)
			pn.toEpochStart()
			pn.toEpochStart()
			return badBlock(fx, fx.tx(pn.keys[2], wire.PoolReport{Pool: pn.id, Redemption: r, Member: pn.keys[0].PubKey(),
				Evidence: refusal(fx, pn.keys[0], pn.id, r)}, -1))
		}},
	}
}

// One epoch: the member that answered is paid the epoch's payout, the one
// that did not loses a tier and PoolSlashBps of its stake (burned); a
// second miss takes it to tier 1, a third out, its stake back. The pool
// holds what it says: endowment + stakes is the escrow.
func TestPoolChallengeAnswerPaysAndMissDemotes(t *testing.T) {
	fx := newFixture(t, nil)
	pn := challenged(fx, 0)
	good, bad := pn.keys[0], pn.keys[1]
	start := fx.ledger()
	goodBefore := fx.account(good.PubKey()).Balance
	a := pn.answerTx(good)
	fx.mine(mktMiner(fx), a)
	pn.toEpochStart()
	p := pn.pool()
	wantPay := fx.p.PoolPayout(poolEndowment)
	if got := fx.account(good.PubKey()).Balance; got != goodBefore-a.Fee+wantPay {
		t.Fatalf("the answering member has %d, want %d − fee %d + payout %d", got, goodBefore, a.Fee, wantPay)
	}
	if p.Endowment != poolEndowment-wantPay || p.Paid != wantPay {
		t.Fatalf("endowment %d paid %d, want %d and %d", p.Endowment, p.Paid, poolEndowment-wantPay, wantPay)
	}
	mb := pn.member(bad)
	slash := consensus.Bps(wire.Unit, fx.p.PoolSlashBps)
	if mb.Tier != 1 || mb.Missed != 1 || mb.Stake != wire.Unit-slash {
		t.Fatalf("the silent member: tier %d missed %d stake %d, want 1, 1, %d", mb.Tier, mb.Missed, mb.Stake, wire.Unit-slash)
	}
	if l := fx.ledger(); l.burned != start.burned+slash {
		t.Fatalf("burned %d, want %d", l.burned, start.burned+slash)
	}
	requirePoolEscrow(t, fx)
	// Two more misses: tier 0, out, the rest of its stake back.
	badBefore := fx.account(bad.PubKey()).Balance
	fx.mine(mktMiner(fx), pn.answerTx(good))
	pn.toEpochStart()
	if pn.member(bad) != nil {
		t.Fatal("a member at tier 0 is still in the pool")
	}
	left := wire.Unit - slash - consensus.Bps(wire.Unit-slash, fx.p.PoolSlashBps)
	if got := fx.account(bad.PubKey()).Balance; got != badBefore+left {
		t.Fatalf("the demoted member got %d back, want %d", got-badBefore, left)
	}
	requirePoolEscrow(t, fx)
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
}

// A member that leaves with no open challenge gets its stake back at once;
// one that leaves with an open challenge gets it back when the epoch
// settles, less the slash if it did not answer.
func TestPoolLeaveReturnsStake(t *testing.T) {
	fx := newFixture(t, nil)
	pn := newPoolNet(fx, 2, 0, true)
	pn.join(1)
	k := pn.keys[0]
	before := fx.account(k.PubKey()).Balance
	l := fx.tx(k, wire.PoolLeave{Pool: pn.id}, -1)
	fx.mine(mktMiner(fx), l)
	if got := fx.account(k.PubKey()).Balance; got != before-l.Fee+wire.Unit || pn.member(k) != nil {
		t.Fatalf("after leaving: balance %d (want %d), still a member: %v", got, before-l.Fee+wire.Unit, pn.member(k) != nil)
	}
	fx.mine(mktMiner(fx), pn.joinTx(k))
	pn.toEpochStart()
	before = fx.account(k.PubKey()).Balance
	l = fx.tx(k, wire.PoolLeave{Pool: pn.id}, -1)
	fx.mine(mktMiner(fx), l)
	if m := pn.member(k); m == nil || !m.Leaving {
		t.Fatal("a challenged member left before its challenge settled")
	}
	pn.toEpochStart()
	want := before - l.Fee + wire.Unit - consensus.Bps(wire.Unit, fx.p.PoolSlashBps)
	if got := fx.account(k.PubKey()).Balance; got != want || pn.member(k) != nil {
		t.Fatalf("after its silent epoch: balance %d, want %d", got, want)
	}
	requirePoolEscrow(t, fx)
}

// Challenges are drawn by the ID of the block before the epoch's first,
// one per member, each a segment of the data, and they differ between
// members and epochs.
func TestPoolChallengesDrawnByBlockID(t *testing.T) {
	fx := newFixture(t, nil)
	pn := newPoolNet(fx, 4, 0, true)
	pn.join(4)
	seen := map[uint32]bool{}
	for round := 0; round < 3; round++ {
		e := pn.toEpochStart()
		parent := fx.c.Tip().Header.Prev
		p := pn.pool()
		for _, m := range p.Members {
			want := state.ChallengeSegment(parent, pn.id, m.Key, e, p.Segments())
			if !m.Challenged || m.ChEpoch != e || m.ChSegment != want {
				t.Fatalf("epoch %d: member challenge %+v, want segment %d drawn by the parent's ID", e, m, want)
			}
			seen[m.ChSegment] = true
		}
		var txs []*wire.Tx
		for _, k := range pn.keys {
			txs = append(txs, pn.answerTx(k))
		}
		fx.mine(mktMiner(fx), txs...)
	}
	if len(seen) < 3 {
		t.Fatalf("12 challenges over 6 segments drew only %d distinct segments", len(seen))
	}
}

// Tokens: bought into the endowment, redeemed at most TokenRate an epoch,
// and a member that redeems its own tokens gains nothing: the balance
// arithmetic of two chains, one where the member buys and redeems tokens
// and one where it does not, differs by exactly what it paid, less the
// part of that price the curve paid back to it (its share of the larger
// endowment), which never exceeds the price.
func TestPoolSelfRedeemingMemberGainsNothing(t *testing.T) {
	run := func(redeem bool) (balance, paid, price uint64) {
		fx := newFixture(t, nil)
		pn := newPoolNet(fx, 1, 5, true)
		k := pn.keys[0]
		pn.join(1)
		start := fx.account(k.PubKey()).Balance
		var fees uint64
		if redeem {
			b := fx.tx(k, wire.TokenBuy{Pool: pn.id, Count: 20}, -1)
			fx.mine(mktMiner(fx), b)
			fees += b.Fee
			price = 20 * fx.p.PoolTokenPrice
		}
		for ep := 0; ep < 4; ep++ {
			pn.toEpochStart()
			a := pn.answerTx(k)
			txs := []*wire.Tx{a}
			fees += a.Fee
			fx.mine(mktMiner(fx), txs...)
			if redeem {
				for i := 0; i < 5; i++ {
					r := fx.tx(k, wire.TokenRedeem{Pool: pn.id, Epoch: fx.p.PoolEpoch(fx.height() + 1)}, -1)
					fx.mine(mktMiner(fx), r)
					fees += r.Fee
				}
			}
		}
		pn.toEpochStart()
		m := pn.member(k)
		return fx.account(k.PubKey()).Balance + fees - start, m.Earned, price
	}
	plainBal, plainEarned := func() (uint64, uint64) { b, e, _ := run(false); return b, e }()
	selfBal, selfEarned, price := run(true)
	// Without tokens the member's balance grew by what it earned.
	if plainBal != plainEarned {
		t.Fatalf("without tokens: balance grew %d, earned %d", plainBal, plainEarned)
	}
	// With tokens: it paid price more; it earned extra only through the
	// larger endowment, never as much as it paid.
	extra := selfEarned - plainEarned
	if selfBal+price != plainBal+extra {
		t.Fatalf("balance arithmetic: %d + price %d != %d + extra earnings %d", selfBal, price, plainBal, extra)
	}
	if extra >= price {
		t.Fatalf("redeeming its own tokens earned the member %d for a price of %d", extra, price)
	}
	t.Logf("price %d, earned back through the endowment %d (%.4f%%), net %d", price, extra, 100*float64(extra)/float64(price), int64(extra)-int64(price))
}

// A report with the member's signed refusal demotes it and burns the slash.
func TestPoolReportDemotesRefusingMember(t *testing.T) {
	fx := newFixture(t, nil)
	pn, r := redeemed(fx)
	start := fx.ledger()
	fx.mine(mktMiner(fx), fx.tx(pn.keys[2], wire.PoolReport{Pool: pn.id, Redemption: r, Member: pn.keys[0].PubKey(),
		Evidence: refusal(fx, pn.keys[0], pn.id, r)}, -1))
	m := pn.member(pn.keys[0])
	slash := consensus.Bps(wire.Unit, fx.p.PoolSlashBps)
	if m.Tier != 1 || m.Missed != 1 || m.Stake != wire.Unit-slash {
		t.Fatalf("reported member: tier %d missed %d stake %d", m.Tier, m.Missed, m.Stake)
	}
	if l := fx.ledger(); l.burned != start.burned+slash {
		t.Fatalf("burned %d, want %d", l.burned, start.burned+slash)
	}
	requirePoolEscrow(t, fx)
}

// A reorganisation across an epoch boundary restores pools, members,
// challenges, tokens and balances exactly, both ways.
func TestPoolReorgRestoresExactly(t *testing.T) {
	fx := newFixture(t, nil)
	pn := newPoolNet(fx, 3, 4, true)
	pn.join(2)
	forkHeight := len(fx.blocks)

	// Chain A: an epoch where both answer, tokens bought.
	pn.toEpochStart()
	fx.mine(mktMiner(fx), pn.answerTx(pn.keys[0]), pn.answerTx(pn.keys[1]),
		fx.tx(pn.keys[2], wire.TokenBuy{Pool: pn.id, Count: 2}, -1))
	pn.toEpochStart()
	lenA := len(fx.blocks)
	fa := fx.forkAt(uint64(lenA))

	// Chain B, longer: nobody answers, one leaves, another joins.
	fy := fx.forkAt(uint64(forkHeight))
	pb := &poolNet{fx: fy, data: pn.data, tree: pn.tree, id: pn.id, keys: pn.keys}
	fy.mine(mktMiner(fy), fy.tx(pn.keys[0], wire.PoolLeave{Pool: pn.id}, -1), pb.joinTx(pn.keys[2]))
	for len(fy.blocks) <= len(fx.blocks)+1 {
		fy.mine(mktMiner(fy))
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

// requirePoolEscrow checks that the escrow is exactly what the pools hold
// (endowments, stakes and the deposits of open serve challenges) plus what
// bounties and relays hold.
func requirePoolEscrow(t *testing.T, fx *fixture) {
	t.Helper()
	var held uint64
	fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		if err := state.ForEachPool(tx, func(p *state.Pool) error {
			held += p.Endowment
			for _, m := range p.Members {
				held += m.Stake
			}
			return nil
		}); err != nil {
			return err
		}
		if err := state.ForEachServeChallenge(tx, func(c *state.ServeChallenge) error {
			held += c.Deposit
			return nil
		}); err != nil {
			return err
		}
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
	held += fx.relayStakes()
	if l := fx.ledger(); l.escrow != held {
		t.Fatalf("escrow %d, pools, bounties and relays hold %d", l.escrow, held)
	}
}

// TestPoolsConserveCoinsAcrossRandomSequences plays random pool and token
// transactions, valid or not, among five keys and two pools (funds,
// top-ups, closes, joins, leaves, honest and wrong answers, silences, buys,
// redemptions, reports, claims of silence and right and wrong serves),
// across many epochs, and after every block checks
// that balances + immature + escrow + burned equal what was minted and that
// the escrow is what the pools hold. It ends with a replay of the chain.
func TestPoolsConserveCoinsAcrossRandomSequences(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { playPools(t, seed, 100, false) })
	}
	// Tokens, claims of silence and serves made likely.
	for seed := int64(4); seed <= 5; seed++ {
		t.Run(fmt.Sprint("silences seed ", seed), func(t *testing.T) { playPools(t, seed, 100, true) })
	}
}

func playPools(t *testing.T, seed int64, blocks int, silences bool) {
	rng := rand.New(rand.NewSource(seed))
	fx := newFixture(t, nil)
	pn := newPoolNet(fx, 5, 3, true)
	keys := append([]wire.PrivKey{fx.alice}, pn.keys...)
	ids := []wire.Hash{pn.id}
	var redemptions []*wire.Tx // mined
	start, startHeight := fx.ledger(), fx.height()
	rejected, accepted := map[string]int{}, map[string]int{}
	for i := 0; i < blocks; i++ {
		var txs []*wire.Tx
		used := map[wire.PubKey]bool{}
		for j := rng.Intn(5); j > 0; j-- {
			k := keys[rng.Intn(len(keys))]
			if used[k.PubKey()] {
				continue
			}
			id := ids[rng.Intn(len(ids))]
			var p *state.Pool
			fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error { p, _ = state.GetPool(tx, id); return nil })
			e := fx.p.PoolEpoch(fx.height() + 1)
			var body wire.Body
			op := rng.Intn(14)
			if silences && (op < 2 || op == 11) {
				op = []int{8, 9, 9, 12, 12, 13, 13}[rng.Intn(7)]
			}
			switch {
			case op == 0:
				b := pn.fundBody(uint32(rng.Intn(3)))
				b.Amount = fx.p.PoolMinEndowment * uint64(1+rng.Intn(3))
				body = b
			case op == 1:
				body = wire.PoolFund{Kind: wire.PoolTopUp, Pool: id, Amount: uint64(rng.Intn(2)) * wire.Unit}
			case op <= 3:
				stake := fx.p.PoolMinStake * uint64(1+rng.Intn(2))
				if rng.Intn(5) == 0 {
					stake = fx.p.PoolMinStake - 1
				}
				body = wire.PoolJoin{Pool: id, Stake: stake}
			case op == 4:
				body = wire.PoolLeave{Pool: id}
			case op <= 7:
				seg := uint32(rng.Intn(6))
				if p != nil && len(p.Members) > 0 && rng.Intn(5) > 0 {
					// Mostly a member answering its own challenge.
					m := p.Members[rng.Intn(len(p.Members))]
					for _, c := range keys {
						if c.PubKey() == m.Key {
							k = c
						}
					}
					seg = m.ChSegment
				}
				if used[k.PubKey()] {
					continue
				}
				a := pn.answer(e, seg)
				a.Pool = id
				if rng.Intn(6) == 0 {
					a.Segment = append([]byte{1}, a.Segment[1:]...)
				}
				body = a
			case op == 8:
				body = wire.TokenBuy{Pool: id, Count: uint32(rng.Intn(4))}
			case op == 9:
				body = wire.TokenRedeem{Pool: id, Epoch: e}
			case op == 10 && len(redemptions) > 0:
				r := redemptions[rng.Intn(len(redemptions))]
				m := keys[rng.Intn(len(keys))]
				k = keys[0]
				for _, c := range keys {
					if c.PubKey() == r.From {
						k = c
					}
				}
				if used[k.PubKey()] {
					continue
				}
				body = wire.PoolReport{Pool: r.Body.(wire.TokenRedeem).Pool, Redemption: r.ID(), Member: m.PubKey(),
					Evidence: refusal(fx, m, r.Body.(wire.TokenRedeem).Pool, r.ID())}
			case op == 12 && len(redemptions) > 0:
				// A claim of silence by the redeemer (or not), mostly of a
				// member, mostly of a recent redemption.
				r := redemptions[rng.Intn(len(redemptions))]
				if rng.Intn(3) > 0 {
					r = redemptions[len(redemptions)-1]
				}
				m := keys[rng.Intn(len(keys))]
				var rp *state.Pool
				fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
					rp, _ = state.GetPool(tx, r.Body.(wire.TokenRedeem).Pool)
					return nil
				})
				if rp != nil && len(rp.Members) > 0 && rng.Intn(4) > 0 {
					mk := rp.Members[rng.Intn(len(rp.Members))].Key
					for _, c := range keys {
						if c.PubKey() == mk {
							m = c
						}
					}
				}
				if rng.Intn(5) > 0 {
					for _, c := range keys {
						if c.PubKey() == r.From {
							k = c
						}
					}
				}
				if used[k.PubKey()] {
					continue
				}
				body = wire.PoolSilence{Pool: r.Body.(wire.TokenRedeem).Pool, Redemption: r.ID(), Member: m.PubKey()}
			case op == 13:
				// A member answering a serve challenge, mostly its own and right.
				var open []*state.ServeChallenge
				fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
					return state.ForEachServeChallenge(tx, func(c *state.ServeChallenge) error { open = append(open, c); return nil })
				})
				if len(open) == 0 {
					continue
				}
				c := open[rng.Intn(len(open))]
				for _, x := range keys {
					if x.PubKey() == c.Member {
						k = x
					}
				}
				if used[k.PubKey()] {
					continue
				}
				seg := c.Segment
				if rng.Intn(5) == 0 {
					seg = uint32(rng.Intn(6))
				}
				a := pn.answer(0, seg)
				sv := wire.PoolServe{Pool: c.Pool, Redemption: c.Redemption, Index: seg, Segment: a.Segment, Branch: a.Branch}
				if rng.Intn(6) == 0 {
					sv.Segment = append([]byte{1}, sv.Segment[1:]...)
				}
				body = sv
			default:
				body = wire.Transfer{To: keys[rng.Intn(len(keys))].PubKey(), Amount: wire.Unit / 10}
			}
			used[k.PubKey()] = true
			tx := fx.tx(k, body, -1)
			switch body.(type) {
			case wire.PoolFund:
				if body.(wire.PoolFund).Kind != wire.PoolTopUp {
					ids = append(ids, tx.ID())
				}
			}
			txs = append(txs, tx)
		}
		fx.clk.t = fx.clk.t.Add(fx.p.TargetInterval)
		tmpl, err := fx.c.NewTemplate(mktMiner(fx), txs, fx.clk.t)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range tmpl.Rejected {
			rejected[fmt.Sprint(r.Type, " ", consensus.CodeOf(fx.c.CheckAccess(r)))]++
		}
		solve(tmpl.Block)
		if res, err := fx.c.ProcessBlock(tmpl.Block); err != nil || res != Connected {
			t.Fatalf("block %d: %v %v", i, res, err)
		}
		for _, tx := range tmpl.Block.Txs[1:] {
			accepted[tx.Type.String()]++
			if tx.Type == wire.TxTokenRedeem {
				redemptions = append(redemptions, tx)
			}
		}
		fx.blocks = append(fx.blocks, tmpl.Block)
		l := fx.ledger()
		var minted uint64
		for h := startHeight + 1; h <= fx.height(); h++ {
			minted += fx.p.Reward(h)
		}
		if l.held+l.escrow+l.burned != start.held+start.escrow+start.burned+minted {
			t.Fatalf("block %d: held %d + escrow %d + burned %d != %d + %d minted", i, l.held, l.escrow, l.burned, start.held, minted)
		}
		requirePoolEscrow(t, fx)
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
	var paid, members uint64
	fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		return state.ForEachPool(tx, func(p *state.Pool) error {
			paid += p.Paid
			members += uint64(len(p.Members))
			return nil
		})
	})
	var serves int
	fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		return state.ForEachServeChallenge(tx, func(*state.ServeChallenge) error { serves++; return nil })
	})
	t.Logf("pools %d, members %d, paid %d, open serve challenges %d; accepted %v; refused: %v", len(ids), members, paid, serves, accepted, rejected)
}

// An answer for the epoch the next block opens is admitted before its draw
// is in state: the tip's ID already fixes the segment, and admission runs
// the draw the next block will write.
func TestPoolAnswerAdmittedBeforeItsDrawIsInState(t *testing.T) {
	fx := newFixture(t, nil)
	pn := newPoolNet(fx, 1, 0, true)
	pn.join(1)
	for fx.height()%fx.p.PoolEpochBlocks != 0 {
		fx.mine(mktMiner(fx))
	}
	k := pn.keys[0]
	e := fx.p.PoolEpoch(fx.height() + 1)
	if m := pn.member(k); m.Challenged {
		t.Fatalf("challenged before the epoch's first block: %+v", m)
	}
	seg := state.ChallengeSegment(fx.c.Tip().ID, pn.id, k.PubKey(), e, pn.pool().Segments())
	a := fx.tx(k, pn.answer(e, seg), -1)
	if err := fx.c.CheckAccess(a); err != nil {
		t.Fatalf("admission of the answer: %v", err)
	}
	wrong := fx.tx(k, pn.answer(e, (seg+1)%uint32(pn.pool().Segments())), -1)
	if err := fx.c.CheckAccess(wrong); !consensus.IsCode(err, consensus.ErrBadAnswer) {
		t.Fatalf("admission of another segment: %v", err)
	}
	fx.mine(mktMiner(fx), a)
	if m := pn.member(k); !m.ChAnswered || m.ChSegment != seg {
		t.Fatalf("after the epoch's first block: %+v", m)
	}
}
