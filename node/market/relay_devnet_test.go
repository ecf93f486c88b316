package market_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
)

// upperJS is the transform the relay tests ask for: cheap, so a run
// costs blocks, not CPU.
const upperJS = `function transform(input, ctx) { return ctx.text.decode(input).toUpperCase(); }`

const upperExpr = `("public/upper")("public/hello")`

// relayNet is a devnet with relays: a requester, a worker (honest, or a
// cheat whose transform appends a byte), relays that registered on chain
// and relay, and a bystander that mines every block (itself a relay when
// the test says so) and watches.
type relayNet struct {
	*devnet
	relays []*harness.Node
	worker *market.Service // the worker's own service when it cheats
	// idle is how long mine waits for the parties' next transaction
	// before a block (0: 1.5 s). The fast tests, which run beside the
	// whole suite, give 5 s: under a fully loaded make test a relay took
	// longer than 1.5 s and fell behind its window.
	idle time.Duration
	bans map[string]bool // logged by logBans
}

// cheat wraps a transform runner so that every result is wrong.
func cheat(run market.TransformFunc) market.TransformFunc {
	return func(ctx context.Context, src string, in []byte, key string, req wire.Hash, fuel uint64) ([]byte, string, uint64, error) {
		out, kind, used, err := run(ctx, src, in, key, req, fuel)
		if err == nil {
			out = append(out, '!')
		}
		return out, kind, used, err
	}
}

// relaySpec says how one relay node runs.
type relaySpec struct {
	cheat  bool   // its transform is the cheating worker's (it agrees with a wrong result)
	silent bool   // registered, but never relays
	stake  uint64 // multiple of RelayMinStake (0: 1)
}

// netSpec says what a relay devnet holds.
type netSpec struct {
	relays   []relaySpec
	byRelays bool // the bystander registers and relays too
	cheating bool // the worker's transform appends a byte to every result
}

// newRelayNet starts the requester, the worker, the relay nodes and the
// bystander, funds and registers every relay, and stores the transform
// and its input.
func newRelayNet(t *testing.T, n int, byRelays, cheating bool) *relayNet {
	return newRelayNetOf(t, netSpec{relays: make([]relaySpec, n), byRelays: byRelays, cheating: cheating})
}

// startCheat runs n's market service itself with a cheating transform.
func startCheat(t *testing.T, n *harness.Node, cfg market.Config) *market.Service {
	deps := n.Daemon.MarketDeps()
	deps.Transform = cheat(deps.Transform)
	deps.DataDir = filepath.Join(t.TempDir(), n.Name+"-cheat")
	os.MkdirAll(deps.DataDir, 0o700)
	k := n.Key
	cfg.Key = &k
	s, err := market.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return s
}

func newRelayNetOf(t *testing.T, spec netSpec) *relayNet {
	h := harness.New(t)
	d := &devnet{h: h, t: t}
	r := &relayNet{devnet: d}
	relayCfg := func(name string) harness.Option {
		k := harness.KeyFor(name)
		return harness.WithMarket(market.Config{Relay: true, Key: &k})
	}
	// The requester's market identity is its own key: it disputes a
	// result it recomputes otherwise (the wallet would, given the error).
	reqKey := harness.KeyFor("requester")
	d.req = h.NewNode("requester", harness.WithMarket(market.Config{TTL: 30, Key: &reqKey}))
	if spec.cheating {
		d.work = h.NewNode("worker")
	} else {
		d.work = h.NewNode("worker", harness.WithMarket(market.Config{Serve: true, TTL: 30}))
	}
	for i, rs := range spec.relays {
		name := "relay" + string(rune('A'+i))
		if rs.cheat || rs.silent {
			r.relays = append(r.relays, h.NewNode(name))
		} else {
			r.relays = append(r.relays, h.NewNode(name, relayCfg(name)))
		}
	}
	if spec.byRelays {
		d.by = h.NewNode("bystander", relayCfg("bystander"))
	} else {
		d.by = h.NewNode("bystander", harness.WithMarket(market.Config{}))
	}
	if spec.cheating {
		r.worker = startCheat(t, d.work, market.Config{Serve: true, TTL: 30})
	}
	for i, rs := range spec.relays {
		if rs.cheat {
			startCheat(t, r.relays[i], market.Config{Relay: true})
		}
	}
	all := r.all()
	h.ConnectAll()
	for _, x := range append([]*harness.Node{d.req, d.work}, r.relays...) {
		x.Mine(2)
		h.WaitForTip(30*time.Second, all...)
	}
	if spec.byRelays {
		d.by.Mine(2)
	}
	d.by.Mine(int(h.Params().CoinbaseMaturity) + 1)
	h.WaitForTip(30*time.Second, all...)
	var last wire.Hash
	for i, x := range r.relays {
		last = d.send(x, plan.RelayRegister{Fee: 1, Stake: h.Params().RelayMinStake * max(1, spec.relays[i].stake), Caps: 1})
	}
	if spec.byRelays {
		last = d.send(d.by, plan.RelayRegister{Fee: 1, Stake: h.Params().RelayMinStake, Caps: 1})
	}
	if _, err := d.req.Put("public/hello", "hello, market"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.req.Put("public/upper", upperJS); err != nil {
		t.Fatal(err)
	}
	want := len(r.relays)
	if spec.byRelays {
		want++
	}
	d.mineUntil(10, "the registrations and puts are mined", func() bool {
		_, err := d.work.Get(context.Background(), "public/upper", false, false)
		_, err2 := d.by.API.Tx(context.Background(), last)
		if err != nil || err2 != nil {
			return false
		}
		rs, _ := d.by.API.Relays(context.Background(), 0)
		return len(rs) == want
	})
	return r
}

func (r *relayNet) all() []*harness.Node {
	return append([]*harness.Node{r.req, r.work, r.by}, r.relays...)
}

// mine has the bystander mine n blocks and waits until every node has
// them. Before each block it gives the parties up to r.idle to send what
// the last block asked of them (relays fetch and recompute in wall-clock
// time; a block mined at once would leave them behind by a block).
func (r *relayNet) mine(n int) {
	r.t.Helper()
	idle := r.idle
	if idle == 0 {
		idle = 1500 * time.Millisecond
	}
	for range n {
		for deadline := time.Now().Add(idle); r.by.Mempool().Len() == 0 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		r.by.Mine(1)
		r.logBans()
		r.h.WaitForTip(30*time.Second, r.all()...)
		r.watch()
	}
}

// logBans logs each ban a node of the devnet holds, once: an honest
// node banned by its peers falls out of the devnet, and the test then
// fails waiting for a common tip.
func (r *relayNet) logBans() {
	if r.bans == nil {
		r.bans = map[string]bool{}
	}
	for _, n := range r.all() {
		for _, b := range n.Host.Bans() {
			if k := n.Name + " " + b.ID; !r.bans[k] {
				r.bans[k] = true
				r.t.Logf("%s banned %s: %s", n.Name, b.ID, b.Reason)
			}
		}
	}
}

// send submits in from n and waits until the bystander (the miner) has
// the transaction. If gossip lost it, the sender's node offers it again
// every few root blocks (p2p's rebroadcast): blocks are mined meanwhile,
// at most 12.
func (r *relayNet) send(n *harness.Node, in plan.Intent) wire.Hash {
	r.t.Helper()
	id := send(r.t, r.h, n, in)
	has := func() bool { _, err := r.by.API.Tx(context.Background(), id); return err == nil }
	for deadline := time.Now().Add(5 * time.Second); !has() && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if !has() {
		r.t.Logf("the bystander lacks %s's %s after 5 s: mining until it is offered again", n.Name, id.Short())
		r.mineUntil(12, "the bystander has the transaction", has)
	}
	return id
}

func (r *relayNet) mineUntil(limit int, what string, cond func() bool) {
	r.t.Helper()
	for range limit {
		if cond() {
			return
		}
		r.mine(1)
	}
	if !cond() {
		r.t.Fatalf("%s: not after %d blocks (bystander saw %v)", what, limit, r.seen)
	}
}

// hopRow quotes the request until the worker's offer is in and returns
// the table's row with hops.
func (r *relayNet) hopRow(hops int) (*market.Quote, market.Row) {
	r.t.Helper()
	q, tb := r.quote(upperExpr)
	for _, row := range tb.Rows {
		if row.Hops == hops {
			return q, row
		}
	}
	r.t.Fatalf("no row with %d hops in %+v", hops, tb.Rows)
	return nil, market.Row{}
}

func (r *relayNet) balance(n *harness.Node) uint64 {
	r.t.Helper()
	a, err := r.by.API.Account(context.Background(), wire.EncodeAddress(r.h.Params().Net, n.Key.PubKey()))
	if err != nil {
		r.t.Fatal(err)
	}
	return a.Balance
}

// total is an address's spendable and immature coins.
func (r *relayNet) total(address string) uint64 {
	r.t.Helper()
	a, err := r.by.API.Account(context.Background(), address)
	if err != nil {
		r.t.Fatal(err)
	}
	return a.Balance + a.Immature
}

// coinbases sums what the coinbases of the root blocks above height
// paid address.
func (r *relayNet) coinbases(address string, above uint64) uint64 {
	r.t.Helper()
	var sum uint64
	for h := above + 1; h <= r.by.Chain().Tip().Height; h++ {
		b, err := r.by.API.Block(context.Background(), strconv.FormatUint(h, 10))
		if err != nil {
			r.t.Fatal(err)
		}
		for _, tx := range b.Txs {
			if tx.Type == "coinbase" && tx.To == address {
				sum += tx.Amount
			}
		}
	}
	return sum
}

func (r *relayNet) byKey(address string) *harness.Node {
	for _, n := range r.all() {
		if wire.EncodeAddress(r.h.Params().Net, n.Key.PubKey()) == address {
			return n
		}
	}
	r.t.Fatalf("no node has address %s", address)
	return nil
}

// sameReputation checks that every node reads the same record for each
// of the given nodes' keys.
func (r *relayNet) sameReputation(of ...*harness.Node) {
	r.t.Helper()
	ctx := context.Background()
	for _, n := range of {
		addr := wire.EncodeAddress(r.h.Params().Net, n.Key.PubKey())
		want, err := r.by.API.Reputation(ctx, addr)
		if err != nil {
			r.t.Fatal(err)
		}
		for _, x := range r.all() {
			got, err := x.API.Reputation(ctx, addr)
			if err != nil || *got != *want {
				r.t.Fatalf("%s reads %s's record as %+v (%v), the bystander %+v", x.Name, n.Name, got, err, want)
			}
		}
	}
}

// fund funds row on the requester naming the worker and returns the
// bounty ID.
func (r *relayNet) fund(q *market.Quote, row market.Row) wire.Hash {
	r.t.Helper()
	h0 := r.by.Chain().Tip().Height
	return r.send(r.req, plan.Bounty{Request: q.Request, Amount: row.Price, Deadline: h0 + 60, Worker: row.Worker,
		Hops: uint8(row.Hops)})
}

// settleHops runs a funded bounty with hops to its checked result and
// the requester's settle, and checks the split: the worker gets the
// amount less the drawer's and each relay's share (and its stake back),
// each countersigning relay its share, the drawing block's coinbase its
// share.
func (r *relayNet) settleHops(id wire.Hash, hops int) {
	r.t.Helper()
	ctx := context.Background()
	m := r.req.Daemon.Market()
	var res *market.Result
	r.mineUntil(40, "the result arrives through the lineup", func() bool {
		x, err := m.Result(ctx, id)
		if err == nil {
			res = x
			return true
		}
		if !errors.Is(err, market.ErrNoResult) {
			r.t.Fatal(err)
		}
		return false
	})
	b := r.bounty(id)
	if string(res.Value) != "HELLO, MARKET" || res.Envelope != b.Envelope || len(res.Countersigns) != hops {
		r.t.Fatalf("result %q envelope %s countersigns %d, bounty %+v", res.Value, res.Envelope.Short(), len(res.Countersigns), b)
	}
	var signed []node.SlotInfo // the current lineup: history entries are missed or replaced
	for _, sl := range b.Lineup {
		if sl.State == "countersigned" {
			signed = append(signed, sl)
		}
	}
	if len(signed) != hops {
		r.t.Fatalf("lineup %+v: %d countersigned, want %d", b.Lineup, len(signed), hops)
	}
	for i, sl := range signed {
		if sl.Envelope != res.Countersigns[i] {
			r.t.Fatalf("slot %d on chain %+v, countersign delivered %s", i, sl, res.Countersigns[i].Short())
		}
	}
	// Balances (spendable and immature) around the settle block: the
	// bystander mines it, so its coinbase (reward and fees) is taken
	// out; nobody else sends a transaction then (the worker settles
	// only after the window).
	p := r.h.Params()
	payees := map[string]uint64{}
	payees[b.Worker] += b.Amount - p.DrawShare(b.Amount) - uint64(hops)*p.HopShare(b.Amount) + b.Stake
	payees[b.Drawer] += p.DrawShare(b.Amount)
	for _, sl := range signed {
		payees[sl.Relay] += p.HopShare(b.Amount)
	}
	before := map[string]uint64{}
	for a := range payees {
		before[a] = r.total(a)
	}
	h1 := r.by.Chain().Tip().Height
	r.send(r.req, plan.Settle{Bounty: id})
	r.mineUntil(5, "settled", func() bool { return r.state(id) == market.StateSettled })
	for a, want := range payees {
		got := r.total(a) - before[a] - r.coinbases(a, h1)
		if got != want {
			r.t.Errorf("%s (%s) got %d at settle, the split says %d", r.byKey(a).Name, a, got, want)
		}
	}
	r.sameReputation(r.all()...)
}

// TestDevnetHopOneSettles: a hops-1 row of the price table (filled from
// the relay registry) is funded; the lineup is drawn, the worker commits
// and hands on, the drawn relay fetches the worker's envelope, recomputes
// from its own reads and countersigns; the requester fetches the full
// chain from the relay, checks it against the chain and settles; the
// split is exact and every node reads the same reputation.
func TestDevnetHopOneSettles(t *testing.T) {
	r := newRelayNet(t, 1, true, false)
	r.idle = 5 * time.Second
	q, row := r.hopRow(1)
	id := r.fund(q, row)
	r.settleHops(id, 1)
	rel := r.byKey(r.bounty(id).Lineup[0].Relay)
	rep, _ := r.by.API.Reputation(context.Background(), r.bounty(id).Lineup[0].Relay)
	if rep.Relayed != 1 {
		t.Fatalf("the relay's record %+v, want relayed 1", rep)
	}
	draws, err := r.by.Daemon.Market().Draws(context.Background())
	if err != nil || len(draws) != 1 || draws[0].Bounty != id || draws[0].Share != r.h.Params().DrawShare(row.Price) || !draws[0].Paid {
		t.Fatalf("the bystander's draws %+v %v", draws, err)
	}
	st, err := rel.Daemon.Market().RelayStatus(context.Background())
	if err != nil || !st.On || !st.Registered || st.Earned != r.h.Params().HopShare(row.Price) {
		t.Fatalf("the relay's status %+v %v", st, err)
	}
	var jobs []market.RelayJob
	testutil.Eventually(t, 10*time.Second, "the relay lists its paid job", func() error {
		var err error
		if jobs, err = rel.Daemon.Market().RelayJobs(context.Background()); err != nil {
			return err
		}
		if len(jobs) != 1 || jobs[0].State != "paid" || jobs[0].Earned != r.h.Params().HopShare(row.Price) {
			return errors.New("not yet")
		}
		return nil
	})
}

// TestDevnetCheatingWorkerIsCaught: a worker whose transform returns a
// wrong result commits it; the drawn relay computes another result and
// countersigns it, which opens a contest; the juror sides with the relay;
// the requester is refunded, the worker loses its stake and a lost mark,
// the catching relay gets its half of the stake and a caught mark.
func TestDevnetCheatingWorkerIsCaught(t *testing.T) {
	r := newRelayNet(t, 1, true, true)
	r.idle = 5 * time.Second
	ctx := context.Background()
	q, row := r.hopRow(1)
	before := r.balance(r.req)
	id := r.fund(q, row)
	fee := feeOf(t, r.by, id)
	r.mineUntil(40, "the contest is decided", func() bool { return r.state(id) != "" && r.bounty(id).Contest == market.ContestWorkerWrong })
	b := r.bounty(id)
	if b.State != market.StateDisputed {
		t.Fatalf("bounty %s after the contest, want disputed", b.State)
	}
	if got := r.balance(r.req); got != before-fee {
		t.Fatalf("requester balance %d → %d, want only the bounty's fee (%d) spent", before, got, fee)
	}
	wrep, _ := r.by.API.Reputation(ctx, b.Worker)
	if wrep.Lost != 1 {
		t.Fatalf("worker record %+v, want lost 1", wrep)
	}
	catcher := b.Lineup[0].Relay
	crep, _ := r.by.API.Reputation(ctx, catcher)
	if crep.Caught != 1 {
		t.Fatalf("catcher record %+v, want caught 1", crep)
	}
	r.sameReputation(r.all()...)
	if _, err := r.req.Daemon.Market().Result(ctx, id); !errors.Is(err, market.ErrNoResult) {
		t.Fatalf("the requester kept a result of a caught worker: %v", err)
	}
}

// TestDevnetCheatingRelayInTheLastSlotIsCaught: relay A runs the cheating
// worker's transform, so when it is drawn into a one-hop lineup (its
// only, last slot) it countersigns the worker's wrong result: every
// signature and hash agrees, and nobody after it checks. The requester's
// node recomputes the delivered result before keeping it, gets another
// one, and disputes; the jury (the two honest relays) decides the worker
// wrong: the requester is refunded and, as the catcher, takes half the
// worker's stake; the worker and A lose (A's stake slashed); the
// requester's node keeps no result and says why. A carries most of the
// stake, so it is drawn in nine runs of ten; a run where it is not is
// left (the honest relay catches the worker; a jury of A and one honest
// relay has no majority) and another bounty funded.
func TestDevnetCheatingRelayInTheLastSlotIsCaught(t *testing.T) {
	r := newRelayNetOf(t, netSpec{relays: []relaySpec{{cheat: true, stake: 20}, {}, {}}, cheating: true})
	r.idle = 5 * time.Second
	ctx := context.Background()
	q, row := r.hopRow(1)
	net := r.h.Params().Net
	cheat := wire.EncodeAddress(net, r.relays[0].Key.PubKey())
	for run := 0; ; run++ {
		if run == 4 {
			t.Fatal("the cheating relay was not drawn in 4 runs")
		}
		id := r.fund(q, row)
		r.mineUntil(5, "the lineup is drawn", func() bool { return r.state(id) != "" && r.bounty(id).Drawn != 0 })
		if b := r.bounty(id); len(b.Lineup) == 0 || b.Lineup[0].Relay != cheat {
			continue
		}
		stake0 := r.total(r.bounty(id).Requester)
		r.mineUntil(40, "the requester's dispute is decided", func() bool {
			return r.bounty(id).Contest == market.ContestWorkerWrong
		})
		b := r.bounty(id)
		if b.State != market.StateDisputed || b.Lineup[0].State != "countersigned" || b.Lineup[0].Result != b.Result {
			t.Fatalf("bounty %s, lineup %+v; want disputed after the cheat countersigned the worker's result", b.State, b.Lineup)
		}
		// Refunded, and half the worker's stake as the catcher, less the
		// dispute's fee.
		var disputeFee uint64
		hist, err := r.by.API.History(ctx, b.Requester, 20)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range hist {
			if tx.Type == "dispute" && tx.Height > b.Created {
				disputeFee += tx.Fee
			}
		}
		if disputeFee == 0 {
			t.Fatalf("no dispute of the requester's on chain: %+v", hist)
		}
		if got, want := r.total(b.Requester), stake0+b.Amount+b.Stake/2-disputeFee; got != want {
			t.Fatalf("requester %d → %d; want %d (the amount %d back, half the stake %d, less the dispute's fee %d)",
				stake0, got, want, b.Amount, b.Stake, disputeFee)
		}
		if rep, _ := r.by.API.Reputation(ctx, cheat); rep.Lost == 0 {
			t.Fatalf("the cheating relay's record %+v, want a lost mark", rep)
		}
		if ri, err := r.by.API.Relay(ctx, cheat); err != nil || ri.Stake >= 20*r.h.Params().RelayMinStake {
			t.Fatalf("the cheating relay's stake %+v %v was not slashed", ri, err)
		}
		if wrep, _ := r.by.API.Reputation(ctx, b.Worker); wrep.Lost == 0 {
			t.Fatalf("the worker's record %+v, want a lost mark", wrep)
		}
		if _, err := r.req.Daemon.Market().Result(ctx, id); !errors.Is(err, market.ErrDisagreed) {
			t.Fatalf("the requester's result: %v, want ErrDisagreed", err)
		}
		r.sameReputation(r.all()...)
		return
	}
}
