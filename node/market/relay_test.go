package market

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/market/expr"
	"github.com/bitverse/bitverse/node/wire"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
)

func handoffFrom(t testing.TB, key byte, bounty string, expires int64) *Handoff {
	h := &Handoff{Bounty: wire.Sum([]byte(bounty)), Slot: 0, Peer: []byte(testPeer(t, int(key))), Expires: expires}
	h.Sign(wire.Devnet, testKey(t, key))
	return h
}

func TestGossipedHandoffVerdicts(t *testing.T) {
	s := newTestService(t, bountyBook{}, func() time.Time { return time.Unix(now, 0) })
	p := testPeer(t, 3)
	bad := handoffFrom(t, 5, "b", now+60)
	bad.Sig[3] ^= 1
	wrongNet := handoffFrom(t, 5, "b", now+60)
	wrongNet.Net = wire.Mainnet.ID
	wrongNet.Sig = testKey(t, 5).Sign(wrongNet.SigHash())
	badPeer := &Handoff{Bounty: wire.Sum([]byte("b")), Peer: []byte("nobody"), Expires: now + 60}
	badPeer.Sign(wire.Devnet, testKey(t, 5))
	for name, c := range map[string]struct {
		data []byte
		want pubsub.ValidationResult
	}{
		"fresh":         {handoffFrom(t, 5, "b", now+60).Encode(), pubsub.ValidationAccept},
		"expired":       {handoffFrom(t, 5, "b", now).Encode(), pubsub.ValidationIgnore},
		"too far ahead": {handoffFrom(t, 5, "b", now+MaxTTL+1).Encode(), pubsub.ValidationIgnore},
		"bad signature": {bad.Encode(), pubsub.ValidationReject},
		"wrong network": {wrongNet.Encode(), pubsub.ValidationReject},
		"bad peer":      {badPeer.Encode(), pubsub.ValidationReject},
		"garbage":       {[]byte("garbage"), pubsub.ValidationReject},
		"oversize":      {make([]byte, MaxHandoffSize+1), pubsub.ValidationReject},
	} {
		if got := s.validateHandoff(p, c.data); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}

// Handoffs are rate limited per peer, and a node keeps a bounded number
// of holders per bounty and of bounties.
func TestHandoffsAreRateLimitedAndBounded(t *testing.T) {
	at := time.Unix(now, 0)
	s := newTestService(t, bountyBook{}, func() time.Time { return at })
	flooder := testPeer(t, 1)
	accepted := 0
	for i := range handoffBurst + 10 {
		if s.validateHandoff(flooder, handoffFrom(t, byte(10+i%50), "b", now+60+int64(i)).Encode()) == pubsub.ValidationAccept {
			accepted++
		}
	}
	if accepted != handoffBurst {
		t.Fatalf("a flooder got %d handoffs through, the burst is %d", accepted, handoffBurst)
	}
	var holders, bounties int
	s.call(context.Background(), func() {
		holders = len(s.st.heard[wire.Sum([]byte("b"))].by)
		for i := range maxHandoffBounties + 10 {
			h := handoffFrom(t, 7, "many"+strings.Repeat("x", i), now+60)
			s.hear(h)
		}
		bounties = len(s.st.heard)
	})
	if holders != maxHolders {
		t.Fatalf("%d holders kept for one bounty, bound %d", holders, maxHolders)
	}
	if bounties != maxHandoffBounties {
		t.Fatalf("%d bounties' handoffs kept, bound %d", bounties, maxHandoffBounties)
	}
}

// A bounty with relays takes its result only with the lineup's
// countersigns: a worker's direct delivery is refused.
func TestDirectDeliveryOfARelayedBountyIsRefused(t *testing.T) {
	worker := testKey(t, 9)
	e := expr.Fetch("public/x")
	value := []byte("the result")
	env := &Envelope{Bounty: wire.Sum([]byte("b1")), Request: e.ID(), Kind: KindString}
	env.Seal(wire.Devnet, worker, value)
	b := &Bounty{ID: env.Bounty, Request: e.ID(), Worker: worker.PubKey(), State: StateCommitted, Envelope: env.Hash(),
		Result: env.Result, Hops: 1, Drawn: 3, Lineup: []Slot{{Slot: 0, Relay: testKey(t, 4).PubKey(), State: SlotDrawn}}}
	s := newTestService(t, bountyBook{bounties: map[wire.Hash]*Bounty{b.ID: b}}, func() time.Time { return time.Unix(now, 0) })
	if err := markQuoted(s.db, e.ID()); err != nil {
		t.Fatal(err)
	}
	if err := s.receive(context.Background(), env, value); err == nil || !strings.Contains(err.Error(), "relays") {
		t.Fatalf("a direct delivery of a relayed bounty: %v", err)
	}
	// A lineup the registry could not fill leaves a zero-hop bounty.
	b.Lineup = nil
	if err := s.receive(context.Background(), env, value); err != nil {
		t.Fatalf("an unfilled lineup's bounty refused its worker's delivery: %v", err)
	}
}
