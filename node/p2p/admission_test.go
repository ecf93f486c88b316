package p2p_test

import (
	"context"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/harness"
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
