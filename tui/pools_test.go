package tui

import (
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

func testPool() node.PoolInfo {
	return node.PoolInfo{ID: wire.Hash{0xab, 0xcd}, Target: node.PoolTarget{Kind: "key", Chain: "/", Key: "public/hello", Size: 5},
		Replicas: 3, Tier: 3, Endowment: 12 * wire.Unit, ExpectedLifetime: 4_321,
		Members: []node.PoolMemberInfo{{Address: testAddr, Tier: 2, Stake: 5 * wire.Unit, Answered: 7, Missed: 1, Earned: wire.Unit / 2}}}
}

// TestDataShowsThePoolsOfAValue: a value kept by an availability pool
// shows the pool under its chain lines: members of replicas, tier,
// endowment left, expected lifetime.
func TestDataShowsThePoolsOfAValue(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 160, 30)
	h.api.mu.Lock()
	h.api.values["public/hello"] = node.ValueRecord{Key: "public/hello", Value: "world", Size: 5, Height: 19, Confirmations: 2, Writer: testAddr}
	h.api.pools = []node.PoolInfo{testPool()}
	h.api.mu.Unlock()
	h.press("5", "o")
	h.typeText("public/hello")
	h.press("enter")
	h.mustSee("world", "pool abcd00000000 · 1/3 members · tier 3 · 12 BVS left · ~4,321 epochs")
	// A block later another member joined: the preview follows.
	h.api.mu.Lock()
	h.api.pools[0].Members = append(h.api.pools[0].Members, node.PoolMemberInfo{Address: "bvd1other", Tier: 3})
	h.api.mu.Unlock()
	h.send(eventMsg{ev: node.Event{Kind: node.EventBlockConnected, Height: 21}, ch: h.api.events})
	h.mustSee("pool abcd00000000 · 2/3 members")
}

// TestDataShowsThePrefixPoolOfAValue: a value under the prefix of a
// prefix pool shows that pool, saying what it keeps.
func TestDataShowsThePrefixPoolOfAValue(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 160, 30)
	p := testPool()
	p.Target.Kind, p.Target.Key = "prefix", "public/"
	h.api.mu.Lock()
	h.api.values["public/hello"] = node.ValueRecord{Key: "public/hello", Value: "world", Size: 5, Height: 19, Confirmations: 2, Writer: testAddr}
	h.api.pools = []node.PoolInfo{p}
	h.api.mu.Unlock()
	h.press("5", "o")
	h.typeText("public/hello")
	h.press("enter")
	h.mustSee("world", "pool abcd00000000 · every key under public/ · 1/3 members · tier 3 · 12 BVS left")
}

// TestMiningShowsPoolsServed: the mining screen lists the pools the
// account is a member of with its record there and what they paid.
func TestMiningShowsPoolsServed(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 120, 44)
	h.api.mu.Lock()
	h.api.pools = []node.PoolInfo{testPool()}
	h.api.mu.Unlock()
	h.press("3")
	h.mustSee("Pools served", "you: tier 2 · stake 5 BVS · answered 7 · missed 1 · earned 0.5 BVS", "earned     0.5 BVS from pools")
}

// TestDataJoinsThePoolOfAValue: J on a value kept by a pool the account
// is not in checks the value against the pool's segment root, shows the
// stake and fee, and on y submits a pool-join; a pool whose segment root
// the value does not match is refused before anything is signed.
func TestDataJoinsThePoolOfAValue(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 160, 30)
	h.api.mu.Lock()
	h.api.accounts[testAddr] = node.AccountInfo{Balance: 100 * wire.Unit, NextNonce: 1}
	h.api.values["public/hello"] = node.ValueRecord{Key: "public/hello", Value: "world", Size: 5, Height: 19, Confirmations: 2, Writer: testAddr}
	good := testPool()
	good.Members = nil
	good.Target.SegmentRoot = wire.SegmentRoot([]byte("world"))
	h.api.pools = []node.PoolInfo{good}
	h.api.mu.Unlock()
	h.exec(h.a.requestBalances())
	h.press("5", "o")
	h.typeText("public/hello")
	h.press("enter")
	h.mustSee("world", "J join its pool")
	h.press("J")
	stake := 10 * h.a.s.params.PoolMinStake
	h.mustSee("Join this pool?", "stake", view.Amount(stake))
	h.press("y")
	h.mustSee("Joining pool abcd00000000")
	tx, err := wire.DecodeTx(h.api.Submitted())
	if err != nil {
		t.Fatal(err)
	}
	if j, ok := tx.Body.(wire.PoolJoin); !ok || j.Pool != good.ID || j.Stake != stake {
		t.Fatalf("submitted %+v", tx.Body)
	}

	// Another value whose pool's segment root is wrong.
	h.api.mu.Lock()
	h.api.values["public/other"] = node.ValueRecord{Key: "public/other", Value: "other", Size: 5, Height: 19, Confirmations: 2, Writer: testAddr}
	bad := good
	bad.ID = wire.Hash{0xee}
	bad.Target.Key = "public/other"
	h.api.pools = append(h.api.pools, bad)
	h.api.sub = nil
	h.api.mu.Unlock()
	h.press("o")
	h.typeText("public/other")
	h.press("enter")
	h.mustSee("other")
	h.press("J")
	h.mustSee("does not match the pool's segment root")
	if h.api.Submitted() != nil {
		t.Fatal("a join was sent for data that does not match")
	}
}
