package tumbler_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/daemon"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

const denom = wire.Unit // 1 BVS

// devnet is a coordinator node that mines and participant nodes, each
// running the tumbler component, and wallets funded from the miner.
type devnet struct {
	t       testing.TB
	h       *harness.Harness
	coord   *harness.Node
	parts   []*harness.Node
	wallets []wire.PrivKey
	// spares are the fresh blame-round addresses each join gave, by the
	// output address it gave first.
	spares map[wire.PubKey]wire.PrivKey
}

func testConfig() tumbler.Config {
	return tumbler.Config{Poll: 100 * time.Millisecond, OutputDelay: 500 * time.Millisecond, SigningBlocks: 3, InputBlocks: 5, OutputBlocks: 5}
}

func newDevnet(t testing.TB, participants, wallets int) *devnet {
	h := harness.New(t)
	d := &devnet{t: t, h: h, spares: map[wire.PubKey]wire.PrivKey{}}
	with := harness.BeforeStart(func(dm *daemon.Daemon) error { return dm.RegisterTumbler(testConfig()) })
	d.coord = h.NewNode("coord", with)
	for i := range participants {
		d.parts = append(d.parts, h.NewNode(fmt.Sprintf("part%d", i), with))
	}
	h.ConnectAll()
	// Mature rewards for the coordinator, then fund each wallet.
	d.coord.Mine(int(h.Params().CoinbaseMaturity) + 2)
	d.sync()
	d.wallets = d.fund(wallets)
	return d
}

// fund makes n wallets of 3 BVS each, paid by the coordinator's key.
func (d *devnet) fund(n int) []wire.PrivKey {
	ctx := context.Background()
	a, err := d.coord.API.Account(ctx, wire.EncodeAddress(d.h.Params().Net, d.coord.Key.PubKey()))
	if err != nil {
		d.t.Fatal(err)
	}
	var ws []wire.PrivKey
	for i := range n {
		k, err := wire.NewPrivKey()
		if err != nil {
			d.t.Fatal(err)
		}
		ws = append(ws, k)
		d.transfer(d.coord.Key, a.NextNonce+uint64(i), k.PubKey(), 3*denom)
	}
	d.mineUntil("the wallets are funded", func() error {
		for _, k := range ws {
			if d.balance(k.PubKey()) != 3*denom {
				return errors.New("a wallet is not funded yet")
			}
		}
		return nil
	})
	return ws
}

func (d *devnet) all() []*harness.Node { return append([]*harness.Node{d.coord}, d.parts...) }

func (d *devnet) sync() { d.h.WaitForTip(60*time.Second, d.all()...) }

func (d *devnet) transfer(from wire.PrivKey, nonce uint64, to wire.PubKey, amount uint64) wire.Hash {
	d.t.Helper()
	tx := wire.NewTx(wire.RootChain, wire.Transfer{To: to, Amount: amount}, nonce, 0)
	d.h.Params().SetMinFee(tx)
	tx.Sign(d.h.Params().Net, from)
	id, err := d.coord.API.SubmitTx(context.Background(), tx.Encode())
	if err != nil {
		d.t.Fatalf("transfer: %v", err)
	}
	return id
}

// mineUntil mines a block at a time on the coordinator until cond holds.
func (d *devnet) mineUntil(what string, cond func() error) {
	d.t.Helper()
	testutil.Eventually(d.t, 90*time.Second, what, func() error {
		if err := cond(); err == nil {
			return nil
		}
		d.coord.Mine(1)
		d.sync()
		return cond()
	})
}

// outputPeers records the peer of every stream opened on the coordinator's
// output protocol: what an observer of its connections sees.
type outputPeers struct {
	mu    sync.Mutex
	peers []peer.ID
}

func (o *outputPeers) watch(n *harness.Node, nodes []*harness.Node) {
	known := map[peer.ID]bool{}
	for _, x := range nodes {
		known[x.ID()] = true
	}
	n.Host.LibP2P().Network().Notify(&network.NotifyBundle{ConnectedF: func(_ network.Network, c network.Conn) {
		o.mu.Lock()
		defer o.mu.Unlock()
		if c.Stat().Direction == network.DirInbound && !known[c.RemotePeer()] && !slices.Contains(o.peers, c.RemotePeer()) {
			o.peers = append(o.peers, c.RemotePeer())
		}
	}})
}

func (d *devnet) join(n *harness.Node, w wire.PrivKey, amount uint64, autoSign bool) (tumbler.Registration, wire.PrivKey) {
	return d.joinVia(n.API.Tumbler(), w, amount, autoSign)
}

func (d *devnet) joinVia(api tumbler.API, w wire.PrivKey, amount uint64, autoSign bool) (tumbler.Registration, wire.PrivKey) {
	d.t.Helper()
	to, _ := wire.NewPrivKey()
	spare, _ := wire.NewPrivKey()
	d.spares[to.PubKey()] = spare
	var reg tumbler.Registration
	testutil.Eventually(d.t, 30*time.Second, "the round is found and the input registered", func() error {
		var err error
		reg, err = api.Join(context.Background(), tumbler.JoinRequest{Secret: w.Bytes(), Amount: amount, To: to.PubKey(),
			BlameTo: []wire.PubKey{spare.PubKey()}, AutoSign: autoSign})
		if errors.Is(err, tumbler.ErrNoOpenRound) {
			return err
		}
		if err != nil {
			d.t.Fatalf("join: %v", err)
		}
		return nil
	})
	return reg, to
}

func (d *devnet) balance(k wire.PubKey) uint64 {
	a, err := d.coord.API.Account(context.Background(), wire.EncodeAddress(d.h.Params().Net, k))
	if err != nil {
		return 0
	}
	return a.Balance
}

// fiveRun is what a five-wallet round left: the devnet, the round, the
// wallets' output keys and the identities outputs came from.
type fiveRun struct {
	d     *devnet
	round wire.Hash
	tos   []wire.PrivKey
	regs  []tumbler.Registration
	obs   *outputPeers
	tx    *wire.Tx
}

// runFive has five wallets tumble one denomination through a coordinator
// node and checks the acceptance: the chain shows one tumble transaction
// with one signature by the aggregate key, every output is spendable by
// its owner, every output came from its own fresh identity. The wallets
// are spread over the participant nodes.
func runFive(t *testing.T, participantNodes int) *fiveRun {
	d := newDevnet(t, participantNodes, 5)
	ctx := context.Background()
	net := d.h.Params().Net
	var obs outputPeers
	obs.watch(d.coord, d.all())
	round, err := d.coord.API.Tumbler().Coordinate(ctx, tumbler.CoordinateConfig{Denomination: denom, Min: 5, Max: 5,
		CoordinatorFee: 1000, FeeTo: d.coord.Key.PubKey()})
	if err != nil {
		t.Fatal(err)
	}
	var tos []wire.PrivKey
	var regs []tumbler.Registration
	for i, w := range d.wallets {
		amount := uint64(denom + 1000 + tumbler.DefaultTxFee)
		if i == 0 {
			amount += 12345 // a leftover back to the owner
		}
		reg, to := d.join(d.parts[i%len(d.parts)], w, amount, true)
		if reg.Round != round.ID {
			t.Fatalf("joined %s, not %s", reg.Round.Short(), round.ID.Short())
		}
		tos = append(tos, to)
		regs = append(regs, reg)
	}
	var txid wire.Hash
	d.mineUntil("the tumble is mined", func() error {
		rs, err := d.coord.API.Tumbler().Rounds(ctx)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.ID == round.ID {
				if r.Phase != tumbler.Done {
					return fmt.Errorf("round at %s %s", r.Phase, r.Error)
				}
				txid = r.TxID
			}
		}
		info, err := d.coord.API.Tx(ctx, txid)
		if err != nil || info.Height == 0 {
			return fmt.Errorf("tumble not mined yet (%v)", err)
		}
		return nil
	})
	// One tumble transaction, one signature, by the aggregate of the inputs.
	info, err := d.coord.API.Tx(ctx, txid)
	if err != nil {
		t.Fatal(err)
	}
	bi, err := d.coord.API.Block(ctx, fmt.Sprint(info.Height))
	if err != nil {
		t.Fatal(err)
	}
	blk, err := wire.DecodeBlock(bi.Raw)
	if err != nil {
		t.Fatal(err)
	}
	var tumbles []*wire.Tx
	for _, tx := range blk.Txs {
		if tx.Type == wire.TxTumble {
			tumbles = append(tumbles, tx)
		}
	}
	if len(tumbles) != 1 {
		t.Fatalf("%d tumble transactions in the block", len(tumbles))
	}
	tx := tumbles[0]
	body := tx.Body.(wire.Tumble)
	agg, _ := wire.AggregateKey(body.Keys())
	if tx.From != agg || tx.VerifySig(net) != nil || len(body.Inputs) != 5 {
		t.Fatalf("from %x, %d inputs", tx.From[:4], len(body.Inputs))
	}
	for _, w := range d.wallets {
		if got := d.balance(w.PubKey()); w == d.wallets[0] && got != 3*denom-(denom+1000+tumbler.DefaultTxFee+12345)+12345 && got != 3*denom-(denom+1000+tumbler.DefaultTxFee) {
			t.Errorf("wallet 0 balance %d", got)
		}
	}
	// Every output is its owner's: each sends 0.5 BVS back to the miner.
	for _, to := range tos {
		if got := d.balance(to.PubKey()); got != denom {
			t.Fatalf("output balance %d, want %d", got, denom)
		}
		d.transfer(to, 0, d.coord.Key.PubKey(), denom/2)
	}
	d.mineUntil("the outputs are spent", func() error {
		for _, to := range tos {
			if d.balance(to.PubKey()) >= denom/2+1 && d.balance(to.PubKey()) == denom {
				return errors.New("an output is not spent yet")
			}
		}
		return nil
	})
	// Every output came from its own fresh identity, none a node's.
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.peers) != 5 {
		t.Fatalf("%d connections from identities that are no node's, want one per output (a libp2p dial may open two connections of one identity: counted once)", len(obs.peers))
	}
	return &fiveRun{d: d, round: round.ID, tos: tos, regs: regs, obs: &obs, tx: tx}

}

// TestJoinRightAfterCoordinateWaitsForTheRoundToOpen: a round is
// Announced until the coordinator's next tick; a join that comes in that
// moment (a user who coordinates and joins at once) picks it and waits
// for it to open, instead of saying no round is open.
func TestJoinRightAfterCoordinateWaitsForTheRoundToOpen(t *testing.T) {
	d := newDevnet(t, 0, 1)
	ctx := context.Background()
	api := d.coord.API.Tumbler()
	round, err := api.Coordinate(ctx, tumbler.CoordinateConfig{Denomination: denom, Min: 2, Max: 2, FeeTo: d.coord.Key.PubKey()})
	if err != nil {
		t.Fatal(err)
	}
	if round.Phase != tumbler.Announced {
		t.Fatalf("a new round is at %s", round.Phase)
	}
	to, _ := wire.NewPrivKey()
	spare, _ := wire.NewPrivKey()
	jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	reg, err := api.Join(jctx, tumbler.JoinRequest{Secret: d.wallets[0].Bytes(), Amount: uint64(denom + 1000 + tumbler.DefaultTxFee),
		To: to.PubKey(), BlameTo: []wire.PubKey{spare.PubKey()}})
	if err != nil {
		t.Fatalf("join of the announced round: %v", err)
	}
	if reg.Round != round.ID {
		t.Fatalf("joined %s, not %s", reg.Round.Short(), round.ID.Short())
	}
}

// TestSubmitOfATransactionAlreadyInABlockIsNoError: participants hand the
// batch to their own nodes too, so a block may hold the tumble before the
// coordinator broadcasts it; that broadcast must not fail the round. A
// different transaction with a used nonce is still refused.
func TestSubmitOfATransactionAlreadyInABlockIsNoError(t *testing.T) {
	d := newDevnet(t, 0, 0)
	ctx := context.Background()
	net := d.h.Params().Net
	c := tumbler.NodeChain(d.coord.API, net)
	a, err := d.coord.API.Account(ctx, wire.EncodeAddress(net, d.coord.Key.PubKey()))
	if err != nil {
		t.Fatal(err)
	}
	tx := d.h.NewPut(d.coord.Key, a.NextNonce, "public/once", []byte("1"))
	if err := c.Submit(ctx, tx); err != nil {
		t.Fatal(err)
	}
	d.coord.Mine(1)
	if info, err := d.coord.API.Tx(ctx, tx.ID()); err != nil || info.Pending {
		t.Fatalf("not mined: %+v %v", info, err)
	}
	if err := c.Submit(ctx, tx); err != nil {
		t.Fatalf("the same transaction, already in a block: %v", err)
	}
	if err := c.Submit(ctx, d.h.NewPut(d.coord.Key, a.NextNonce, "public/once", []byte("2"))); err == nil {
		t.Fatal("another transaction with the used nonce was taken")
	}
}
