package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

// face is one way of reaching a node: in process, or through its local API.
type face struct {
	name string
	n    *harness.Node // to mine with: blocks are not an API matter
	api  node.API
}

// behaviour is one thing a user does; what it returns (or the kind of
// error) must be the same whichever face it runs against.
type behaviour struct {
	name string
	do   func(ctx context.Context, f face) (any, error)
}

// TestBehavioursSameInProcessAndOverLocalAPI runs one suite of behaviours
// — status, send, put and get with proof, keyspace buy, tree, blocks and
// writes on a branch, and the refusals — against an in-process node and
// against another node's local API client. The two nodes start from the
// same genesis with the same key and are fed the same transactions, so
// every answer, block hashes included, must be identical.
func TestBehavioursSameInProcessAndOverLocalAPI(t *testing.T) {
	h := harness.New(t)
	p := h.Params()
	key := harness.KeyFor("shared")
	branchKey := "public/branch-note"
	branch := wire.ForPath(wire.KeyPath(branchKey), 1)
	sibling := branch.Parent().Child(1 - branch.Bits&1)
	// Both store the root and branch in full, sibling as headers only.
	inproc := h.NewNode("inproc", harness.NoNetwork(), harness.WithKey(key), harness.Follow(branch))
	remote := h.NewNode("remote", harness.NoNetwork(), harness.WithKey(key), harness.Follow(branch))
	faces := []face{{"in-process", inproc, inproc.Node}, {"local API", remote, remote.API}}

	me := wire.EncodeAddress(p.Net, key.PubKey())
	bob := harness.KeyFor("bob")

	// submit signs body from key through the face's API, with the next
	// nonce the face reports for the chain.
	submit := func(ctx context.Context, f face, c wire.ChainID, body wire.Body, nonce uint64) (wire.Hash, error) {
		tx := wire.NewTx(c, body, nonce, 0)
		p.SetMinFee(tx)
		tx.Sign(p.Net, key)
		return f.api.SubmitTx(ctx, tx.Encode())
	}
	rootNonce := func(ctx context.Context, f face) (uint64, error) {
		a, err := f.api.Account(ctx, me)
		return a.NextNonce, err
	}
	script := []byte("function validate(write, ctx) { return write.signer === ctx.owner; }\n")
	var branchNonce = map[string]uint64{}

	suite := []behaviour{
		{"mature rewards, then status", func(ctx context.Context, f face) (any, error) {
			f.n.Mine(int(p.CoinbaseMaturity) + 3)
			st, err := f.api.Status(ctx)
			st.DataDir = "" // the one field that must differ
			return st, err
		}},
		{"send", func(ctx context.Context, f face) (any, error) {
			nonce, err := rootNonce(ctx, f)
			if err != nil {
				return nil, err
			}
			id, err := submit(ctx, f, wire.RootChain, wire.Transfer{To: bob.PubKey(), Amount: 3 * wire.Unit}, nonce)
			if err != nil {
				return nil, err
			}
			pending, err := f.api.Tx(ctx, id)
			if err != nil {
				return nil, err
			}
			f.n.Mine(1)
			tx, err := f.api.Tx(ctx, id)
			if err != nil {
				return nil, err
			}
			acct, err := f.api.Account(ctx, wire.EncodeAddress(p.Net, bob.PubKey()))
			return []any{pending, tx, acct}, err
		}},
		{"put, get with proof and history", func(ctx context.Context, f face) (any, error) {
			nonce, err := rootNonce(ctx, f)
			if err != nil {
				return nil, err
			}
			if _, err := submit(ctx, f, wire.RootChain, wire.Put{Key: "public/hello", Value: []byte("world")}, nonce); err != nil {
				return nil, err
			}
			f.n.Mine(1)
			got, err := f.api.Get(ctx, "public/hello", true, true)
			if err == nil && (got.Proof == nil || !got.Proof.Verified) {
				return nil, fmt.Errorf("%s: get returned no verified proof: %+v", f.name, got.Proof)
			}
			return got, err
		}},
		{"keyspace buy and an owner's write", func(ctx context.Context, f face) (any, error) {
			price, err := f.api.Keyspace(ctx, "shop")
			if err != nil {
				return nil, err
			}
			nonce, err := rootNonce(ctx, f)
			if err != nil {
				return nil, err
			}
			if _, err := submit(ctx, f, wire.RootChain, wire.KeyspaceBuy{Name: "shop", Script: script, MaxPrice: price.Price}, nonce); err != nil {
				return nil, err
			}
			f.n.Mine(1)
			if _, err := submit(ctx, f, wire.RootChain, wire.Put{Key: "shop/apples", Value: []byte("3")}, nonce+1); err != nil {
				return nil, err
			}
			f.n.Mine(1)
			ks, err := f.api.Keyspace(ctx, "shop")
			if err != nil {
				return nil, err
			}
			owned, err := f.api.Keyspaces(ctx, me)
			if err != nil {
				return nil, err
			}
			v, err := f.api.Get(ctx, "shop/apples", false, false)
			return []any{price, ks, owned, v}, err
		}},
		{"a write refused by the keyspace's script", func(ctx context.Context, f face) (any, error) {
			tx := wire.NewTx(wire.RootChain, wire.Put{Key: "shop/pears", Value: []byte("1")}, 0, 0)
			p.SetMinFee(tx)
			tx.Sign(p.Net, bob)
			return f.api.SubmitTx(ctx, tx.Encode())
		}},
		{"stamp credit, then blocks and a write on a branch", func(ctx context.Context, f face) (any, error) {
			nonce, err := rootNonce(ctx, f)
			if err != nil {
				return nil, err
			}
			if _, err := submit(ctx, f, wire.RootChain, wire.Stamp{Chain: branch, Amount: wire.Unit}, nonce); err != nil {
				return nil, err
			}
			f.n.Mine(1)
			f.n.MineOn(branch, 1) // anchored past the stamp
			id, err := submit(ctx, f, branch, wire.Put{Key: branchKey, Value: []byte("on a branch")}, branchNonce[f.name])
			if err != nil {
				return nil, err
			}
			branchNonce[f.name]++
			f.n.MineOn(branch, 1)
			top, err := f.api.BlockOn(ctx, branch.String(), "2")
			if err != nil {
				return nil, err
			}
			byHash, err := f.api.BlockOn(ctx, branch.String(), top.ID.String())
			if err != nil {
				return nil, err
			}
			list, err := f.api.BlocksOn(ctx, branch.String(), 0, 10)
			if err != nil {
				return nil, err
			}
			tx, err := f.api.Tx(ctx, id)
			if err != nil {
				return nil, err
			}
			v, err := f.api.GetOn(ctx, branchKey, 1, true, false)
			if err != nil {
				return nil, err
			}
			credit, err := f.api.Credit(ctx, me, branch.String())
			return []any{top, byHash, list, tx, v, credit}, err
		}},
		{"a bounty served by its own requester, funded to settled, listed, and the reputation it earned", func(ctx context.Context, f face) (any, error) {
			nonce, err := rootNonce(ctx, f)
			if err != nil {
				return nil, err
			}
			st, err := f.api.Status(ctx)
			if err != nil {
				return nil, err
			}
			id, err := submit(ctx, f, wire.RootChain, wire.Bounty{Request: wire.Sum([]byte("(public/hello)")), Amount: 2 * wire.Unit, Deadline: st.Height + 20}, nonce)
			if err != nil {
				return nil, err
			}
			f.n.Mine(1)
			open, err := f.api.Bounties(ctx, node.BountyFilter{State: "open"})
			if err != nil {
				return nil, err
			}
			moves := []wire.Body{
				wire.Accept{Bounty: id, Stake: p.MinStake(2 * wire.Unit), Promised: 3},
				wire.Commit{Bounty: id, Envelope: wire.Sum([]byte("envelope"))},
				wire.Settle{Bounty: id},
			}
			for i, m := range moves {
				if _, err := submit(ctx, f, wire.RootChain, m, nonce+1+uint64(i)); err != nil {
					return nil, err
				}
				f.n.Mine(1)
			}
			b, err := f.api.Bounty(ctx, id)
			if err != nil {
				return nil, err
			}
			if b.State != "settled" || b.Requester != me || b.Worker != me {
				return nil, fmt.Errorf("%s: bounty %+v", f.name, b)
			}
			mine, err := f.api.Bounties(ctx, node.BountyFilter{Party: me})
			if err != nil {
				return nil, err
			}
			rep, err := f.api.Reputation(ctx, me)
			if err != nil {
				return nil, err
			}
			pub := key.PubKey()
			byKey, err := f.api.Reputation(ctx, fmt.Sprintf("%x", pub[:]))
			if err != nil {
				return nil, err
			}
			if rep.Done != 1 || *byKey != *rep {
				return nil, fmt.Errorf("%s: reputation %+v, by key %+v", f.name, rep, byKey)
			}
			return []any{open, b, mine, rep}, nil
		}},
		{"a second settle of a settled bounty", func(ctx context.Context, f face) (any, error) {
			list, err := f.api.Bounties(ctx, node.BountyFilter{State: "settled", Limit: 1})
			if err != nil || len(list) != 1 {
				return nil, fmt.Errorf("%s: settled bounties %v, %v", f.name, list, err)
			}
			nonce, err := rootNonce(ctx, f)
			if err != nil {
				return nil, err
			}
			return submit(ctx, f, wire.RootChain, wire.Settle{Bounty: list[0].ID}, nonce)
		}},
		{"a bounty nobody funded", func(ctx context.Context, f face) (any, error) {
			return f.api.Bounty(ctx, wire.Sum([]byte("no such bounty")))
		}},
		{"bounties in a state that does not exist", func(ctx context.Context, f face) (any, error) {
			return f.api.Bounties(ctx, node.BountyFilter{State: "paid"})
		}},
		{"reputation of neither an address nor a key", func(ctx context.Context, f face) (any, error) {
			return f.api.Reputation(ctx, "erik")
		}},
		{"reputation of a stranger", func(ctx context.Context, f face) (any, error) {
			return f.api.Reputation(ctx, wire.EncodeAddress(p.Net, bob.PubKey()))
		}},
		{"register as a relay, then read it alone and in the list", func(ctx context.Context, f face) (any, error) {
			nonce, err := rootNonce(ctx, f)
			if err != nil {
				return nil, err
			}
			if _, err := submit(ctx, f, wire.RootChain, wire.RelayRegister{Fee: 1000, Stake: p.RelayMinStake, Caps: wire.RelayCapRecompute}, nonce); err != nil {
				return nil, err
			}
			f.n.Mine(1)
			r, err := f.api.Relay(ctx, me)
			if err != nil {
				return nil, err
			}
			if r.Stake != p.RelayMinStake || r.Fee != 1000 || r.Caps != 1 || r.Address != me {
				return nil, fmt.Errorf("%s: relay %+v", f.name, r)
			}
			list, err := f.api.Relays(ctx, 0)
			if err != nil || len(list) != 1 || list[0] != *r {
				return nil, fmt.Errorf("%s: relays %+v, %v", f.name, list, err)
			}
			return []any{r, list}, nil
		}},
		{"a bounty with one hop draws the other relay into its lineup", func(ctx context.Context, f face) (any, error) {
			nonce, err := rootNonce(ctx, f)
			if err != nil {
				return nil, err
			}
			if _, err := submit(ctx, f, wire.RootChain, wire.Transfer{To: bob.PubKey(), Amount: 5 * wire.Unit}, nonce); err != nil {
				return nil, err
			}
			f.n.Mine(1)
			reg := wire.NewTx(wire.RootChain, wire.RelayRegister{Stake: p.RelayMinStake, Caps: wire.RelayCapRecompute}, 0, 0)
			p.SetMinFee(reg)
			reg.Sign(p.Net, bob)
			if _, err := f.api.SubmitTx(ctx, reg.Encode()); err != nil {
				return nil, err
			}
			st, err := f.api.Status(ctx)
			if err != nil {
				return nil, err
			}
			id, err := submit(ctx, f, wire.RootChain, wire.Bounty{Request: wire.Sum([]byte("(public/relayed)")), Hops: 1,
				Amount: 2 * wire.Unit, Deadline: st.Height + 30, Worker: key.PubKey()}, nonce+1)
			if err != nil {
				return nil, err
			}
			f.n.Mine(2)
			b, err := f.api.Bounty(ctx, id)
			if err != nil {
				return nil, err
			}
			if b.Hops != 1 || len(b.Lineup) != 1 || b.Lineup[0].Relay != wire.EncodeAddress(p.Net, bob.PubKey()) || b.Lineup[0].State != "drawn" || b.Drawer == "" {
				return nil, fmt.Errorf("%s: bounty %+v", f.name, b)
			}
			return b, nil
		}},
		{"a relay that never registered", func(ctx context.Context, f face) (any, error) {
			return f.api.Relay(ctx, wire.EncodeAddress(p.Net, harness.KeyFor("carol").PubKey()))
		}},
		{"a relay of neither an address nor a key", func(ctx context.Context, f face) (any, error) {
			return f.api.Relay(ctx, "erik")
		}},
		{"fund and join a pool, then read it, the pools, the challenges and tokens", func(ctx context.Context, f face) (any, error) {
			nonce, err := rootNonce(ctx, f)
			if err != nil {
				return nil, err
			}
			data := []byte("pooled data, a little over nothing")
			id, err := submit(ctx, f, wire.RootChain, wire.PoolFund{Kind: wire.PoolKey, Key: "public/pooled", Hash: wire.Sum(data),
				Size: uint64(len(data)), SegmentRoot: wire.SegmentRoot(data), Replicas: 1, Tier: 1, Amount: p.PoolMinEndowment, TokenRate: 1}, nonce)
			if err != nil {
				return nil, err
			}
			f.n.Mine(1)
			pid := id
			for _, body := range []wire.Body{wire.PoolJoin{Pool: pid, Stake: p.PoolMinStake}, wire.TokenBuy{Pool: pid, Count: 2}} {
				nonce++
				if _, err := submit(ctx, f, wire.RootChain, body, nonce); err != nil {
					return nil, err
				}
			}
			f.n.Mine(int(p.PoolEpochBlocks))
			pi, err := f.api.Pool(ctx, pid)
			if err != nil || len(pi.Members) != 1 || pi.TokensSold != 2 {
				return nil, fmt.Errorf("%s: pool %+v, %v", f.name, pi, err)
			}
			list, err := f.api.Pools(ctx, node.PoolFilter{Member: me})
			if err != nil || len(list) != 1 {
				return nil, fmt.Errorf("%s: pools %+v, %v", f.name, list, err)
			}
			chs, err := f.api.PoolChallenges(ctx, key.PubKey())
			if err != nil || len(chs) != 1 {
				return nil, fmt.Errorf("%s: challenges %+v, %v", f.name, chs, err)
			}
			toks, err := f.api.Tokens(ctx, me)
			return []any{pi, list, chs, toks}, err
		}},
		{"a pool nobody funded", func(ctx context.Context, f face) (any, error) {
			return f.api.Pool(ctx, wire.Sum([]byte("no such pool")))
		}},
		{"tokens of neither an address nor a key", func(ctx context.Context, f face) (any, error) {
			return f.api.Tokens(ctx, "erik")
		}},
		{"root blocks", func(ctx context.Context, f face) (any, error) {
			b, err := f.api.Block(ctx, "1")
			if err != nil {
				return nil, err
			}
			same, err := f.api.BlockOn(ctx, "/", "1")
			if err != nil {
				return nil, err
			}
			list, err := f.api.Blocks(ctx, 0, 5)
			return []any{b, same, list}, err
		}},
		{"tree", func(ctx context.Context, f face) (any, error) { return f.api.Tree(ctx) }},
		{"block past a branch's tip", func(ctx context.Context, f face) (any, error) {
			return f.api.BlockOn(ctx, branch.String(), "99")
		}},
		{"block of a chain deeper than the tree", func(ctx context.Context, f face) (any, error) {
			deep := wire.ForPath(wire.KeyPath(branchKey), p.MaxDepth+1)
			return f.api.BlockOn(ctx, deep.String(), "0")
		}},
		{"block of a chain kept as headers only", func(ctx context.Context, f face) (any, error) {
			return f.api.BlockOn(ctx, sibling.String(), "0")
		}},
		{"headers of a chain kept as headers only", func(ctx context.Context, f face) (any, error) {
			return f.api.BlocksOn(ctx, sibling.String(), 0, 5)
		}},
		{"fetch of a block of a chain kept as headers only, with no network", func(ctx context.Context, f face) (any, error) {
			return f.api.FetchBlock(ctx, sibling.String(), "0")
		}},
		{"fetch of a block of a stored chain", func(ctx context.Context, f face) (any, error) {
			return f.api.FetchBlock(ctx, branch.String(), "1")
		}},
		{"branch payouts, CheckpointMaturity root blocks later", func(ctx context.Context, f face) (any, error) {
			f.n.Mine(int(p.CheckpointMaturity))
			return f.api.Payouts(ctx, me)
		}},
		{"block by neither height nor hash", func(ctx context.Context, f face) (any, error) {
			return f.api.BlockOn(ctx, "/", "tip")
		}},
		{"get of a key nobody wrote", func(ctx context.Context, f face) (any, error) {
			return f.api.Get(ctx, "public/nothing", true, false)
		}},
		{"final status", func(ctx context.Context, f face) (any, error) {
			st, err := f.api.Status(ctx)
			st.DataDir = ""
			return st, err
		}},
	}

	ctx := t.Context()
	for i, b := range suite {
		var out [2]string
		for j, f := range faces {
			res, err := b.do(ctx, f)
			out[j] = outcome(t, res, err)
		}
		if out[0] != out[1] {
			t.Fatalf("case %d (%s): %s and %s differ:\n%s: %s\n%s: %s", i, b.name, faces[0].name, faces[1].name,
				faces[0].name, out[0], faces[1].name, out[1])
		}
		t.Logf("case %d (%s): %.200s", i, b.name, out[0])
	}
}

// outcome renders a behaviour's result, or the kind of its error (the
// messages may word the same failure differently across the wire), as a
// string to compare.
func outcome(t *testing.T, res any, err error) string {
	if err != nil {
		for _, k := range []struct {
			name string
			err  error
		}{{"not found", node.ErrNotFound}, {"bad request", node.ErrBadRequest}, {"not stored", node.ErrNotStored}} {
			if errors.Is(err, k.err) {
				return "error: " + k.name
			}
		}
		if c := consensus.CodeOf(err); c != 0 {
			return fmt.Sprintf("error: rule %d", c)
		}
		return "error (unclassified): " + err.Error()
	}
	raw, merr := json.Marshal(res)
	if merr != nil {
		t.Fatal(merr)
	}
	return string(raw)
}
