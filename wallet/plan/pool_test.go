package plan_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
)

// TestPoolIntents runs a pool through its life on a lone node with the
// intents — fund, join, answer, buy, redeem, report, leave, close — and
// checks each intent's refusals before signing, and the node's pool reads
// (Pool, Pools, PoolChallenges, Tokens) along the way.
func TestPoolIntents(t *testing.T) {
	n, pl := setup(t)
	ctx := context.Background()
	p := n.Params()
	me := n.Key.PubKey()
	mk := harness.KeyFor("member")
	member := mk.PubKey()
	doAs := func(k wire.PrivKey, in plan.Intent) *plan.Plan {
		t.Helper()
		got, err := pl.Plan(ctx, k.PubKey(), in, plan.Options{})
		if err != nil {
			t.Fatalf("%T: %v", in, err)
		}
		if err := got.Refused(); err != nil {
			t.Fatalf("%T: %v", in, err)
		}
		if err := got.Sign(func(tx *wire.Tx) error { tx.Sign(p.Net, k); return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := got.Submit(ctx, n); err != nil {
			t.Fatalf("%T: %v", in, err)
		}
		n.Mine(1)
		return got
	}
	do := func(in plan.Intent) *plan.Plan { t.Helper(); return doAs(n.Key, in) }
	refuse := func(from wire.PubKey, in plan.Intent, words string) {
		t.Helper()
		_, err := pl.Plan(ctx, from, in, plan.Options{})
		if !errors.Is(err, plan.ErrBadIntent) || !strings.Contains(err.Error(), words) {
			t.Fatalf("%T: %v; want a refusal saying %q", in, err, words)
		}
	}
	data := make([]byte, 3*wire.SegmentSize+10)
	for i := range data {
		data[i] = byte(i*31 + i/wire.SegmentSize)
	}

	do(plan.Send{To: member, Amount: 5 * wire.Unit})
	fund := plan.PoolFundData(wire.PoolBlob, "public/film", data, 1, 2, 2*wire.Unit, 2)
	bad := fund
	bad.SegmentRoot = wire.Hash{}
	refuse(me, bad, "segment root")
	bad = fund
	bad.Replicas = p.PoolMaxReplicas + 1
	refuse(me, bad, "replicas")
	bad = fund
	bad.Amount = p.PoolMinEndowment - 1
	refuse(me, bad, "at least")
	fp := do(fund)
	if !strings.Contains(fp.Main().What, "fund a pool") || fp.Cost != 2*wire.Unit {
		t.Fatalf("fund plan: cost %d, %q", fp.Cost, fp.Main().What)
	}
	id := fp.Main().Tx.ID()
	pi, err := n.Pool(ctx, id)
	if err != nil || pi.Endowment != 2*wire.Unit || pi.Target.Segments != 4 || pi.ExpectedLifetime == 0 || pi.Funder != wire.EncodeAddress(p.Net, me) {
		t.Fatalf("pool after funding: %+v, %v", pi, err)
	}
	if _, err := n.Pool(ctx, wire.Sum([]byte("none"))); !errors.Is(err, node.ErrNotFound) {
		t.Fatalf("a missing pool: %v", err)
	}

	refuse(member, plan.PoolLeave{Pool: id}, "not a member")
	refuse(member, plan.PoolJoin{Pool: id, Stake: p.PoolMinStake - 1}, "at least")
	doAs(mk, plan.PoolJoin{Pool: id, Stake: wire.Unit})
	refuse(member, plan.PoolJoin{Pool: id, Stake: wire.Unit}, "already a member")
	if list, err := n.Pools(ctx, node.PoolFilter{Member: wire.EncodeAddress(p.Net, member)}); err != nil || len(list) != 1 || list[0].ID != id {
		t.Fatalf("pools of the member: %+v, %v", list, err)
	}
	if list, err := n.Pools(ctx, node.PoolFilter{Key: "public/other"}); err != nil || len(list) != 0 {
		t.Fatalf("pools of another key: %+v, %v", list, err)
	}

	// The member's first challenge comes with the next epoch's draw.
	for {
		st, _ := n.Status(ctx)
		if chs, _ := n.PoolChallenges(ctx, member); len(chs) > 0 {
			break
		}
		if st.Height > 100 {
			t.Fatal("no challenge drawn")
		}
		n.Mine(1)
	}
	refuse(member, plan.PoolAnswer{Pool: id, Data: append([]byte{1}, data[1:]...)}, "does not match")
	ap := doAs(mk, plan.PoolAnswer{Pool: id, Data: data})
	if !strings.Contains(ap.Main().What, "answer your challenge") {
		t.Fatalf("answer plan %q", ap.Main().What)
	}
	chs, err := n.PoolChallenges(ctx, member)
	if err != nil || len(chs) != 1 || !chs[0].Answered || chs[0].Deadline != p.PoolEpochEnd(chs[0].Epoch) {
		t.Fatalf("challenges after the answer: %+v, %v", chs, err)
	}
	refuse(member, plan.PoolAnswer{Pool: id, Data: data}, "already answered")

	refuse(me, plan.TokenRedeem{Pool: id}, "no token")
	do(plan.TokenBuy{Pool: id, Count: 3})
	if toks, err := n.Tokens(ctx, wire.EncodeAddress(p.Net, me)); err != nil || len(toks) != 1 || toks[0].Count != 3 {
		t.Fatalf("tokens after buying: %+v, %v", toks, err)
	}
	// Two redemptions in one epoch (the rate), the third refused.
	var rp *plan.Plan
	for st, _ := n.Status(ctx); st.Height%p.PoolEpochBlocks != 0; st, _ = n.Status(ctx) {
		n.Mine(1) // the next block opens an epoch
	}
	rp = do(plan.TokenRedeem{Pool: id})
	do(plan.TokenRedeem{Pool: id})
	refuse(me, plan.TokenRedeem{Pool: id}, "used up")
	redemption := rp.Main().Tx.ID()

	sig := mk.Sign(wire.RefusalHash(p.Net, id, redemption))
	refuse(me, plan.PoolReport{Pool: id, Redemption: redemption, Member: member, Evidence: sig[:10]}, "signed refusal")
	wrong := n.Key.Sign(wire.RefusalHash(p.Net, id, redemption))
	refuse(me, plan.PoolReport{Pool: id, Redemption: redemption, Member: member, Evidence: wrong[:]}, "not")
	do(plan.PoolReport{Pool: id, Redemption: redemption, Member: member, Evidence: sig[:]})
	pi, _ = n.Pool(ctx, id)
	if len(pi.Members) != 1 || pi.Members[0].Tier != 1 || pi.Members[0].Missed != 1 {
		t.Fatalf("reported member: %+v", pi.Members)
	}

	// A claim of silence opens a serve challenge the member answers.
	refuse(me, plan.PoolSilence{Pool: id, Redemption: redemption, Member: me}, "not a member")
	sp := do(plan.PoolSilence{Pool: id, Redemption: redemption, Member: member})
	if sp.Cost != p.PoolSilenceDeposit || !strings.Contains(sp.Main().What, "stayed silent") {
		t.Fatalf("silence plan: cost %d, %q", sp.Cost, sp.Main().What)
	}
	refuse(me, plan.PoolSilence{Pool: id, Redemption: redemption, Member: member}, "already claimed")
	pi, _ = n.Pool(ctx, id)
	if len(pi.Serves) != 1 || pi.Serves[0].Redemption != redemption || pi.Serves[0].Deposit != p.PoolSilenceDeposit {
		t.Fatalf("pool's serve challenges: %+v", pi.Serves)
	}
	chs, err = n.PoolChallenges(ctx, member)
	if err != nil || len(chs) == 0 || chs[len(chs)-1].Redemption != redemption || chs[len(chs)-1].Deadline != pi.Serves[0].Deadline {
		t.Fatalf("the member's challenges with a serve challenge: %+v, %v", chs, err)
	}
	refuse(member, plan.PoolServe{Pool: id, Redemption: redemption, Data: append([]byte{1}, data[1:]...)}, "does not match")
	refuse(member, plan.PoolServe{Pool: id, Redemption: wire.Hash{9}, Data: data}, "no open serve challenge")
	doAs(mk, plan.PoolServe{Pool: id, Redemption: redemption, Data: data})
	pi, _ = n.Pool(ctx, id)
	if len(pi.Serves) != 0 || len(pi.Members) != 1 || pi.Members[0].Tier != 1 {
		t.Fatalf("after the serve: serves %+v, members %+v", pi.Serves, pi.Members)
	}

	refuse(member, plan.PoolClose{Pool: id}, "only its funder")
	refuse(me, plan.PoolClose{Pool: id}, "has 1 members")
	refuse(me, plan.PoolTopUp{Pool: id}, "adds something")
	do(plan.PoolTopUp{Pool: id, Amount: wire.Unit})
	doAs(mk, plan.PoolLeave{Pool: id})
	for {
		pi, err = n.Pool(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(pi.Members) == 0 {
			break
		}
		n.Mine(1)
	}
	cp := do(plan.PoolClose{Pool: id})
	if !strings.Contains(cp.Main().What, "comes back") {
		t.Fatalf("close plan %q", cp.Main().What)
	}
	if _, err := n.Pool(ctx, id); !errors.Is(err, node.ErrNotFound) {
		t.Fatalf("the closed pool: %v", err)
	}
}

// epochMover is a node on which a block opens the next pool epoch right
// after the planner reads a pool (once): what a user meets when a block
// arrives between planning a redemption and the node's verdict on it.
type epochMover struct {
	*harness.Node
	moves     int
	staleRead uint64 // the epoch the moved read reported
}

func (m *epochMover) Pool(ctx context.Context, id wire.Hash) (*node.PoolInfo, error) {
	pi, err := m.Node.Pool(ctx, id)
	if err != nil || m.moves == 0 {
		return pi, err
	}
	m.moves--
	m.staleRead = pi.Epoch
	p := m.Params()
	for {
		st, err := m.Status(ctx)
		if err != nil {
			return nil, err
		}
		if p.PoolEpoch(st.Height+1) != pi.Epoch {
			return pi, nil
		}
		m.Mine(1)
	}
}

// TestTokenRedeemPlannedAgainWhenTheEpochMoves: a redemption names the
// epoch of the block it goes into; when a block opens the next epoch
// between the planner's read and the node's verdict, Plan plans it again
// instead of handing the user a refusal for an epoch they never chose.
func TestTokenRedeemPlannedAgainWhenTheEpochMoves(t *testing.T) {
	n, pl := setup(t)
	ctx := context.Background()
	p := n.Params()
	me := n.Key.PubKey()
	do := func(in plan.Intent) *plan.Plan {
		t.Helper()
		got, err := pl.Plan(ctx, me, in, plan.Options{})
		if err == nil {
			err = got.Refused()
		}
		if err != nil {
			t.Fatalf("%T: %v", in, err)
		}
		got.Sign(signer(n))
		if _, err := got.Submit(ctx, n); err != nil {
			t.Fatalf("%T: %v", in, err)
		}
		n.Mine(1)
		return got
	}
	data := make([]byte, wire.SegmentSize+10)
	id := do(plan.PoolFundData(wire.PoolBlob, "public/epoch", data, 1, 2, 2*wire.Unit, 2)).Main().Tx.ID()
	do(plan.TokenBuy{Pool: id, Count: 2})

	mover := &epochMover{Node: n, moves: 1}
	got, err := plan.New(p, mover).Plan(ctx, me, plan.TokenRedeem{Pool: id}, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Refused(); err != nil {
		t.Fatalf("refused after the epoch moved: %v", err)
	}
	st, _ := n.Status(ctx)
	body := got.Main().Tx.Body.(wire.TokenRedeem)
	if mover.moves != 0 || body.Epoch == mover.staleRead || body.Epoch != p.PoolEpoch(st.Height+1) {
		t.Fatalf("redemption names epoch %d; the stale read said %d, the next block's is %d (moves left %d)",
			body.Epoch, mover.staleRead, p.PoolEpoch(st.Height+1), mover.moves)
	}
}
