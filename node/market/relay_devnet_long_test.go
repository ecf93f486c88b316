//go:build long

package market_test

import (
	"context"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
)

// The relay acceptance tests run the cheap upper-case transform, not 1 MP
// images: what they check is the envelope chain and the chain's rules,
// which do not depend on the work's size.

// TestDevnetOfSixSettlesHopsOneAndTwo: requester, worker, three relays
// and a bystander; a hops-1 and a hops-2 row settle with the exact split
// and every node reads the same reputation.
func TestDevnetOfSixSettlesHopsOneAndTwo(t *testing.T) {
	r := newRelayNet(t, 3, false, false)
	for _, hops := range []int{1, 2} {
		q, row := r.hopRow(hops)
		id := r.fund(q, row)
		r.settleHops(id, hops)
	}
	ctx := context.Background()
	var relayed uint64
	for _, n := range r.relays {
		rep, err := r.by.API.Reputation(ctx, wire.EncodeAddress(r.h.Params().Net, n.Key.PubKey()))
		if err != nil {
			t.Fatal(err)
		}
		relayed += rep.Relayed
	}
	if relayed != 3 {
		t.Fatalf("the relays countersigned %d paid slots, want 1 + 2", relayed)
	}
}

// runCheat funds one bounty of the cheating worker at hops and mines
// until the chain decides; it returns the bounty as decided.
func (r *relayNet) runCheat(price uint64, request wire.Hash, hops int) wire.Hash {
	r.t.Helper()
	h0 := r.by.Chain().Tip().Height
	id := r.send(r.req, plan.Bounty{Request: request, Amount: price, Deadline: h0 + 60, Worker: r.work.Key.PubKey(), Hops: uint8(hops)})
	for range 60 {
		if r.state(id) != "" && r.bounty(id).Contest == market.ContestWorkerWrong {
			return id
		}
		r.mine(1)
	}
	b := r.bounty(id)
	r.t.Fatalf("the contest is not decided after 60 blocks: bounty %s contest %q lineup %+v jury %+v", b.State, b.Contest, b.Lineup, b.Jury)
	return id
}

// TestDevnetCheatingWorkerIsCaughtEveryRun: a worker returning a wrong
// result is caught in 50 of 50 runs (hops 1 and 2 alternating): the
// requester gets the amount back, the worker's lost mark grows by one a
// run and its stake is gone, a catching relay's caught mark grows. Five
// relays: with three, one missed slot at hops 2 used up every relay the
// bounty had not had yet, the contest drew an empty jury and stayed open
// until the deadline (the chain's rule for a jury it cannot fill).
func TestDevnetCheatingWorkerIsCaughtEveryRun(t *testing.T) {
	const runs = 50
	r := newRelayNetOf(t, netSpec{relays: make([]relaySpec, 5), cheating: true})
	ctx := context.Background()
	q, row1 := r.hopRow(1)
	_, row2 := r.hopRow(2)
	net := r.h.Params().Net
	var caught uint64
	for i := range runs {
		hops, row := 1+i%2, row1
		if hops == 2 {
			row = row2
		}
		before := r.balance(r.req)
		wBefore := r.total(wire.EncodeAddress(net, r.work.Key.PubKey()))
		start, h0 := time.Now(), r.by.Chain().Tip().Height
		id := r.runCheat(row.Price, q.Request, hops)
		b := r.bounty(id)
		t.Logf("run %d (hops %d): decided in %d blocks, %v", i, hops, r.by.Chain().Tip().Height-h0, time.Since(start).Round(time.Millisecond))
		if b.State != market.StateDisputed {
			t.Fatalf("run %d: bounty %s after the contest", i, b.State)
		}
		if got := r.balance(r.req); got != before-feeOf(t, r.by, id) {
			t.Fatalf("run %d: requester %d → %d, want only the fee spent", i, before, got)
		}
		// The worker paid its stake (and its fees): it is down at least
		// the stake.
		if w := r.total(wire.EncodeAddress(net, r.work.Key.PubKey())); w+b.Stake > wBefore {
			t.Fatalf("run %d: the worker kept its stake (%d → %d, stake %d)", i, wBefore, w, b.Stake)
		}
		wrep, _ := r.by.API.Reputation(ctx, b.Worker)
		if wrep.Lost != uint64(i+1) {
			t.Fatalf("run %d: worker lost %d", i, wrep.Lost)
		}
		// The catcher is the first lineup entry that countersigned
		// another result than the worker's (the first entry may have been
		// missed and redrawn).
		catcher := ""
		for _, sl := range b.Lineup {
			if sl.State == "countersigned" && sl.Result != b.Result {
				catcher = sl.Relay
				break
			}
		}
		if catcher == "" {
			t.Fatalf("run %d: no lineup relay countersigned another result: lineup %+v", i, b.Lineup)
		}
		crep, _ := r.by.API.Reputation(ctx, catcher)
		if crep.Caught == 0 {
			t.Fatalf("run %d: the catching relay's record %+v", i, crep)
		}
		caught++
	}
	if caught != runs {
		t.Fatalf("caught %d of %d", caught, runs)
	}
	r.sameReputation(r.all()...)
}

// TestDevnetCheatingRelayIsCaughtAtEveryPosition: relay A runs the
// cheating worker's transform, so it countersigns the worker's wrong
// result wherever it is drawn. Runs alternate hops 1 and 2 until A was
// drawn at every position: alone in a one-hop lineup (the last slot: the
// requester's node recomputes and disputes), first of two (the next,
// honest relay catches it) and second of two (the honest first relay
// catches the worker before A is asked). Every run, A drawn or not, ends
// with the jury deciding the worker wrong (four honest relays: a jury
// holds at most one A), and each time A countersigned the wrong result it
// gains a lost mark and loses part of its stake. A tops its stake up to
// ten times the minimum before each run (a cheat with deep pockets), or
// the slashes would soon leave it below the minimum, never drawn again.
func TestDevnetCheatingRelayIsCaughtAtEveryPosition(t *testing.T) {
	const stake = 10
	r := newRelayNetOf(t, netSpec{relays: []relaySpec{{cheat: true, stake: stake}, {}, {}, {}, {}}, cheating: true})
	ctx := context.Background()
	q, row1 := r.hopRow(1)
	_, row2 := r.hopRow(2)
	p := r.h.Params()
	cheat := wire.EncodeAddress(p.Net, r.relays[0].Key.PubKey())
	stakeOf := func() uint64 {
		ri, err := r.by.API.Relay(ctx, cheat)
		if err != nil {
			t.Fatal(err)
		}
		return ri.Stake
	}
	type position struct{ hops, slot int }
	seen := map[position]int{}
	var lost uint64
	for run := 0; len(seen) < 3; run++ {
		if run == 30 {
			t.Fatalf("the cheating relay was drawn at %v only, in 30 runs", seen)
		}
		if s := stakeOf(); s < stake*p.RelayMinStake {
			r.send(r.relays[0], plan.RelayRegister{Fee: 1, Stake: stake*p.RelayMinStake - s, Caps: 1})
			r.mineUntil(5, "the cheat's top-up is mined", func() bool { return stakeOf() == stake*p.RelayMinStake })
		}
		stake0 := stakeOf()
		hops, row := 1+run%2, row1
		if hops == 2 {
			row = row2
		}
		start, h0 := time.Now(), r.by.Chain().Tip().Height
		id := r.runCheat(row.Price, q.Request, hops)
		b := r.bounty(id)
		if b.State != market.StateDisputed {
			t.Fatalf("run %d: bounty %s after the contest", run, b.State)
		}
		at, signed := -1, false
		for _, sl := range b.Lineup {
			if sl.Relay == cheat {
				at = sl.Slot
				signed = sl.State == "countersigned" && sl.Result == b.Result
			}
		}
		t.Logf("run %d (hops %d): A at slot %d (countersigned the wrong result: %v), decided in %d blocks, %v", run, hops, at, signed,
			r.by.Chain().Tip().Height-h0, time.Since(start).Round(time.Millisecond))
		if at >= 0 {
			seen[position{hops, at}]++
		}
		rep, _ := r.by.API.Reputation(ctx, cheat)
		if signed {
			lost++
			if s := stakeOf(); s >= stake0 {
				t.Fatalf("run %d: the cheating relay countersigned a wrong result and kept its stake %d", run, s)
			}
		}
		if rep.Lost != lost {
			t.Fatalf("run %d: the cheating relay countersigned a wrong result %d times and has %d lost marks", run, lost, rep.Lost)
		}
	}
	t.Logf("A drawn at %v; it countersigned the wrong result %d times", seen, lost)
	r.sameReputation(r.all()...)
}

// TestDevnetSilentRelayIsReplaced: relay A registered with most of the
// stake but never relays; when the draw picks it, its slot is reported
// missed after the relay window, redrawn, and the job settles before its
// deadline with the replacement's countersign.
func TestDevnetSilentRelayIsReplaced(t *testing.T) {
	r := newRelayNetOf(t, netSpec{relays: []relaySpec{{silent: true, stake: 20}, {}, {}}})
	ctx := context.Background()
	q, row := r.hopRow(1)
	silent := wire.EncodeAddress(r.h.Params().Net, r.relays[0].Key.PubKey())
	for run := 0; ; run++ {
		if run == 10 {
			t.Fatal("the silent relay was never drawn in 10 runs")
		}
		id := r.fund(q, row)
		r.mineUntil(5, "the lineup is drawn", func() bool { return r.state(id) != "" && r.bounty(id).Drawn != 0 })
		if r.bounty(id).Lineup[0].Relay != silent {
			r.settleHops(id, 1)
			continue
		}
		r.settleHops(id, 1)
		b := r.bounty(id)
		if b.Closed >= b.Deadline {
			t.Fatalf("settled at %d, deadline %d", b.Closed, b.Deadline)
		}
		if b.Lineup[0].State != "missed" || len(b.Lineup) < 2 {
			t.Fatalf("the silent relay's entry %+v", b.Lineup)
		}
		rep, _ := r.by.API.Reputation(ctx, silent)
		if rep.Missed == 0 {
			t.Fatalf("the silent relay's record %+v", rep)
		}
		r.sameReputation(r.all()...)
		return
	}
}

// TestDevnetRelayPassesOnAfterARestart: the relay restarts while its
// countersign waits to be mined; it still passes on the envelope whose
// hash the transaction carries, and the requester gets the result.
func TestDevnetRelayPassesOnAfterARestart(t *testing.T) {
	r := newRelayNet(t, 1, false, false)
	ctx := context.Background()
	q, row := r.hopRow(1)
	id := r.fund(q, row)
	rel := r.relays[0]
	addr := wire.EncodeAddress(r.h.Params().Net, rel.Key.PubKey())
	// Blocks are mined one by one here, each only after 3 s without the
	// relay's countersign in the miner's pool: the devnet's own mine
	// mines as soon as the pool holds something, and a check between its
	// blocks never saw the countersign pending.
	pending := func() bool {
		a, err := r.by.API.Account(ctx, addr)
		return err == nil && a.Pending > 0 && r.state(id) == market.StateCommitted
	}
	for blocks := 0; ; blocks++ {
		if blocks == 30 {
			t.Fatalf("the relay's countersign never waited in the miner's pool (bystander saw %v)", r.seen)
		}
		for deadline := time.Now().Add(3 * time.Second); !pending() && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		if pending() {
			break
		}
		r.by.Mine(1)
		r.h.WaitForTip(30*time.Second, r.all()...)
		r.watch()
	}
	rel.Restart()
	r.h.ConnectAll()
	r.settleHops(id, 1)
}
