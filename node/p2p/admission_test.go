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

// TestReofferedNonceGapsAreNotChargedAgain: transactions of one sender that
// arrive out of order (gossip validates them concurrently) wait for the
// nonces before them, and are offered again each time one of those
// arrives. The peer that sent them is charged once per transaction, when
// it arrives, never again for the node's own re-offers: a node receiving
// every other nonce first used to charge the relaying peer quadratically
// and ban an honest relay (seen between honest devnet nodes).
func TestReofferedNonceGapsAreNotChargedAgain(t *testing.T) {
	h := harness.New(t)
	alice := h.NewNode("alice")
	alice.Mine(int(h.Params().CoinbaseMaturity) + 2)
	relay := h.NewJunk()
	if err := relay.Connect(alice); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	base := nextNonce(t, alice, alice.Key)
	const k = 40 // 2k+1 transactions: inside the free allowance of 100 if each is charged once
	txs := make([]*wire.Tx, 2*k+1)
	for i := range txs {
		txs[i] = h.NewPut(alice.Key, base+uint64(i), fmt.Sprintf("public/reorder/%d", i), []byte("out of order"))
	}
	publish := func(i int) {
		t.Helper()
		if err := relay.Txs.Publish(ctx, txs[i].Encode()); err != nil {
			t.Fatal(err)
		}
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Minute) // a generous cap: the condition is the event waited on
		for !ok() {
			if alice.Host.Banned(relay.Host.ID()) {
				t.Fatalf("alice banned a peer relaying valid transactions out of order (waiting for %s): %+v", what, alice.Host.Bans())
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s after 2 min", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	inPool := func(i int) func() bool { return func() bool { return alice.Mempool().Has(txs[i].ID()) } }
	publish(0)
	waitFor("first transaction in the mempool", inPool(0))
	// Every even nonce first: each waits for the odd one before it.
	ignored := alice.Host.Stats().GossipIgnored
	for i := 2; i < len(txs); i += 2 {
		publish(i)
	}
	waitFor("judgement of the even nonces", func() bool { return alice.Host.Stats().GossipIgnored-ignored >= k })
	// Then the odd ones, in order: each releases one even one, and the
	// rest wait again.
	for i := 1; i < len(txs); i += 2 {
		publish(i)
		waitFor(fmt.Sprintf("nonce %d in the mempool", i+1), inPool(i+1))
	}
	if alice.Host.Banned(relay.Host.ID()) {
		t.Fatalf("alice banned the relay: %+v", alice.Host.Bans())
	}
}
