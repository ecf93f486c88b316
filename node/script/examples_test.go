package script

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Addresses of the examples: devnet addresses of fixed test keys
// (sha256("bitverse example " + name)).
const (
	payee = "bvd1wxfmac2u3rh5rcn3ld6vrh4p6qfpg9c8dlj2sfx7l85v97ajkg5slfy7ns"
	alice = "bvd1xsjw43887jhanmnqd750ftm3vfgwl8ccxat42k44dtz8g7m84jms30ntju"
	bob   = "bvd1yn4v6j6pa4qqcztl0ah7md6p0x0vn6lp4axc85cg389usxwj0llqxdyv92"
	carol = "bvd14gt8m3fcvdfmjdyp9uv23tckskq9vamjw5an73lacgzcrmy0u3gq9pmrdv"
)

func exampleSource(t testing.TB, name string) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "keyspaces", name))
	if err != nil {
		t.Fatalf("read example: %v", err)
	}
	return src
}

func exampleLedger() *stubLedger {
	return &stubLedger{
		balances: map[string]uint64{alice: 5e8, bob: 1e8},
		paid: map[[2]string]uint64{
			{alice, payee}: 1e8,      // exactly the price
			{bob, payee}:   99999999, // one unit short
			{carol, alice}: 5e8,      // paid the wrong address
		},
		owners: map[string]string{
			"erik/blog/alice": alice,
			"erik/blog/bob":   bob,
		},
	}
}

type exampleCase struct {
	w      Write
	c      Context
	allow  bool
	reason string // substring of the reason when refused
}

func player(x, y float64, t int64, owner string) []byte {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return []byte(`{"x":` + f(x) + `,"y":` + f(y) + `,"t":` + strconv.FormatInt(t, 10) + `,"owner":"` + owner + `"}`)
}

var exampleCases = map[string][]exampleCase{
	"pay-to-write.js": {
		{w: Write{Key: "shop/a", Value: []byte("hi"), Signer: alice}, c: Context{Keyspace: "shop"}, allow: true},
		{w: Write{Key: "shop/b", Value: []byte("hi"), Signer: bob}, c: Context{Keyspace: "shop"}, reason: "has paid 0.99999999 BVS"},
		{w: Write{Key: "shop/c", Value: []byte("hi"), Signer: carol}, c: Context{Keyspace: "shop"}, reason: "costs 1 BVS paid to " + payee},
		{w: Write{Key: "shop/access.js", Value: []byte("new"), Signer: carol, Prev: []byte("old"), PrevExists: true}, c: Context{Keyspace: "shop", Owner: carol}, allow: true},
		{w: Write{Key: "shop/access.js", Value: []byte("new"), Signer: bob}, c: Context{Keyspace: "shop", Owner: carol}, reason: "only the owner of shop may replace its script"},
		{w: Write{Key: "shop/d", Value: nil, Signer: payee}, c: Context{Keyspace: "shop"}, reason: "has paid 0 BVS"},
	},
	"microblog.js": {
		{w: Write{Key: "erik/blog/alice/hello", Value: []byte("Hello, world!"), Signer: alice}, c: Context{Keyspace: "erik/blog"}, allow: true},
		{w: Write{Key: "erik/blog/alice/long", Value: []byte(strings.Repeat("é", 140)), Signer: alice}, c: Context{Keyspace: "erik/blog"}, allow: true},
		{w: Write{Key: "erik/blog/alice/emoji", Value: []byte(strings.Repeat("😀", 140)), Signer: alice}, c: Context{Keyspace: "erik/blog"}, allow: true},
		{w: Write{Key: "erik/blog/alice/toolong", Value: []byte(strings.Repeat("a", 141)), Signer: alice}, c: Context{Keyspace: "erik/blog"}, reason: "at most 140 characters; this one has 141"},
		{w: Write{Key: "erik/blog/alice/huge", Value: []byte(strings.Repeat("a", 60000)), Signer: alice}, c: Context{Keyspace: "erik/blog"}, reason: "this one has 560+"},
		{w: Write{Key: "erik/blog/alice/emoji2", Value: []byte(strings.Repeat("😀", 141)), Signer: alice}, c: Context{Keyspace: "erik/blog"}, reason: "at most 140 characters"},
		{w: Write{Key: "erik/blog/alice/hello", Value: []byte("mine now"), Signer: bob}, c: Context{Keyspace: "erik/blog"}, reason: "@alice belongs to " + alice},
		{w: Write{Key: "erik/blog/dave/hello", Value: []byte("hi"), Signer: carol}, c: Context{Keyspace: "erik/blog"}, reason: "@dave is not registered yet"},
		{w: Write{Key: "erik/blog/dave/access.js", Value: nil, Signer: carol}, c: Context{Keyspace: "erik/blog"}, allow: true},
		{w: Write{Key: "erik/blog/access.js", Value: []byte("new"), Signer: alice}, c: Context{Keyspace: "erik/blog", Owner: alice}, allow: true},
		{w: Write{Key: "erik/blog/access.js", Value: []byte("new"), Signer: bob}, c: Context{Keyspace: "erik/blog", Owner: alice}, reason: "only the owner of erik/blog may replace its script"},
		{w: Write{Key: "erik/blog/alice/access.js", Value: []byte("x"), Signer: carol}, c: Context{Keyspace: "erik/blog"}, reason: "@alice belongs to " + alice},
		{w: Write{Key: "erik/blog/Alice/hello", Value: []byte("hi"), Signer: alice}, c: Context{Keyspace: "erik/blog"}, reason: "a handle may only use"},
		{w: Write{Key: "erik/blog/alice", Value: []byte("hi"), Signer: alice}, c: Context{Keyspace: "erik/blog"}, reason: "keys here look like erik/blog/<handle>/<post>"},
		{w: Write{Key: "erik/blog/alice/a/b", Value: []byte("hi"), Signer: alice}, c: Context{Keyspace: "erik/blog"}, reason: "<handle>/<post>"},
		{w: Write{Key: "erik/blog/alice/bad post", Value: []byte("hi"), Signer: alice}, c: Context{Keyspace: "erik/blog"}, reason: "a post name may only use"},
		{w: Write{Key: "erik/blog/alice/hello", Value: nil, Signer: alice, Prev: []byte("x"), PrevExists: true}, c: Context{Keyspace: "erik/blog"}, allow: true},
		{w: Write{Key: "erik/blog/alice/nothing", Value: nil, Signer: alice}, c: Context{Keyspace: "erik/blog"}, reason: "no post nothing to delete"},
		{w: Write{Key: "other/alice/x", Value: []byte("hi"), Signer: alice}, c: Context{Keyspace: "erik/blog"}, reason: "is not in erik/blog"},
	},
	"game.js": {
		{w: Write{Key: "g/players/ann", Value: player(0, 0, 1000, alice), Signer: alice}, c: Context{Keyspace: "g", Time: 1000}, allow: true},
		{w: Write{Key: "g/players/ann", Value: player(0, 0, 1000, bob), Signer: alice}, c: Context{Keyspace: "g", Time: 1000}, reason: "owned by its creator"},
		{w: Write{Key: "g/players/ann", Value: player(0, 0, 2000, alice), Signer: alice}, c: Context{Keyspace: "g", Time: 1000}, reason: "after this block"},
		// A move of 10 units in one second is the limit; 10.01 is too fast.
		{w: Write{Key: "g/players/ann", Value: player(6, 8, 2000, alice), Signer: alice, Prev: player(0, 0, 1000, alice), PrevExists: true}, c: Context{Keyspace: "g", Time: 2000}, allow: true},
		{w: Write{Key: "g/players/ann", Value: player(6, 8.01, 2000, alice), Signer: alice, Prev: player(0, 0, 1000, alice), PrevExists: true}, c: Context{Keyspace: "g", Time: 2000}, reason: "too fast: moved 10.01 units in 1000 ms; the limit is 10.00"},
		{w: Write{Key: "g/players/ann", Value: player(-5, 0, 1500, alice), Signer: alice, Prev: player(0, 0, 1000, alice), PrevExists: true}, c: Context{Keyspace: "g", Time: 9000}, allow: true},
		{w: Write{Key: "g/players/ann", Value: player(1, 0, 2000, alice), Signer: bob, Prev: player(0, 0, 1000, alice), PrevExists: true}, c: Context{Keyspace: "g", Time: 2000}, reason: "this player belongs to " + alice},
		{w: Write{Key: "g/players/ann", Value: player(1, 0, 2000, bob), Signer: alice, Prev: player(0, 0, 1000, alice), PrevExists: true}, c: Context{Keyspace: "g", Time: 2000}, reason: "cannot change owner"},
		{w: Write{Key: "g/players/ann", Value: player(0, 0, 1000, alice), Signer: alice, Prev: player(0, 0, 1000, alice), PrevExists: true}, c: Context{Keyspace: "g", Time: 2000}, reason: "must be later"},
		{w: Write{Key: "g/players/ann", Value: []byte(`{"x":1}`), Signer: alice}, c: Context{Keyspace: "g", Time: 2000}, reason: "exactly the fields x, y, t and owner"},
		{w: Write{Key: "g/players/ann", Value: []byte(`not json`), Signer: alice}, c: Context{Keyspace: "g", Time: 2000}, reason: "the new state is not JSON"},
		{w: Write{Key: "g/players/ann", Value: player(2e6, 0, 1000, alice), Signer: alice}, c: Context{Keyspace: "g", Time: 2000}, reason: "x must be a number within"},
		{w: Write{Key: "g/players/ann", Value: []byte(`{"x":0,"y":0,"t":1.5,"owner":"a"}`), Signer: alice}, c: Context{Keyspace: "g", Time: 2000}, reason: "t must be a block time"},
		{w: Write{Key: "g/players/Ann!", Value: player(0, 0, 1000, alice), Signer: alice}, c: Context{Keyspace: "g", Time: 2000}, reason: "a player name may only use"},
		{w: Write{Key: "g/board", Value: player(0, 0, 1000, alice), Signer: alice}, c: Context{Keyspace: "g", Time: 2000}, reason: "only g/players/<name> keys exist"},
		{w: Write{Key: "g/access.js", Value: []byte("new"), Signer: alice}, c: Context{Keyspace: "g", Owner: alice}, allow: true},
		{w: Write{Key: "g/access.js", Value: []byte("new"), Signer: bob}, c: Context{Keyspace: "g", Owner: alice}, reason: "only the owner of g may replace its script"},
	},
}

func TestExamples(t *testing.T) {
	ctx := context.Background()
	for _, nr := range bothRunners(t) {
		for name, cases := range exampleCases {
			p, err := Compile(exampleSource(t, name))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for i, tc := range cases {
				l := exampleLedger()
				v, err := nr.r.Validate(ctx, p, tc.w, tc.c, l)
				if err != nil {
					t.Fatalf("%s %s case %d: %v", nr.name, name, i, err)
				}
				if v.Allowed != tc.allow {
					t.Errorf("%s %s case %d: allowed=%v, want %v (%s)", nr.name, name, i, v.Allowed, tc.allow, v.Reason)
					continue
				}
				if !tc.allow && !strings.Contains(v.Reason, tc.reason) {
					t.Errorf("%s %s case %d: reason %q, want it to contain %q", nr.name, name, i, v.Reason, tc.reason)
				}
				if !tc.allow && v.Code != CodeThrew {
					t.Errorf("%s %s case %d: code %v, want %v", nr.name, name, i, v.Code, CodeThrew)
				}
				if v.Fuel == 0 || v.Fuel > FuelPerWrite/10 {
					t.Errorf("%s %s case %d: fuel %d, want a small positive amount", nr.name, name, i, v.Fuel)
				}
			}
		}
	}
}
