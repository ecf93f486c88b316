package chain

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// ledger sums what the root holds: every account's balance and immature
// rewards, plus the market's escrow and burned totals.
type ledger struct {
	held, escrow, burned uint64
}

func (fx *fixture) ledger() ledger {
	fx.t.Helper()
	var l ledger
	err := fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		l.escrow, l.burned = state.MarketTotals(tx)
		return tx.Bucket(store.Accounts).ForEach(func(k, v []byte) error {
			var pk wire.PubKey
			copy(pk[:], k)
			a, err := state.GetAccount(tx, pk)
			l.held += a.Balance + a.Immature
			return err
		})
	})
	if err != nil {
		fx.t.Fatal(err)
	}
	return l
}

func (fx *fixture) reputation(pk wire.PubKey) state.Reputation {
	fx.t.Helper()
	var r *state.Reputation
	err := fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		var err error
		r, err = state.GetReputation(tx, pk)
		return err
	})
	if err != nil {
		fx.t.Fatal(err)
	}
	return *r
}

// TestMarketClosingsMoveCoins follows a bounty through each way it can
// close and checks every coin: the requester's and worker's balances (fees
// aside), the escrow, what is burned, conservation, and the reputation
// ledger.
func TestMarketClosingsMoveCoins(t *testing.T) {
	type want struct {
		requester, worker int64 // balance change besides fees
		burned            uint64
		state             state.BountyState
		rep               state.Reputation // the worker's
		raised            uint64           // the requester's disputes_raised
	}
	settled := state.Reputation{Done: 1, Accepted: 1, PromisedBlocks: 1, DeliveredBlocks: 1}
	cases := []struct {
		name   string
		commit bool
		close  func(m *market) *wire.Tx
		want   func(amount, stake uint64) want
	}{
		{"requester settles", true, func(m *market) *wire.Tx { return m.settleTx(m.fx.alice) },
			func(a, s uint64) want { return want{-int64(a), int64(a), 0, state.BountySettled, settled, 0} }},
		{"worker settles after the window", true, func(m *market) *wire.Tx {
			m.mineTo(m.bounty().SettleAfter(m.fx.p))
			return m.settleTx(m.fx.bob)
		}, func(a, s uint64) want { return want{-int64(a), int64(a), 0, state.BountySettled, settled, 0} }},
		{"requester disputes: amount burned, stake returned", true, func(m *market) *wire.Tx { return m.disputeTx(m.fx.alice) },
			func(a, s uint64) want {
				return want{-int64(a), 0, a, state.BountyDisputed, state.Reputation{Disputed: 1, Accepted: 1}, 1}
			}},
		{"refund without a commit: amount back, stake burned", false, func(m *market) *wire.Tx {
			m.mineTo(m.deadline)
			return m.refundTx(m.fx.carol)
		}, func(a, s uint64) want {
			return want{0, -int64(s), s, state.BountyRefunded, state.Reputation{Failed: 1, Accepted: 1}, 0}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, nil)
			fundMarket(fx)
			start := fx.ledger()
			startHeight := fx.height()
			alice0, bob0 := fx.account(fx.alice.PubKey()), fx.account(fx.bob.PubKey())
			m := newMarketFunded(fx, fx.bob.PubKey(), 8)
			m.accept()
			if fx.ledger().escrow != m.amount+m.minStake() {
				t.Fatalf("escrow %d after accept, want amount %d + stake %d", fx.ledger().escrow, m.amount, m.minStake())
			}
			if tc.commit {
				m.commit()
			}
			m.mine(tc.close(m))
			w := tc.want(m.amount, m.minStake())
			if b := m.bounty(); b.State != w.state || b.Closed != fx.height() {
				t.Fatalf("bounty %s closed at %d, want %s at %d", b.State, b.Closed, w.state, fx.height())
			}
			alice1, bob1 := fx.account(fx.alice.PubKey()), fx.account(fx.bob.PubKey())
			// alice's old rewards mature meanwhile: count them with her balance.
			if got := int64(alice1.Balance+alice1.Immature) - int64(alice0.Balance+alice0.Immature) + int64(m.feesOf(fx.alice.PubKey())); got != w.requester {
				t.Errorf("requester's balance moved by %d besides fees, want %d", got, w.requester)
			}
			if got := int64(bob1.Balance) - int64(bob0.Balance) + int64(m.feesOf(fx.bob.PubKey())); got != w.worker {
				t.Errorf("worker's balance moved by %d besides fees, want %d", got, w.worker)
			}
			end := fx.ledger()
			if end.escrow != 0 || end.burned != w.burned {
				t.Errorf("escrow %d, burned %d; want 0 and %d", end.escrow, end.burned, w.burned)
			}
			var minted uint64
			for h := startHeight + 1; h <= fx.height(); h++ {
				minted += fx.p.Reward(h)
			}
			if end.held+end.escrow+end.burned != start.held+minted {
				t.Errorf("coins not conserved: held %d + escrow %d + burned %d != %d + %d minted",
					end.held, end.escrow, end.burned, start.held, minted)
			}
			if got := fx.reputation(fx.bob.PubKey()); got != w.rep {
				t.Errorf("worker reputation %+v, want %+v", got, w.rep)
			}
			if got := fx.reputation(fx.alice.PubKey()).DisputesRaised; got != w.raised {
				t.Errorf("requester disputes_raised %d, want %d", got, w.raised)
			}
		})
	}
}

// TestMarketReorgRestoresEscrowAndReputation reorganises away a chain on
// which a bounty was funded, accepted, committed and settled, onto a fork
// where another bounty was disputed, and back again: after each switch the
// state (balances, bounties, reputation, escrow and burned totals, roots)
// equals a fresh replay of the winning chain.
func TestMarketReorgRestoresEscrowAndReputation(t *testing.T) {
	fx := newFixture(t, nil)
	fundMarket(fx)
	forkHeight := len(fx.blocks)

	// Chain A: settled.
	m := newMarketFunded(fx, fx.bob.PubKey(), 8).accept().commit()
	m.mine(m.settleTx(fx.alice))
	lenA := len(fx.blocks)
	fa := fx.forkAt(uint64(lenA)) // a copy of A, to extend later

	// Chain B, longer: carol's open bounty, accepted by bob, committed, disputed.
	fy := fx.forkAt(uint64(forkHeight))
	bt := fy.tx(fy.carol, wire.Bounty{Request: wire.Sum([]byte("b")), Amount: 3 * wire.Unit, Deadline: fy.height() + 10}, -1)
	fy.mine(mktMiner(fy), bt)
	mb := &market{fx: fy, id: bt.ID(), amount: 3 * wire.Unit, deadline: fy.height() + 9}
	mb.accept().commit()
	mb.mine(mb.disputeTx(fy.carol))
	for len(fy.blocks) <= len(fx.blocks) {
		mb.mine()
	}
	fx.feed(fy.blocks[forkHeight:]...)
	if fx.c.Tip().ID != fy.c.Tip().ID {
		t.Fatalf("did not reorganise onto the longer fork")
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fy.blocks)
	if l := fx.ledger(); l.escrow != 0 || l.burned != 3*wire.Unit {
		t.Fatalf("after the reorg: escrow %d, burned %d; want 0 and the disputed amount", l.escrow, l.burned)
	}
	if r := fx.reputation(fx.bob.PubKey()); r.Done != 0 || r.Disputed != 1 {
		t.Fatalf("after the reorg bob's record is %+v, want only the dispute", r)
	}

	// A grows past B: back again.
	for len(fa.blocks) <= len(fy.blocks) {
		fa.mine(mktMiner(fa))
	}
	fx.feed(fa.blocks[lenA:]...)
	if fx.c.Tip().ID != fa.c.Tip().ID {
		t.Fatalf("did not reorganise back")
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fa.blocks)
	if r := fx.reputation(fx.bob.PubKey()); r.Done != 1 || r.Disputed != 0 {
		t.Fatalf("after reorganising back bob's record is %+v, want one done", r)
	}
	if l := fx.ledger(); l.escrow != 0 || l.burned != 0 {
		t.Fatalf("after reorganising back: escrow %d, burned %d; want 0 and 0", l.escrow, l.burned)
	}
}

// TestMarketConservesCoinsAcrossRandomSequences plays random market and
// relay transactions, valid or not, among four keys and three relays
// (bounties with 0–2 hops, registers, leaves, countersigns with the right
// or a wrong result, misses), and after every block checks that balances +
// immature + escrow + burned equal what was minted, that the escrow equals
// what the unclosed bounties and the relays hold, that no relay holds a
// negative number of slots, and that a closed bounty never reopens. It
// ends with a replay of the chain.
func TestMarketConservesCoinsAcrossRandomSequences(t *testing.T) {
	for seed := int64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			playMarket(t, seed, 80)
		})
	}
}

func playMarket(t *testing.T, seed int64, blocks int) {
	rng := rand.New(rand.NewSource(seed))
	fx := newFixture(t, nil)
	fundMarket(fx)
	fx.mine(mktMiner(fx), fx.transfer(fx.alice, fx.dave.PubKey(), 20*wire.Unit, -1))
	rn := newRelayNet(fx, 3)
	keys := []wire.PrivKey{fx.alice, fx.bob, fx.carol, fx.dave}
	keys = append(keys, rn.keys...)
	byPub := map[wire.PubKey]wire.PrivKey{}
	for _, k := range keys {
		byPub[k.PubKey()] = k
	}
	start, startHeight := fx.ledger(), fx.height()
	var ids []wire.Hash
	closed := map[wire.Hash]bool{}
	rejected := map[string]int{}
	pick := func() wire.PrivKey { return keys[rng.Intn(len(keys))] }
	for i := 0; i < blocks; i++ {
		var txs []*wire.Tx
		used := map[wire.PubKey]bool{}
		for j := rng.Intn(4); j > 0; j-- {
			k := pick()
			var body wire.Body
			var b *state.Bounty
			if len(ids) > 0 {
				id := ids[rng.Intn(len(ids))]
				fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
					b, _ = state.GetBounty(tx, id)
					return nil
				})
				if b == nil { // funded in a block the template left it out of
					b = &state.Bounty{ID: id, State: state.BountyOpen}
				}
			}
			// Mostly the move the bounty's state calls for, by the party
			// whose move it is; sometimes anything by anyone.
			role := func(pk wire.PubKey) wire.PrivKey {
				for _, c := range keys {
					if c.PubKey() == pk && rng.Intn(5) > 0 {
						return c
					}
				}
				return k
			}
			op := rng.Intn(11)
			if rng.Intn(6) == 0 {
				op = 0 // a steady supply of new bounties
			} else if b != nil && rng.Intn(4) > 0 {
				switch b.State {
				case state.BountyOpen:
					op = 1
					if !b.Worker.IsZero() {
						k = role(b.Worker)
					}
				case state.BountyAccepted:
					op, k = 2, role(b.Worker)
				case state.BountyCommitted:
					op = 3 + rng.Intn(2)
					if op == 4 || rng.Intn(2) == 0 {
						k = role(b.Requester)
					} else {
						k = role(b.Worker)
					}
					if b.Hops > 0 && rng.Intn(3) > 0 {
						op = 8 // mostly the next relay's countersign
					}
				}
				if b.State <= state.BountyAccepted && fx.height()+1 >= b.Deadline {
					op = 5
				}
			}
			// A countersign is signed by the slot's relay, mostly.
			var slot uint8
			if op == 8 || op == 9 {
				if b == nil || len(b.Slots) == 0 {
					op = 10
				} else {
					s := b.Slots[rng.Intn(len(b.Slots))]
					slot = s.N
					if r, ok := byPub[s.Relay]; ok && op == 8 && rng.Intn(5) > 0 {
						k = r
					}
				}
			}
			if used[k.PubKey()] {
				continue
			}
			switch {
			case op == 0 || b == nil:
				var worker wire.PubKey
				if rng.Intn(2) == 0 {
					worker = pick().PubKey()
				}
				body = wire.Bounty{Request: wire.Sum([]byte{byte(i), byte(j)}), Amount: uint64(1+rng.Intn(5)) * wire.Unit,
					Deadline: fx.height() + 1 + fx.p.MinBountyBlocks + uint64(rng.Intn(24)), Worker: worker, Hops: uint8(rng.Intn(3))}
			case op == 1:
				stake := fx.p.MinStake(5 * wire.Unit)
				if rng.Intn(6) == 0 {
					stake = 1
				}
				body = wire.Accept{Bounty: b.ID, Stake: stake, Promised: uint32(1 + rng.Intn(2))}
			case op == 2:
				result := rightResult
				if rng.Intn(4) == 0 {
					result = wrongResult
				}
				body = wire.Commit{Bounty: b.ID, Envelope: wire.Sum([]byte{byte(i)}), Result: result}
			case op == 3:
				body = wire.Settle{Bounty: b.ID}
			case op == 4:
				body = wire.Dispute{Bounty: b.ID}
			case op == 5:
				body = wire.Refund{Bounty: b.ID}
			case op == 6:
				stake := []uint64{0, fx.p.RelayMinStake - 1, fx.p.RelayMinStake}[rng.Intn(3)]
				body = wire.RelayRegister{Stake: stake, Caps: uint32(rng.Intn(2))}
			case op == 7:
				body = wire.RelayLeave{}
			case op == 8:
				result := rightResult
				if rng.Intn(4) == 0 {
					result = wrongResult
				}
				body = wire.Countersign{Bounty: b.ID, Slot: slot, Result: result, Envelope: wire.Sum([]byte{byte(i), slot})}
			case op == 9:
				body = wire.RelayMiss{Bounty: b.ID, Slot: slot}
			default:
				body = wire.Transfer{To: pick().PubKey(), Amount: wire.Unit}
			}
			used[k.PubKey()] = true
			tx := fx.tx(k, body, -1)
			if _, ok := body.(wire.Bounty); ok {
				ids = append(ids, tx.ID())
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
		fx.blocks = append(fx.blocks, tmpl.Block)

		l := fx.ledger()
		var minted uint64
		for h := startHeight + 1; h <= fx.height(); h++ {
			minted += fx.p.Reward(h)
		}
		if l.held+l.escrow+l.burned != start.held+start.escrow+start.burned+minted {
			t.Fatalf("block %d: held %d + escrow %d + burned %d != %d + %d minted", i, l.held, l.escrow, l.burned, start.held, minted)
		}
		held := fx.relayStakes()
		active := map[wire.PubKey]uint32{}
		err = fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
			if err := state.ForEachRelay(tx, func(r *state.Relay) error {
				active[r.Key] = r.Active
				return nil
			}); err != nil {
				return err
			}
			return state.ForEachBounty(tx, func(b *state.Bounty) error {
				// Slot holds a relay counts: the current lineup, and the
				// jury while a contest is open.
				if !b.State.Closed() {
					for n := 0; n < int(b.Hops)+consensus.MaxJury && n < 256; n++ {
						s, ok := b.CurrentSlot(uint8(n))
						if !ok || (s.State != state.SlotDrawn && s.State != state.SlotCountersigned) {
							continue
						}
						if n >= int(b.Hops) && b.Contest != state.ContestOpen {
							continue
						}
						active[s.Relay]--
					}
				}
				if closed[b.ID] && !b.State.Closed() {
					return fmt.Errorf("bounty %s reopened as %s", b.ID.Short(), b.State)
				}
				closed[b.ID] = b.State.Closed()
				switch b.State {
				case state.BountyOpen:
					held += b.Amount
				case state.BountyAccepted, state.BountyCommitted:
					held += b.Amount + b.Stake
				}
				return nil
			})
		})
		if err != nil {
			t.Fatalf("block %d: %v", i, err)
		}
		if held != l.escrow {
			t.Fatalf("block %d: unclosed bounties and relays hold %d, escrow is %d", i, held, l.escrow)
		}
		for pk, n := range active {
			if n != 0 {
				t.Fatalf("block %d: relay %s counts %d more slots than the bounties give it", i, pk, int32(n))
			}
		}
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
	states := map[state.BountyState]int{}
	fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		return state.ForEachBounty(tx, func(b *state.Bounty) error { states[b.State]++; return nil })
	})
	var relayed, lineups int
	fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		return state.ForEachBounty(tx, func(b *state.Bounty) error {
			if len(b.Slots) > 0 {
				lineups++
			}
			if b.Contest != state.ContestNone {
				relayed++
			}
			return nil
		})
	})
	t.Logf("bounties by state: %v; with lineups %d, contested %d; refused: %v", states, lineups, relayed, rejected)
}
