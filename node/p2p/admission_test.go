package p2p_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
)

// TestNonceGapFloodBansTheSender: a peer that floods correctly signed
// transactions from a funded key, each with a nonce far ahead of the
// sender's, costs the node a nonce check each and is charged for them
// until it is banned; the honest peer is not.
func TestNonceGapFloodBansTheSender(t *testing.T) {
	h := harness.New(t)
	alice, bob := h.NewNode("alice"), h.NewNode("bob")
	alice.Mine(int(h.Params().CoinbaseMaturity) + 2)
	h.Connect(alice, bob)
	h.WaitForTip(10*time.Second, alice, bob)
	spam := h.NewJunk()
	if err := spam.Connect(alice); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sent := 0
	deadline := time.Now().Add(2 * time.Minute) // a generous cap: the ban is the event waited on
	for !alice.Host.Banned(spam.Host.ID()) {
		if time.Now().After(deadline) {
			t.Fatalf("alice did not ban a peer that sent %d nonce-gap transactions; peers %+v", sent, alice.Host.Peers())
		}
		tx := h.NewPut(alice.Key, 1000+uint64(sent), "public/gap", []byte("never applicable"))
		if spam.Txs.Publish(ctx, tx.Encode()) == nil {
			sent++
		}
		if sent%50 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	t.Logf("banned after %d nonce-gap transactions; bans %+v", sent, alice.Host.Bans())
	if alice.Host.Banned(bob.ID()) || bob.Host.Banned(alice.ID()) {
		t.Fatal("honest peers banned each other")
	}
}

// TestScriptRefusalsCostMore: transactions that pass the nonce, balance and
// signature checks and are then refused by an access script cost the
// sender ten times what a cheap refusal does, so 60 of them (well inside
// the free allowance of 100 cheap ones) get it banned.
func TestScriptRefusalsCostMore(t *testing.T) {
	h := harness.New(t)
	alice := h.NewNode("alice")
	p := h.Params()
	alice.Mine(int(p.CoinbaseMaturity) + 2)
	buy := wire.NewTx(wire.RootChain, wire.KeyspaceBuy{Name: "closedspace", Script: []byte("function validate(write, ctx) { throw 'closed'; }"),
		MaxPrice: state.KeyspacePrice("closedspace")}, nextNonce(t, alice, alice.Key), 0)
	p.SetMinFee(buy)
	buy.Sign(p.Net, alice.Key)
	if _, err := alice.AddTx(buy); err != nil {
		t.Fatal(err)
	}
	alice.Mine(1)
	spam := h.NewJunk()
	if err := spam.Connect(alice); err != nil {
		t.Fatal(err)
	}
	nonce := nextNonce(t, alice, alice.Key)
	ignored := alice.Host.Stats().GossipIgnored
	const n = 60
	for i := 0; i < n; i++ {
		tx := h.NewPut(alice.Key, nonce, fmt.Sprintf("closedspace/%d", i), []byte("refused by the script"))
		if err := spam.Txs.Publish(context.Background(), tx.Encode()); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(2 * time.Minute) // waits on the ban or on every tx being judged
	for !alice.Host.Banned(spam.Host.ID()) && alice.Host.Stats().GossipIgnored-ignored < n {
		if time.Now().After(deadline) {
			t.Fatalf("alice judged %d of %d transactions", alice.Host.Stats().GossipIgnored-ignored, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A charge is made before the transaction is counted as judged.
	if !alice.Host.Banned(spam.Host.ID()) {
		t.Fatalf("%d script refusals did not get the sender banned; peers %+v", n, alice.Host.Peers())
	}
}

// TestStaleRefusalsAreNotCharged: a peer relaying transactions that fail
// only against this node's tip — here 300 replays of a nonce a block
// already used, what a rebroadcast round crossing a block offers — is
// not charged for them (an honest node under tip skew would otherwise be
// banned past the free allowance of 100); a transaction with a bad
// signature from the same peer still bans it at once.
func TestStaleRefusalsAreNotCharged(t *testing.T) {
	h := harness.New(t)
	alice := h.NewNode("alice")
	alice.Mine(int(h.Params().CoinbaseMaturity) + 2)
	used := nextNonce(t, alice, alice.Key)
	first := h.NewPut(alice.Key, used, "public/stale", []byte("mined"))
	if _, err := alice.AddTx(first); err != nil {
		t.Fatal(err)
	}
	alice.Mine(1)
	peer := h.NewJunk()
	if err := peer.Connect(alice); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ignored := alice.Host.Stats().GossipIgnored
	const n = 300
	for i := 0; i < n; i++ {
		tx := h.NewPut(alice.Key, used, fmt.Sprintf("public/stale/%d", i), []byte("its nonce is used"))
		if err := peer.Txs.Publish(ctx, tx.Encode()); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(2 * time.Minute) // waits on every tx being judged
	for alice.Host.Stats().GossipIgnored-ignored < n {
		if alice.Host.Banned(peer.Host.ID()) {
			t.Fatalf("banned after %d stale refusals: %+v", alice.Host.Stats().GossipIgnored-ignored, alice.Host.Bans())
		}
		if time.Now().After(deadline) {
			t.Fatalf("alice judged %d of %d transactions", alice.Host.Stats().GossipIgnored-ignored, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if alice.Host.Banned(peer.Host.ID()) {
		t.Fatalf("%d stale refusals got the relaying peer banned: %+v", n, alice.Host.Bans())
	}
	bad := h.NewPut(alice.Key, used+1, "public/stale/forged", []byte("signature broken"))
	bad.Sig[0] ^= 1
	if err := peer.Txs.Publish(ctx, bad.Encode()); err != nil {
		t.Fatal(err)
	}
	for !alice.Host.Banned(peer.Host.ID()) {
		if time.Now().After(deadline) {
			t.Fatal("a transaction with a bad signature did not get its relayer banned")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
