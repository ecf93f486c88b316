package chain

import (
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// market is a bounty on a fixture: alice the requester, bob the worker
// (funded), carol a stranger (funded), dave owning nothing.
type market struct {
	fx       *fixture
	id       wire.Hash
	amount   uint64
	deadline uint64
	sent     []*wire.Tx // the market txs mined, for their fees
}

// mktMiner receives the rewards of the blocks market helpers mine, so that
// the parties' balances move only by the market and their fees.
func mktMiner(fx *fixture) wire.PubKey { return key(fx.t, 9).PubKey() }

// mine mines a block of txs to the market miner.
func (m *market) mine(txs ...*wire.Tx) {
	m.fx.t.Helper()
	m.fx.mine(mktMiner(m.fx), txs...)
	m.sent = append(m.sent, txs...)
}

// feesOf sums the fees pk paid for the market's txs.
func (m *market) feesOf(pk wire.PubKey) uint64 {
	var sum uint64
	for _, t := range m.sent {
		if t.From == pk {
			sum += t.Fee
		}
	}
	return sum
}

const mktAmount = 10 * wire.Unit

// fundMarket gives bob and carol 20 BVS each, in one block.
func fundMarket(fx *fixture) {
	fx.t.Helper()
	fx.mine(fx.alice.PubKey(),
		fx.transfer(fx.alice, fx.bob.PubKey(), 20*wire.Unit, -1),
		fx.transfer(fx.alice, fx.carol.PubKey(), 20*wire.Unit, int64(fx.account(fx.alice.PubKey()).Nonce+1)))
}

func (fx *fixture) height() uint64 { return fx.c.Tip().Height }

// bountyTx is alice's bounty of mktAmount naming worker (zero: open), with
// its deadline life blocks above the block that will carry it.
func (fx *fixture) bountyTx(worker wire.PubKey, life uint64) *wire.Tx {
	return fx.tx(fx.alice, wire.Bounty{Request: wire.Sum([]byte("(public/x)")), Row: 1, Amount: mktAmount,
		Deadline: fx.height() + 1 + life, Worker: worker}, -1)
}

// newMarket funds the parties and mines alice's bounty naming worker with a
// deadline life blocks above it.
func newMarket(fx *fixture, worker wire.PubKey, life uint64) *market {
	fx.t.Helper()
	fundMarket(fx)
	return newMarketFunded(fx, worker, life)
}

// newMarketFunded mines alice's bounty on a funded fixture.
func newMarketFunded(fx *fixture, worker wire.PubKey, life uint64) *market {
	fx.t.Helper()
	t := fx.bountyTx(worker, life)
	m := &market{fx: fx, id: t.ID(), amount: mktAmount, deadline: t.Body.(wire.Bounty).Deadline}
	m.mine(t)
	return m
}

func (m *market) acceptTx(k wire.PrivKey, stake uint64, promised uint32) *wire.Tx {
	return m.fx.tx(k, wire.Accept{Bounty: m.id, Stake: stake, Promised: promised}, -1)
}
func (m *market) minStake() uint64 { return m.fx.p.MinStake(m.amount) }
func (m *market) commitTx(k wire.PrivKey) *wire.Tx {
	return m.fx.tx(k, wire.Commit{Bounty: m.id, Envelope: wire.Sum([]byte("envelope"))}, -1)
}
func (m *market) settleTx(k wire.PrivKey) *wire.Tx { return m.fx.tx(k, wire.Settle{Bounty: m.id}, -1) }
func (m *market) disputeTx(k wire.PrivKey) *wire.Tx {
	return m.fx.tx(k, wire.Dispute{Bounty: m.id}, -1)
}
func (m *market) refundTx(k wire.PrivKey) *wire.Tx { return m.fx.tx(k, wire.Refund{Bounty: m.id}, -1) }

// accept mines bob's accept with the minimum stake.
func (m *market) accept() *market {
	m.mine(m.acceptTx(m.fx.bob, m.minStake(), 1))
	return m
}

// commit mines bob's commit.
func (m *market) commit() *market {
	m.mine(m.commitTx(m.fx.bob))
	return m
}

// mineTo mines empty blocks until the next block is at height h.
func (m *market) mineTo(h uint64) {
	for m.fx.height()+1 < h {
		m.mine()
	}
}

func (m *market) bounty() *state.Bounty {
	var b *state.Bounty
	err := m.fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		var err error
		b, err = state.GetBounty(tx, m.id)
		return err
	})
	if err != nil || b == nil {
		m.fx.t.Fatalf("bounty %s: %v %v", m.id.Short(), b, err)
	}
	return b
}

// okBlock is the next block holding txs as the template makes it (state
// root computed); badBlock appends txs to an empty template and reseals it
// (for txs that must be refused before the state root is compared).
func okBlock(fx *fixture, txs ...*wire.Tx) *wire.Block { return fx.template(txs...) }
func badBlock(fx *fixture, txs ...*wire.Tx) *wire.Block {
	return withTxs(fx.template(), txs...)
}

// marketVectors are the accept and reject vectors of the six market
// transactions (see docs/PROTOCOL.md §16).
func marketVectors() []vector {
	open := func(fx *fixture) *market { return newMarket(fx, wire.PubKey{}, 8) }
	named := func(fx *fixture) *market { return newMarket(fx, fx.bob.PubKey(), 8) }
	committed := func(fx *fixture) *market { return named(fx).accept().commit() }
	return []vector{
		// bounty
		{name: "bounty open to anyone", build: func(fx *fixture) *wire.Block {
			fundMarket(fx)
			return okBlock(fx, fx.bountyTx(wire.PubKey{}, 8))
		}},
		{name: "bounty naming a worker, deadline just far enough", build: func(fx *fixture) *wire.Block {
			return okBlock(fx, fx.bountyTx(fx.bob.PubKey(), fx.p.MinBountyBlocks+1))
		}},
		{name: "bounty with the deadline too near", want: consensus.ErrBadBounty, build: func(fx *fixture) *wire.Block {
			return badBlock(fx, fx.bountyTx(fx.bob.PubKey(), fx.p.MinBountyBlocks))
		}},
		{name: "bounty of zero", want: consensus.ErrZeroAmount, build: func(fx *fixture) *wire.Block {
			return badBlock(fx, fx.tx(fx.alice, wire.Bounty{Amount: 0, Deadline: fx.height() + 100}, -1))
		}},
		{name: "bounty beyond the balance", want: consensus.ErrInsufficientFunds, build: func(fx *fixture) *wire.Block {
			return badBlock(fx, fx.tx(fx.dave, wire.Bounty{Amount: 1, Deadline: fx.height() + 100}, -1))
		}},
		// accept
		{name: "accept with the minimum stake", build: func(fx *fixture) *wire.Block {
			m := named(fx)
			return okBlock(fx, m.acceptTx(fx.bob, m.minStake(), 1))
		}},
		{name: "accept by anyone of an open bounty, the requester included", build: func(fx *fixture) *wire.Block {
			m := open(fx)
			return okBlock(fx, m.acceptTx(fx.alice, m.minStake(), 3))
		}},
		{name: "accept with one block left to commit", build: func(fx *fixture) *wire.Block {
			m := named(fx)
			m.mineTo(m.deadline - 2)
			return okBlock(fx, m.acceptTx(fx.bob, m.minStake(), 1))
		}},
		{name: "accept with no block left to commit", want: consensus.ErrBadBounty, build: func(fx *fixture) *wire.Block {
			m := named(fx)
			m.mineTo(m.deadline - 1)
			return badBlock(fx, m.acceptTx(fx.bob, m.minStake(), 1))
		}},
		{name: "accept after the deadline", want: consensus.ErrBountyDeadline, build: func(fx *fixture) *wire.Block {
			m := named(fx)
			m.mineTo(m.deadline)
			return badBlock(fx, m.acceptTx(fx.bob, m.minStake(), 1))
		}},
		{name: "accept by a worker the bounty does not name", want: consensus.ErrNotParty, build: func(fx *fixture) *wire.Block {
			m := named(fx)
			return badBlock(fx, m.acceptTx(fx.carol, m.minStake(), 1))
		}},
		{name: "accept with a stake one unit short", want: consensus.ErrStakeTooLow, build: func(fx *fixture) *wire.Block {
			m := named(fx)
			return badBlock(fx, m.acceptTx(fx.bob, m.minStake()-1, 1))
		}},
		{name: "accept of an accepted bounty", want: consensus.ErrBountyState, build: func(fx *fixture) *wire.Block {
			m := open(fx).accept()
			return badBlock(fx, m.acceptTx(fx.carol, m.minStake(), 1))
		}},
		{name: "accept of an unknown bounty", want: consensus.ErrNoBounty, build: func(fx *fixture) *wire.Block {
			fundMarket(fx)
			return badBlock(fx, fx.tx(fx.bob, wire.Accept{Bounty: wire.Sum([]byte("nothing")), Stake: wire.Unit, Promised: 1}, -1))
		}},
		{name: "accept promising a commit past the deadline", want: consensus.ErrBadBounty, build: func(fx *fixture) *wire.Block {
			m := named(fx)
			return badBlock(fx, m.acceptTx(fx.bob, m.minStake(), uint32(m.deadline-fx.height()-1)))
		}},
		{name: "accept promising the last height before the deadline", build: func(fx *fixture) *wire.Block {
			m := named(fx)
			return okBlock(fx, m.acceptTx(fx.bob, m.minStake(), uint32(m.deadline-fx.height()-2)))
		}},
		{name: "accept promising zero blocks", want: consensus.ErrBadBounty, build: func(fx *fixture) *wire.Block {
			m := named(fx)
			return badBlock(fx, m.acceptTx(fx.bob, m.minStake(), 0))
		}},
		{name: "accept with a stake beyond the balance", want: consensus.ErrInsufficientFunds, build: func(fx *fixture) *wire.Block {
			m := named(fx)
			return badBlock(fx, m.acceptTx(fx.bob, 21*wire.Unit, 1))
		}},
		// commit
		{name: "commit by the worker", build: func(fx *fixture) *wire.Block {
			m := named(fx).accept()
			return okBlock(fx, m.commitTx(fx.bob))
		}},
		{name: "commit at the last height before the deadline", build: func(fx *fixture) *wire.Block {
			m := named(fx).accept()
			m.mineTo(m.deadline - 1)
			return okBlock(fx, m.commitTx(fx.bob))
		}},
		{name: "commit at the deadline", want: consensus.ErrBountyDeadline, build: func(fx *fixture) *wire.Block {
			m := named(fx).accept()
			m.mineTo(m.deadline)
			return badBlock(fx, m.commitTx(fx.bob))
		}},
		{name: "commit by a non-worker", want: consensus.ErrNotParty, build: func(fx *fixture) *wire.Block {
			m := named(fx).accept()
			return badBlock(fx, m.commitTx(fx.alice))
		}},
		{name: "commit of an open bounty", want: consensus.ErrBountyState, build: func(fx *fixture) *wire.Block {
			m := named(fx)
			return badBlock(fx, m.commitTx(fx.bob))
		}},
		{name: "commit of a zero envelope", want: consensus.ErrBadBounty, build: func(fx *fixture) *wire.Block {
			m := named(fx).accept()
			return badBlock(fx, fx.tx(fx.bob, wire.Commit{Bounty: m.id}, -1))
		}},
		// settle
		{name: "settle by the requester at once", build: func(fx *fixture) *wire.Block {
			m := committed(fx)
			return okBlock(fx, m.settleTx(fx.alice))
		}},
		{name: "settle by the worker when the window ends", build: func(fx *fixture) *wire.Block {
			m := committed(fx)
			m.mineTo(m.bounty().SettleAfter(fx.p))
			return okBlock(fx, m.settleTx(fx.bob))
		}},
		{name: "settle by the worker one block before the window ends", want: consensus.ErrSettleWindow, build: func(fx *fixture) *wire.Block {
			m := committed(fx)
			m.mineTo(m.bounty().SettleAfter(fx.p) - 1)
			return badBlock(fx, m.settleTx(fx.bob))
		}},
		{name: "settle by a stranger", want: consensus.ErrNotParty, build: func(fx *fixture) *wire.Block {
			m := committed(fx)
			m.mineTo(m.bounty().SettleAfter(fx.p))
			return badBlock(fx, m.settleTx(fx.carol))
		}},
		{name: "double settle", want: consensus.ErrBountyState, build: func(fx *fixture) *wire.Block {
			m := committed(fx)
			fx.mine(fx.alice.PubKey(), m.settleTx(fx.alice))
			return badBlock(fx, m.settleTx(fx.alice))
		}},
		{name: "two settles in one block", want: consensus.ErrBountyState, build: func(fx *fixture) *wire.Block {
			m := committed(fx)
			s1 := m.settleTx(fx.alice)
			s2 := fx.tx(fx.alice, wire.Settle{Bounty: m.id}, int64(s1.Nonce+1))
			return badBlock(fx, s1, s2)
		}},
		{name: "settle of an uncommitted bounty", want: consensus.ErrBountyState, build: func(fx *fixture) *wire.Block {
			m := named(fx).accept()
			return badBlock(fx, m.settleTx(fx.alice))
		}},
		// dispute
		{name: "dispute at the last height of the window", build: func(fx *fixture) *wire.Block {
			m := committed(fx)
			m.mineTo(m.bounty().SettleAfter(fx.p) - 1)
			return okBlock(fx, m.disputeTx(fx.alice))
		}},
		{name: "dispute after the window", want: consensus.ErrSettleWindow, build: func(fx *fixture) *wire.Block {
			m := committed(fx)
			m.mineTo(m.bounty().SettleAfter(fx.p))
			return badBlock(fx, m.disputeTx(fx.alice))
		}},
		{name: "dispute by the worker", want: consensus.ErrNotParty, build: func(fx *fixture) *wire.Block {
			m := committed(fx)
			return badBlock(fx, m.disputeTx(fx.bob))
		}},
		{name: "dispute of a settled bounty", want: consensus.ErrBountyState, build: func(fx *fixture) *wire.Block {
			m := committed(fx)
			fx.mine(fx.alice.PubKey(), m.settleTx(fx.alice))
			return badBlock(fx, m.disputeTx(fx.alice))
		}},
		// refund
		{name: "refund of an open bounty by a stranger at the deadline", build: func(fx *fixture) *wire.Block {
			m := named(fx)
			m.mineTo(m.deadline)
			return okBlock(fx, m.refundTx(fx.carol))
		}},
		{name: "refund of an accepted bounty at the deadline", build: func(fx *fixture) *wire.Block {
			m := named(fx).accept()
			m.mineTo(m.deadline)
			return okBlock(fx, m.refundTx(fx.alice))
		}},
		{name: "refund before the deadline", want: consensus.ErrBountyDeadline, build: func(fx *fixture) *wire.Block {
			m := named(fx)
			m.mineTo(m.deadline - 1)
			return badBlock(fx, m.refundTx(fx.carol))
		}},
		{name: "refund of a committed bounty", want: consensus.ErrBountyState, build: func(fx *fixture) *wire.Block {
			m := committed(fx)
			m.mineTo(m.deadline)
			return badBlock(fx, m.refundTx(fx.alice))
		}},
	}
}
