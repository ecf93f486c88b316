package pool

import (
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

// After a download no member served, the members to claim silent are
// those that did not refuse in writing, never the redeemer itself.
func TestSilentMembersLeaveOutRefusersAndTheRedeemer(t *testing.T) {
	a, b, c, me := key(t, 1).PubKey(), key(t, 2).PubKey(), key(t, 3).PubKey(), key(t, 4).PubKey()
	info := &node.PoolInfo{Members: []node.PoolMemberInfo{{PubKey: hexKey(a)}, {PubKey: hexKey(b)}, {PubKey: hexKey(me)}, {PubKey: hexKey(c)}}}
	got := SilentMembers(info, me, []Refusal{{Member: b}})
	if len(got) != 2 || got[0] != a || got[1] != c {
		t.Fatalf("silent members %x, want a and c", got)
	}
	if got := SilentMembers(info, me, []Refusal{{Member: a}, {Member: b}, {Member: c}}); len(got) != 0 {
		t.Fatalf("every other member refused, yet %d claimed", len(got))
	}
	if got := SilentMembers(&node.PoolInfo{Members: []node.PoolMemberInfo{{PubKey: "zz"}}}, wire.PubKey{}, nil); len(got) != 0 {
		t.Fatalf("a malformed key was claimed: %x", got)
	}
}
