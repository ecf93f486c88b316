package chain

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// TestPostageAccounting is a property test over random runs of stamps,
// branch writes, branch blocks and root blocks (whose templates checkpoint
// the branches and pay their fees): after every block,
//
//   - no chain has paid out more than was stamped for it, and what it paid
//     or reserved is at most the fees its checkpointed blocks claimed;
//   - every coin is somewhere: the root's balances (spendable and
//     immature) plus every chain's unpaid pool and reserve (checkpointed,
//     not yet matured) equal the block rewards issued so far.
func TestPostageAccounting(t *testing.T) {
	const cases, steps = 25, 40
	var writes, refused int
	var matured uint64
	defer func() {
		t.Logf("%d branch writes mined, %d left out (no credit, or a nonce after one); %d base units of fees paid at maturity",
			writes, refused, matured)
		if writes == 0 || refused == 0 || matured == 0 {
			t.Errorf("the runs never exercised paid writes (%d), refused ones (%d) and matured payouts (%d)", writes, refused, matured)
		}
	}()
	for seed := uint64(1); seed <= cases; seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			tr := newTree(t, 2)
			tr.p.CheckpointMaturity = 3 // payouts mature within the run
			tr.fund()
			// bob gets coins too, so two senders share chains.
			tr.mine("/", tr.rootTx(tr.alice, wire.Transfer{To: tr.bob.PubKey(), Amount: 10 * wire.Unit}))
			senders := []wire.PrivKey{tr.alice, tr.bob}
			branches := wire.TreeChains(2)[1:]
			stamped := map[wire.ChainID]uint64{}
			salt := 0
			for step := 0; step < steps; step++ {
				switch rng.IntN(4) {
				case 0: // stamp a random amount for a random branch
					c := branches[rng.IntN(len(branches))]
					amount := uint64(rng.IntN(5)+1) * wire.Unit / 1000
					k := senders[rng.IntN(2)]
					tr.mine("/", tr.rootTx(k, wire.Stamp{Chain: c, Amount: amount}))
					stamped[c] += amount
				case 1, 2: // a branch block with up to three writes (some without credit)
					c := branches[rng.IntN(len(branches))]
					var txs []*wire.Tx
					k := senders[rng.IntN(2)]
					for i := rng.IntN(4); i > 0; i-- {
						salt++
						key := keyOn(c.String(), salt)
						t := tr.branchPut(k, c.Depth, key, "v")
						t.Nonce += uint64(len(txs))
						tr.p.SetMinFee(t)
						t.Sign(tr.p.Net, k)
						txs = append(txs, t)
					}
					tmpl, err := tr.chain(c.String()).NewTemplate(tr.miner.PubKey(), txs, tr.clk.t.Add(2e9))
					if err != nil {
						t.Fatal(err)
					}
					tr.clk.t = tr.clk.t.Add(2e9)
					solve(tmpl.Block)
					tr.submit(tmpl.Block, Connected)
					writes += len(tmpl.Block.Txs) - 1
					refused += len(txs) - (len(tmpl.Block.Txs) - 1) // left out or rejected
				case 3: // a root block: checkpoints whatever moved
					tr.mine("/")
				}
				checkPostage(t, tr, stamped)
			}
			matured += paidOut(tr, stamped)
		})
	}
}

func checkPostage(t *testing.T, tr *tree, stamped map[wire.ChainID]uint64) {
	t.Helper()
	root := tr.chain("/")
	// Fees claimed by checkpoints on the root's best line, per chain.
	paid := map[wire.ChainID]uint64{}
	tip := root.Tip()
	for h := uint64(1); h <= tip.Height; h++ {
		b, err := root.BlockByHeight(h)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Txs) > 1 {
			if cp, ok := b.Txs[1].Body.(wire.Checkpoint); ok {
				for _, e := range cp.Entries {
					paid[e.Chain] += e.Fees
				}
			}
		}
	}
	var total, pools, issued uint64
	err := root.View(func(tx *bbolt.Tx, tip TipInfo, _ state.Roots) error {
		for _, c := range wire.TreeChains(tr.p.MaxDepth)[1:] {
			_, pool := state.CreditOf(tx, wire.PubKey{}, c)
			reserved := state.ReservedOf(tx, c)
			if pool+reserved > stamped[c] {
				return fmt.Errorf("chain %s: pool %d + reserved %d exceeds the %d stamped", c, pool, reserved, stamped[c])
			}
			if out := stamped[c] - pool; out > paid[c] {
				return fmt.Errorf("chain %s paid or reserved %d, its checkpoints claimed %d", c, out, paid[c])
			}
			pools += pool + reserved
		}
		for h := uint64(1); h <= tip.Height; h++ {
			issued += tr.p.Reward(h)
		}
		return tx.Bucket(store.Accounts).ForEach(func(k, v []byte) error {
			var pk wire.PubKey
			copy(pk[:], k)
			a, err := state.GetAccount(tx, pk)
			total += a.Balance + a.Immature
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if total+pools != issued {
		t.Fatalf("balances %d + pools and reserves %d = %d, but %d was issued", total, pools, total+pools, issued)
	}
}

// paidOut returns what the tree's chains paid their miners so far:
// stamped, minus what is still in the pools and reserves.
func paidOut(tr *tree, stamped map[wire.ChainID]uint64) uint64 {
	var out uint64
	tr.chain("/").View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		for c, s := range stamped {
			_, pool := state.CreditOf(tx, wire.PubKey{}, c)
			out += s - pool - state.ReservedOf(tx, c)
		}
		return nil
	})
	return out
}
