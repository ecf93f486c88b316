package tui

import (
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
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
