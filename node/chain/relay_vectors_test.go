package chain

import (
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// relayVectors are the accept and reject vectors of the relay types and of
// the market rules relays change (see docs/PROTOCOL.md §19).
func relayVectors() []vector {
	reg := func(k wire.PrivKey, fx *fixture, stake uint64, caps uint32) *wire.Tx {
		return fx.tx(k, wire.RelayRegister{Stake: stake, Caps: caps}, -1)
	}
	// committed2 is a committed two-hop bounty on a net of n relays.
	committed2 := func(fx *fixture, n int) (*relayNet, *market) {
		rn := newRelayNet(fx, n)
		return rn, rn.committedRelayed(2, 30)
	}
	// signed2 is committed2 with both slots countersigned.
	signed2 := func(fx *fixture) (*relayNet, *market) {
		rn, m := committed2(fx, 4)
		m.mine(rn.csTx(m, 0, rightResult))
		m.mine(rn.csTx(m, 1, rightResult))
		return rn, m
	}
	// contested is a one-hop bounty whose relay disagreed, its jury drawn.
	contested := func(fx *fixture) (*relayNet, *market) {
		rn := newRelayNet(fx, 6)
		m := rn.committedRelayed(1, 40)
		m.mine(rn.csTx(m, 0, wrongResult))
		m.mine()
		return rn, m
	}
	// lastMiss is shrunkJury with its first silent juror missed and not
	// redrawn; the second one is late.
	lastMiss := func(fx *fixture) (*relayNet, *market, uint8) {
		rn, m, silent := shrunkJury(fx)
		m.mineTo(jurorsLate(m))
		m.mine(missTx(fx, m, silent[0]))
		m.mine()
		return rn, m, silent[1]
	}
	// decided is lastMiss once the second juror's miss left the one
	// voter as the whole jury and the next draw decided.
	decided := func(fx *fixture) (*relayNet, *market, wire.PrivKey) {
		rn, m, last := lastMiss(fx)
		voter := rn.slotKey(m, m.bounty().Hops)
		m.mine(missTx(fx, m, last))
		m.mine()
		return rn, m, voter
	}
	return []vector{
		// a jury shrunk by misses
		{name: "relay-miss of the last silent juror, nobody left to draw", build: func(fx *fixture) *wire.Block {
			_, m, last := lastMiss(fx)
			return okBlock(fx, missTx(fx, m, last))
		}},
		{name: "the draw block after it, deciding the contest by the vote left", build: func(fx *fixture) *wire.Block {
			_, m, last := lastMiss(fx)
			m.mine(missTx(fx, m, last))
			return okBlock(fx)
		}},
		{name: "juror's countersign once the shrunk jury decided", want: consensus.ErrBountyState, build: func(fx *fixture) *wire.Block {
			_, m, voter := decided(fx)
			return badBlock(fx, fx.tx(voter, wire.Countersign{Bounty: m.id, Slot: m.bounty().Hops, Result: rightResult, Envelope: rightResult}, -1))
		}},
		{name: "relay-miss of a juror once the shrunk jury decided", want: consensus.ErrBountyState, build: func(fx *fixture) *wire.Block {
			_, m, _ := decided(fx)
			return badBlock(fx, missTx(fx, m, m.bounty().Hops))
		}},
		{name: "refund at the deadline of a contest the shrunk jury decided", want: consensus.ErrBountyState, build: func(fx *fixture) *wire.Block {
			_, m, _ := decided(fx)
			m.mineTo(m.deadline)
			return badBlock(fx, m.refundTx(fx.carol))
		}},
		{name: "refund at the deadline of a contest whose every juror was missed without a vote", build: func(fx *fixture) *wire.Block {
			rn := newRelayNet(fx, 4)
			m := rn.bounty(1, 60).accept()
			m.mine(m.relayCommitTx(wrongResult))
			m.mine(rn.csTx(m, 0, rightResult))
			m.mine()
			m.mineTo(jurorsLate(m))
			for n := uint8(1); n <= 3; n++ {
				m.mine(missTx(fx, m, n))
			}
			m.mineTo(m.deadline)
			return okBlock(fx, m.refundTx(fx.carol))
		}},
		// relay-register
		{name: "relay-register with the minimum stake", build: func(fx *fixture) *wire.Block {
			fundMarket(fx)
			return okBlock(fx, reg(fx.bob, fx, fx.p.RelayMinStake, wire.RelayCapRecompute))
		}},
		{name: "relay-register updating fee and caps, adding no stake", build: func(fx *fixture) *wire.Block {
			rn := newRelayNet(fx, 1)
			return okBlock(fx, fx.tx(rn.keys[0], wire.RelayRegister{Fee: 7, Stake: 0, Caps: 0}, -1))
		}},
		{name: "relay-register one unit below the minimum stake", want: consensus.ErrRelayStake, build: func(fx *fixture) *wire.Block {
			fundMarket(fx)
			return badBlock(fx, reg(fx.bob, fx, fx.p.RelayMinStake-1, wire.RelayCapRecompute))
		}},
		{name: "relay-register with a reserved caps bit", want: consensus.ErrBadRelay, build: func(fx *fixture) *wire.Block {
			fundMarket(fx)
			return badBlock(fx, reg(fx.bob, fx, fx.p.RelayMinStake, 3))
		}},
		{name: "relay-register beyond the balance", want: consensus.ErrInsufficientFunds, build: func(fx *fixture) *wire.Block {
			return badBlock(fx, reg(fx.dave, fx, fx.p.RelayMinStake, 1))
		}},
		// relay-leave
		{name: "relay-leave of a relay holding no slot", build: func(fx *fixture) *wire.Block {
			rn := newRelayNet(fx, 1)
			return okBlock(fx, fx.tx(rn.keys[0], wire.RelayLeave{}, -1))
		}},
		{name: "relay-leave of a key never registered", want: consensus.ErrNotRegistered, build: func(fx *fixture) *wire.Block {
			fundMarket(fx)
			return badBlock(fx, fx.tx(fx.bob, wire.RelayLeave{}, -1))
		}},
		{name: "relay-leave while drawn into a lineup", want: consensus.ErrRelayActive, build: func(fx *fixture) *wire.Block {
			rn, m := committed2(fx, 2)
			return badBlock(fx, fx.tx(rn.slotKey(m, 0), wire.RelayLeave{}, -1))
		}},
		// bounty hops
		{name: "bounty asking for MaxHops relays", build: func(fx *fixture) *wire.Block {
			fundMarket(fx)
			return okBlock(fx, fx.tx(fx.alice, wire.Bounty{Amount: mktAmount, Hops: fx.p.MaxHops, Deadline: fx.height() + 20}, -1))
		}},
		{name: "bounty asking for one relay more than MaxHops", want: consensus.ErrBadRelay, build: func(fx *fixture) *wire.Block {
			fundMarket(fx)
			return badBlock(fx, fx.tx(fx.alice, wire.Bounty{Amount: mktAmount, Hops: fx.p.MaxHops + 1, Deadline: fx.height() + 20}, -1))
		}},
		// commit and accept on a relayed bounty
		{name: "commit naming its result on a relayed bounty", build: func(fx *fixture) *wire.Block {
			rn := newRelayNet(fx, 2)
			m := rn.bounty(1, 20).accept()
			return okBlock(fx, m.relayCommitTx(rightResult))
		}},
		{name: "commit with a zero result on a relayed bounty", want: consensus.ErrBadBounty, build: func(fx *fixture) *wire.Block {
			rn := newRelayNet(fx, 2)
			m := rn.bounty(1, 20).accept()
			return badBlock(fx, m.relayCommitTx(wire.Hash{}))
		}},
		{name: "accept by a relay drawn into the bounty's lineup", want: consensus.ErrNotInLineup, build: func(fx *fixture) *wire.Block {
			rn := newRelayNet(fx, 2)
			t := fx.tx(fx.alice, wire.Bounty{Amount: wire.Unit, Hops: 1, Deadline: fx.height() + 20}, -1)
			m := &market{fx: fx, id: t.ID(), amount: wire.Unit, deadline: fx.height() + 20}
			m.mine(t)
			m.mine() // its lineup is in state from the next block on
			return badBlock(fx, m.acceptTx(rn.slotKey(m, 0), m.minStake(), 1))
		}},
		// countersign
		{name: "countersign of slot 0 after the commit", build: func(fx *fixture) *wire.Block {
			rn, m := committed2(fx, 3)
			return okBlock(fx, rn.csTx(m, 0, rightResult))
		}},
		{name: "countersign of slot 1 after slot 0", build: func(fx *fixture) *wire.Block {
			rn, m := committed2(fx, 3)
			m.mine(rn.csTx(m, 0, rightResult))
			return okBlock(fx, rn.csTx(m, 1, rightResult))
		}},
		{name: "countersign of slot 1 before slot 0", want: consensus.ErrSlotOrder, build: func(fx *fixture) *wire.Block {
			rn, m := committed2(fx, 3)
			return badBlock(fx, rn.csTx(m, 1, rightResult))
		}},
		{name: "countersign before the worker's commit", want: consensus.ErrSlotOrder, build: func(fx *fixture) *wire.Block {
			rn := newRelayNet(fx, 3)
			m := rn.bounty(1, 20).accept()
			return badBlock(fx, rn.csTx(m, 0, rightResult))
		}},
		{name: "countersign by a relay drawn for another slot", want: consensus.ErrNotInLineup, build: func(fx *fixture) *wire.Block {
			rn, m := committed2(fx, 3)
			return badBlock(fx, fx.tx(rn.slotKey(m, 1), wire.Countersign{Bounty: m.id, Slot: 0, Result: rightResult, Envelope: rightResult}, -1))
		}},
		{name: "countersign of a slot the bounty does not have", want: consensus.ErrNoSlot, build: func(fx *fixture) *wire.Block {
			rn, m := committed2(fx, 3)
			return badBlock(fx, fx.tx(rn.slotKey(m, 0), wire.Countersign{Bounty: m.id, Slot: 9, Result: rightResult, Envelope: rightResult}, -1))
		}},
		{name: "countersign of a slot twice", want: consensus.ErrBountyState, build: func(fx *fixture) *wire.Block {
			rn, m := committed2(fx, 3)
			k := rn.slotKey(m, 0)
			m.mine(rn.csTx(m, 0, rightResult))
			return badBlock(fx, fx.tx(k, wire.Countersign{Bounty: m.id, Slot: 0, Result: rightResult, Envelope: rightResult}, -1))
		}},
		{name: "countersign with a different result, opening a contest", build: func(fx *fixture) *wire.Block {
			rn, m := committed2(fx, 6)
			return okBlock(fx, rn.csTx(m, 0, wrongResult))
		}},
		{name: "countersign by a juror of an open contest", build: func(fx *fixture) *wire.Block {
			rn, m := contested(fx)
			return okBlock(fx, rn.csTx(m, 1, rightResult))
		}},
		{name: "lineup countersign while a contest is open", want: consensus.ErrSlotOrder, build: func(fx *fixture) *wire.Block {
			rn, m := committed2(fx, 6)
			m.mine(rn.csTx(m, 0, wrongResult))
			return badBlock(fx, rn.csTx(m, 1, rightResult))
		}},
		// relay-miss
		{name: "relay-miss once the window is over", build: func(fx *fixture) *wire.Block {
			_, m := committed2(fx, 3)
			m.mineTo(m.bounty().Committed + fx.p.RelayWindow)
			return okBlock(fx, fx.tx(fx.carol, wire.RelayMiss{Bounty: m.id, Slot: 0}, -1))
		}},
		{name: "relay-miss one block before the window is over", want: consensus.ErrRelayWindow, build: func(fx *fixture) *wire.Block {
			_, m := committed2(fx, 3)
			m.mineTo(m.bounty().Committed + fx.p.RelayWindow - 1)
			return badBlock(fx, fx.tx(fx.carol, wire.RelayMiss{Bounty: m.id, Slot: 0}, -1))
		}},
		{name: "relay-miss of a countersigned slot", want: consensus.ErrNoSlot, build: func(fx *fixture) *wire.Block {
			rn, m := committed2(fx, 3)
			m.mine(rn.csTx(m, 0, rightResult))
			m.mineTo(m.bounty().Committed + fx.p.RelayWindow)
			return badBlock(fx, fx.tx(fx.carol, wire.RelayMiss{Bounty: m.id, Slot: 0}, -1))
		}},
		// settle, dispute and refund with relays
		{name: "settle by the requester before the lineup countersigned", want: consensus.ErrSlotOrder, build: func(fx *fixture) *wire.Block {
			_, m := committed2(fx, 3)
			return badBlock(fx, m.settleTx(fx.alice))
		}},
		{name: "settle by the requester once the lineup countersigned", build: func(fx *fixture) *wire.Block {
			_, m := signed2(fx)
			return okBlock(fx, m.settleTx(fx.alice))
		}},
		{name: "settle by the worker one block before the window after the last countersign", want: consensus.ErrSettleWindow, build: func(fx *fixture) *wire.Block {
			_, m := signed2(fx)
			m.mineTo(m.bounty().SettleAfter(fx.p) - 1)
			return badBlock(fx, m.settleTx(fx.bob))
		}},
		{name: "settle by the worker when the window after the last countersign ends", build: func(fx *fixture) *wire.Block {
			_, m := signed2(fx)
			m.mineTo(m.bounty().SettleAfter(fx.p))
			return okBlock(fx, m.settleTx(fx.bob))
		}},
		{name: "dispute of a relayed bounty, opening a contest", build: func(fx *fixture) *wire.Block {
			_, m := committed2(fx, 6)
			return okBlock(fx, m.disputeTx(fx.alice))
		}},
		{name: "dispute while a contest is open", want: consensus.ErrBountyState, build: func(fx *fixture) *wire.Block {
			_, m := contested(fx)
			return badBlock(fx, m.disputeTx(fx.alice))
		}},
		{name: "refund at the deadline of a committed bounty whose lineup is incomplete", build: func(fx *fixture) *wire.Block {
			_, m := committed2(fx, 3)
			m.mineTo(m.deadline)
			return okBlock(fx, m.refundTx(fx.carol))
		}},
		{name: "refund at the deadline of a bounty whose lineup countersigned", want: consensus.ErrBountyState, build: func(fx *fixture) *wire.Block {
			_, m := signed2(fx)
			m.mineTo(m.deadline)
			return badBlock(fx, m.refundTx(fx.carol))
		}},
	}
}
