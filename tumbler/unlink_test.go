package tumbler_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
)

// After a five-wallet round (the devnet acceptance: one tumble
// transaction, one signature, outputs spendable), the coordinator's entire
// state and journal are read and the obvious attacks tried; none links an
// input to an output.
func TestCoordinatorCannotLinkInputsToOutputs(t *testing.T) {
	r := runFive(t, 2)
	net := r.d.h.Params().Net
	st := r.d.coord.Daemon.Tumbler().StateOf(r.round)
	if st == nil {
		t.Fatal("the coordinator forgot the round")
	}
	outputs := map[wire.PubKey]bool{}
	for _, k := range r.tos {
		outputs[k.PubKey()] = true
	}
	b := st.Status.Batch

	// Order: the batch lists outputs in canonical order (by address), not
	// in the order they came; the state keeps them as a set.
	if !slices.IsSortedFunc(b.Body.Outputs, func(x, y wire.TumbleOutput) int { return bytes.Compare(x.To[:], y.To[:]) }) {
		t.Fatal("the batch's outputs are not in canonical order")
	}
	if len(st.Outputs) != len(outputs) {
		t.Fatalf("the coordinator holds %d outputs", len(st.Outputs))
	}

	// Timing and connection identity: the journal never names an output
	// (so it holds no arrival time or sender of one), and every output
	// came over an identity that is no node's and served nothing else.
	for _, line := range st.Journal {
		for to := range outputs {
			for _, form := range []string{hex.EncodeToString(to[:6]), hex.EncodeToString(to[:]), wire.EncodeAddress(net, to)} {
				if strings.Contains(line, form) {
					t.Fatalf("the journal names an output: %q", line)
				}
			}
		}
	}
	r.obs.mu.Lock()
	fresh := slices.Clone(r.obs.peers)
	r.obs.mu.Unlock()
	if len(fresh) != len(outputs) {
		t.Fatalf("%d fresh identities for %d outputs", len(fresh), len(outputs))
	}
	for _, p := range fresh {
		for _, n := range r.d.all() {
			if p == n.ID() {
				t.Fatal("an output came from a node's own identity")
			}
		}
	}

	// Token issuance: what the coordinator signed at input registration
	// (blinded tokens) shares nothing with what it saw at output
	// registration (tokens, their hashes, the addresses they sign).
	for in, blinded := range st.Blinded {
		if len(blinded) != tumbler.TokenSize {
			t.Fatalf("input %x: blinded token of %d bytes", in[:4], len(blinded))
		}
		bh := wire.Sum(blinded)
		for _, spent := range st.Spent {
			if spent == bh {
				t.Fatal("a redeemed token equals a blinded one")
			}
		}
		for to := range outputs {
			if bytes.Contains(blinded, to[:8]) {
				t.Fatal("a blinded token carries an output address")
			}
		}
	}
	// Every input got exactly one token and every output redeemed one: the
	// counts match, so the counts link nothing either.
	if len(st.Blinded) != len(st.Spent) {
		t.Fatalf("%d tokens issued, %d redeemed", len(st.Blinded), len(st.Spent))
	}
}

// One participant registers, never signs and spends its coins meanwhile:
// the round fails at its signing deadline with none of the others' coins
// moved, the silent input is banned (the longer time, for the double
// spend), and the blame round of the two others completes without another
// block. The coordinator's state and journal of both rounds then cannot
// tell which output of the failed round was whose, nor link the blame
// round's outputs to the failed round's (checkBlameUnlinkable).
func TestSilentSignerBlamedAndBlameRoundCompletes(t *testing.T) {
	d := newDevnet(t, 2, 3)
	ctx := context.Background()
	coord := d.coord.API.Tumbler()
	var obs outputPeers
	obs.watch(d.coord, d.all())
	round, err := coord.Coordinate(ctx, tumbler.CoordinateConfig{Denomination: denom, Min: 3, Max: 3})
	if err != nil {
		t.Fatal(err)
	}
	amount := uint64(denom + tumbler.DefaultTxFee)
	events := d.parts[1].API.Tumbler().Events() // what a TUI on that node sees
	_, to0 := d.join(d.parts[0], d.wallets[0], amount, true)
	_, to1 := d.join(d.parts[1], d.wallets[1], amount, true)
	silentReg, toSilent := d.join(d.parts[1], d.wallets[2], amount, false)
	before := []uint64{d.balance(d.wallets[0].PubKey()), d.balance(d.wallets[1].PubKey()), d.balance(d.wallets[2].PubKey())}

	// The silent participant's node shows the batch for review: the
	// outputs of both its wallets marked, every check passed, not all
	// signed.
	var rv *tumbler.Review
	testutil.Eventually(t, 30*time.Second, "the batch is up for review", func() error {
		rv, err = d.parts[1].API.Tumbler().Review(ctx, silentReg.Round)
		return err
	})
	mine := 0
	for _, o := range rv.Outputs {
		if o.Mine {
			mine++
		}
	}
	if !rv.OK || mine != 2 || rv.Signed {
		t.Fatalf("review: ok %v (%s), %d outputs mine, signed %v", rv.OK, rv.Problem, mine, rv.Signed)
	}

	// The silent one spends its coins meanwhile (its input's nonce moves
	// on): a double spend, banned the longer time.
	d.transfer(d.wallets[2], 0, d.coord.Key.PubKey(), denom/10)

	// Mine to the signing deadline: the round fails, nobody's coins move.
	var failedAt uint64
	d.mineUntil("the round fails at its signing deadline", func() error {
		ri := find(t, coord, round.ID)
		if ri.Phase != tumbler.Failed {
			return fmt.Errorf("round at %s", ri.Phase)
		}
		failedAt = ri.Deadline
		return nil
	})
	for i, w := range d.wallets[:2] {
		if got := d.balance(w.PubKey()); got != before[i] {
			t.Fatalf("wallet %d's balance moved in a failed round", i)
		}
	}
	d.mineUntil("the silent one's own transfer is mined", func() error {
		if d.balance(d.wallets[2].PubKey()) == before[2] {
			return errors.New("not yet")
		}
		return nil
	})
	silentAfter := d.balance(d.wallets[2].PubKey())
	banned := false
	for _, line := range d.coord.Daemon.Tumbler().Journal() {
		var until uint64
		k := d.wallets[2].PubKey()
		if _, err := fmt.Sscanf(line, "input "+hex.EncodeToString(k[:6])+" banned until height %d", &until); err == nil {
			banned = true
			if until < failedAt+tumbler.DoubleSpendBanBlocks {
				t.Fatalf("the double-spending input is banned until %d, less than %d blocks after %d", until, tumbler.DoubleSpendBanBlocks, failedAt)
			}
		}
	}
	if !banned {
		t.Fatalf("the silent input is not banned: %q", d.coord.Daemon.Tumbler().Journal())
	}
	// The blame round completes with the two signers, no block needed.
	var blame tumbler.RoundInfo
	testutil.Eventually(t, 60*time.Second, "the blame round is broadcast", func() error {
		rs, err := coord.Rounds(ctx)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.BlameOf == round.ID {
				blame = r
				if r.Phase == tumbler.Done {
					return nil
				}
				return fmt.Errorf("blame round at %s %s", r.Phase, r.Error)
			}
		}
		return fmt.Errorf("no blame round yet")
	})
	st, err := d.coord.Node.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Height > failedAt+testConfig().SigningBlocks {
		t.Fatalf("blame round done at height %d, more than a signing timeout after the failure at %d", st.Height, failedAt)
	}
	if blame.Inputs != 2 {
		t.Fatalf("blame round with %d inputs", blame.Inputs)
	}
	d.mineUntil("the blame round's tumble is mined", func() error {
		if d.balance(d.wallets[0].PubKey()) == before[0] || d.balance(d.wallets[1].PubKey()) == before[1] {
			return fmt.Errorf("not mined yet")
		}
		return nil
	})
	if d.balance(d.wallets[2].PubKey()) != silentAfter {
		t.Fatal("the silent wallet's coins moved in the blame round")
	}
	// The signers' denominations went to their fresh blame-round
	// addresses, spendable by their owners; the first round's addresses
	// stay unused.
	for _, to := range []wire.PrivKey{to0, to1} {
		spare := d.spares[to.PubKey()]
		if got := d.balance(spare.PubKey()); got != denom {
			t.Fatalf("the blame-round address holds %d, want %d", got, denom)
		}
		if got := d.balance(to.PubKey()); got != 0 {
			t.Fatalf("the failed round's output address was paid %d", got)
		}
		d.transfer(spare, 0, d.coord.Key.PubKey(), denom/2)
	}
	d.mineUntil("the blame-round outputs are spent", func() error {
		for _, to := range []wire.PrivKey{to0, to1} {
			if d.balance(d.spares[to.PubKey()].PubKey()) == denom {
				return errors.New("a blame-round output is not spent yet")
			}
		}
		return nil
	})
	checkBlameUnlinkable(t, d, &obs, round.ID, blame.ID, []wire.PrivKey{to0, to1, toSilent}, []wire.PubKey{d.wallets[0].PubKey(), d.wallets[1].PubKey()})
	// The silent input is banned from the coordinator's next round.
	next, err := coord.Coordinate(ctx, tumbler.CoordinateConfig{Denomination: denom, Min: 2, Max: 2})
	if err != nil {
		t.Fatal(err)
	}
	to, _ := wire.NewPrivKey()
	_, err = d.parts[1].API.Tumbler().Join(ctx, tumbler.JoinRequest{Secret: d.wallets[2].Bytes(), Amount: amount, To: to.PubKey(), Round: next.ID})
	if err == nil || !strings.Contains(err.Error(), "banned") {
		t.Fatalf("the silent input joined again: %v", err)
	}
	// Its node's history says what happened.
	hist, err := d.parts[1].API.Tumbler().History(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, h := range hist {
		if h.Input == d.wallets[2].PubKey() && h.Phase == tumbler.Failed {
			found = true
		}
	}
	if !found {
		t.Fatalf("the silent registration is not in its node's history as failed: %+v", hist)
	}
	// Its node streamed the phase changes: the review, the failed round,
	// the blame round done.
	saw := map[string]bool{}
	testutil.Eventually(t, 10*time.Second, "the events of the round", func() error {
		for {
			select {
			case e := <-events:
				switch {
				case e.Round == round.ID && e.State == "review":
					saw["review"] = true
				case e.Round == round.ID && e.Phase == tumbler.Failed:
					saw["failed"] = true
				case e.Round == blame.ID && e.Phase == tumbler.Done:
					saw["blame done"] = true
				}
				continue
			default:
			}
			if len(saw) == 3 {
				return nil
			}
			return fmt.Errorf("saw %v", saw)
		}
	})
}

func find(t testing.TB, api tumbler.API, id wire.Hash) tumbler.RoundInfo {
	t.Helper()
	rs, err := api.Rounds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("round %s unknown", id.Short())
	return tumbler.RoundInfo{}
}

// checkBlameUnlinkable reads the coordinator's state and journal of a
// failed round and its blame round: the blame round's outputs are all new
// addresses (had a signer reused its output, the failed round's output
// missing from the blame round would be the blamed participant's), each
// came from its own fresh identity used for nothing else, tokens went to
// the signers' inputs only, and the journal names no output of either.
func checkBlameUnlinkable(t *testing.T, d *devnet, obs *outputPeers, failed, blame wire.Hash, tos []wire.PrivKey, signers []wire.PubKey) {
	t.Helper()
	net := d.h.Params().Net
	svc := d.coord.Daemon.Tumbler()
	fst, bst := svc.StateOf(failed), svc.StateOf(blame)
	if fst == nil || bst == nil {
		t.Fatal("the coordinator forgot a round")
	}
	if len(fst.Outputs) != len(tos) || len(bst.Outputs) != len(signers) {
		t.Fatalf("%d outputs in the failed round, %d in the blame round", len(fst.Outputs), len(bst.Outputs))
	}
	for _, o := range bst.Outputs {
		if slices.Contains(fst.Outputs, o) {
			t.Fatalf("the blame round reuses output %x of the failed round: the failed round's outputs missing from it are the blamed participant's", o[:4])
		}
	}
	for _, b := range bst.Status.Batch.Body.Outputs {
		for _, f := range fst.Status.Batch.Body.Outputs {
			if b.To == f.To && b.Amount == fst.Status.Terms.Denomination {
				t.Fatalf("a denomination output of the blame round pays an address of the failed round")
			}
		}
	}
	// Tokens: one per signer's input, none for the blamed input.
	if len(bst.Blinded) != len(signers) {
		t.Fatalf("%d tokens issued in the blame round for %d signers", len(bst.Blinded), len(signers))
	}
	for in := range bst.Blinded {
		if !slices.Contains(signers, in) {
			t.Fatalf("the blame round issued a token to input %x, which did not sign", in[:4])
		}
		for _, fb := range fst.Blinded {
			if bytes.Equal(fb, bst.Blinded[in]) {
				t.Fatal("a blinded token of the blame round repeats one of the failed round")
			}
		}
	}
	for _, h := range bst.Spent {
		if slices.Contains(fst.Spent, h) {
			t.Fatal("a token of the failed round was redeemed again in the blame round")
		}
	}
	// Every output of both rounds came from its own fresh identity.
	obs.mu.Lock()
	fresh := len(obs.peers)
	obs.mu.Unlock()
	if want := len(fst.Outputs) + len(bst.Outputs); fresh != want {
		t.Fatalf("%d fresh identities for %d outputs over both rounds", fresh, want)
	}
	// The journal names no output of either round.
	all := append(slices.Clone(fst.Outputs), bst.Outputs...)
	for _, line := range bst.Journal {
		for _, to := range all {
			for _, form := range []string{hex.EncodeToString(to[:6]), hex.EncodeToString(to[:]), wire.EncodeAddress(net, to)} {
				if strings.Contains(line, form) {
					t.Fatalf("the journal names an output: %q", line)
				}
			}
		}
	}
}
