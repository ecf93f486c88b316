package harness

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// TestScriptedWritesAgree is the keyspaces' consensus check: two
// networked nodes take turns mining blocks full of randomized writes
// against the three example scripts (pay-to-write, microblog, game), some
// allowed and some refused, and must agree on every block: same tip, same
// state root, and flat state equal to the committed roots on both.
func TestScriptedWritesAgree(t *testing.T) {
	const rounds = 130 // × 4 writers = 520 writes
	h := New(t)
	a, b := h.NewNode("a"), h.NewNode("b")
	h.Connect(a, b)
	p := h.Params()
	rng := rand.New(rand.NewPCG(1, 2))

	a.Mine(int(p.CoinbaseMaturity) + 3)
	h.WaitForTip(10*time.Second, a, b)

	send := func(n *Node, k wire.PrivKey, body wire.Body) error {
		nonce, err := n.Mempool().NextNonce(k.PubKey())
		if err != nil {
			return err
		}
		tx := wire.NewTx(wire.RootChain, body, nonce, 0)
		p.SetMinFee(tx)
		tx.Sign(p.Net, k)
		_, err = n.AddTx(tx)
		return err
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	settle := func(miner *Node) {
		t.Helper()
		miner.Mine(1)
		h.WaitForTip(10*time.Second, a, b)
	}
	addr := func(k wire.PrivKey) string { return wire.EncodeAddress(p.Net, k.PubKey()) }

	writers := []wire.PrivKey{KeyFor("w0"), KeyFor("w1"), KeyFor("w2"), KeyFor("w3")}
	for _, w := range writers {
		must(send(a, a.Key, wire.Transfer{To: w.PubKey(), Amount: 5 * wire.Unit}))
	}
	src := func(name string) []byte {
		s, err := os.ReadFile("../../examples/keyspaces/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pay := string(src("pay-to-write.js"))
	payee := strings.SplitN(strings.SplitN(pay, "const PAYEE = '", 2)[1], "'", 2)[0]
	pay = strings.Replace(pay, payee, addr(a.Key), 1)
	for name, s := range map[string][]byte{"shopping": []byte(pay), "microblog": src("microblog.js"), "gameworld": src("game.js")} {
		must(send(a, a.Key, wire.KeyspaceBuy{Name: name, Script: s, MaxPrice: state.KeyspacePrice(name)}))
	}
	settle(a)
	// w0 and w1 pay for the shop; w0, w1 and w2 register handles; w3 never
	// does either.
	for i, w := range writers[:3] {
		if i < 2 {
			must(send(b, w, wire.Transfer{To: a.Key.PubKey(), Amount: wire.Unit}))
		}
		must(send(b, w, wire.KeyspaceBuy{Name: fmt.Sprintf("microblog/w%d", i), MaxPrice: wire.Unit}))
	}
	settle(b)

	type pos struct {
		x, y float64
		t    int64
	}
	players := map[int]*pos{}
	allowed, refused := 0, 0
	for r := 0; r < rounds; r++ {
		miner := []*Node{a, b}[rng.IntN(2)]
		tipTime := miner.Chain().Tip().Time
		for i, w := range writers {
			var body wire.Put
			switch rng.IntN(3) {
			case 0:
				body = wire.Put{Key: fmt.Sprintf("shopping/%d/%d", i, r), Value: []byte("an order")}
			case 1:
				handle := rng.IntN(4) // w3's handle is never registered
				body = wire.Put{Key: fmt.Sprintf("microblog/w%d/p%d", handle, r), Value: []byte(strings.Repeat("x", 100+rng.IntN(60)))}
			default:
				cur := players[i]
				next := pos{t: tipTime - 1000}
				if cur != nil {
					next = *cur
					next.t = cur.t + 100
					step := rng.Float64() * 1.5 // the limit is 1 unit per 100 ms
					next.x += step
				}
				v := fmt.Sprintf(`{"x":%g,"y":%g,"t":%d,"owner":"%s"}`, next.x, next.y, next.t, addr(w))
				body = wire.Put{Key: fmt.Sprintf("gameworld/players/w%d", i), Value: []byte(v)}
				if err := send(miner, w, body); err == nil {
					players[i] = &next
					allowed++
				} else {
					refused++
					requireRefusal(t, err)
				}
				continue
			}
			if err := send(miner, w, body); err == nil {
				allowed++
			} else {
				refused++
				requireRefusal(t, err)
			}
		}
		settle(miner)
	}
	t.Logf("%d writes: %d allowed, %d refused by scripts; %d blocks", allowed+refused, allowed, refused, a.Chain().Tip().Height)
	if allowed+refused < 500 || allowed < 100 || refused < 100 {
		t.Fatalf("want ≥ 500 writes with both outcomes common: %d allowed, %d refused", allowed, refused)
	}
	if a.Mempool().Len() != 0 || b.Mempool().Len() != 0 {
		t.Fatalf("admitted writes left unmined: %d on a, %d on b", a.Mempool().Len(), b.Mempool().Len())
	}
	ra, rb := flatRoots(t, a), flatRoots(t, b)
	if ra != rb || ra.StateRoot() != a.Chain().Tip().StateRoot {
		t.Fatalf("state differs: a %x, b %x, tip header %x", ra.StateRoot(), rb.StateRoot(), a.Chain().Tip().StateRoot)
	}
}

// requireRefusal fails unless err is a script or keyspace refusal (a rule
// error), not a failure of the machinery.
func requireRefusal(t *testing.T, err error) {
	t.Helper()
	switch consensus.CodeOf(err) {
	case consensus.ErrScriptRejected, consensus.ErrNoKeyspace:
	default:
		t.Fatalf("write failed for another reason: %v", err)
	}
}

func flatRoots(t *testing.T, n *Node) state.Roots {
	t.Helper()
	var r state.Roots
	err := n.DB().View(func(tx *bbolt.Tx) error {
		var err error
		r, err = state.RootsFromFlat(tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReorgReturnsScriptedWrites: a node whose block with writes (into
// public/ and a scripted keyspace) is orphaned by a heavier fork gets the
// writes back and confirms them again. The writes' return runs inside the
// chain's disconnect hook: this once deadlocked when admission asked the
// chain to run access checks.
func TestReorgReturnsScriptedWrites(t *testing.T) {
	h := New(t)
	a, b := h.NewNode("a"), h.NewNode("b")
	h.Connect(a, b)
	p := h.Params()
	a.Mine(int(p.CoinbaseMaturity) + 2)
	h.WaitForTip(10*time.Second, a, b)
	buy := wire.NewTx(wire.RootChain, wire.KeyspaceBuy{Name: "openspace", Script: []byte("function validate() { return true; }"), MaxPrice: wire.Unit}, 0, 0)
	p.SetMinFee(buy)
	buy.Sign(p.Net, a.Key)
	if _, err := a.AddTx(buy); err != nil {
		t.Fatal(err)
	}
	a.Mine(1)
	h.WaitForTip(10*time.Second, a, b)

	h.Partition([]*Node{a}, []*Node{b})
	ids := []wire.Hash{}
	for _, k := range []string{"public/r1", "openspace/r2"} {
		id, err := a.Put(k, "v")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	a.Mine(1)
	b.Mine(3)
	h.Heal()
	h.WaitForTip(20*time.Second, a, b)
	for _, id := range ids {
		if !a.Mempool().Has(id) {
			t.Fatalf("write %s did not return to the mempool after the reorg", id.Short())
		}
	}
	a.Mine(1)
	for _, id := range ids {
		if err := a.WaitConfirmed(id, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
}
