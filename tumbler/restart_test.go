package tumbler_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
)

// regOf is the registration of input on a node: running or finished.
func regOf(n *harness.Node, input wire.PubKey) (tumbler.Registration, error) {
	ctx := context.Background()
	api := n.API.Tumbler()
	regs, err := api.Registrations(ctx)
	if err != nil {
		return tumbler.Registration{}, err
	}
	hist, err := api.History(ctx)
	if err != nil {
		return tumbler.Registration{}, err
	}
	for _, g := range append(regs, hist...) {
		if g.Input == input {
			return g, nil
		}
	}
	return tumbler.Registration{}, fmt.Errorf("no registration of %x", input[:4])
}

// A participant's node restarts between its registration and signing: the
// registration is still listed, registers its output with the token kept
// from before, and is reviewed and co-signed after the restart. It
// restarts again after signing, before the tumble is mined: the finished
// registration is in its history with the transaction, and the output is
// paid.
func TestRegistrationSurvivesRestartsBeforeSigningAndBeforeConfirmation(t *testing.T) {
	d := newDevnet(t, 2, 2)
	ctx := context.Background()
	round, err := d.coord.API.Tumbler().Coordinate(ctx, tumbler.CoordinateConfig{Denomination: denom, Min: 2, Max: 2})
	if err != nil {
		t.Fatal(err)
	}
	amount := uint64(denom + tumbler.DefaultTxFee)
	p0, in0 := d.parts[0], d.wallets[0].PubKey()
	reg, to := d.join(p0, d.wallets[0], amount, false)
	if reg.Round != round.ID {
		t.Fatalf("joined %s", reg.Round.Short())
	}

	p0.Restart()
	g, err := regOf(p0, in0)
	if err != nil {
		t.Fatalf("after a restart: %v", err)
	}
	if g.Round != round.ID || g.To != to.PubKey() || g.Phase.Ended() {
		t.Fatalf("after a restart the registration is %+v", g)
	}

	d.join(d.parts[1], d.wallets[1], amount, true)
	var rv *tumbler.Review
	testutil.Eventually(t, 60*time.Second, "the restarted node's registration reaches review", func() error {
		rv, err = p0.API.Tumbler().Review(ctx, round.ID)
		return err
	})
	if !rv.OK || rv.Signed {
		t.Fatalf("review after a restart: ok %v (%s), signed %v", rv.OK, rv.Problem, rv.Signed)
	}
	if err := p0.API.Tumbler().CoSign(ctx, round.ID); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 60*time.Second, "the tumble is broadcast", func() error {
		g, err := regOf(p0, in0)
		if err != nil {
			return err
		}
		if g.Phase != tumbler.Done || g.TxID.IsZero() {
			return fmt.Errorf("registration at %s, %s %s", g.Phase, g.State, g.Error)
		}
		return nil
	})
	done, _ := regOf(p0, in0)

	p0.Restart()
	g, err = regOf(p0, in0)
	if err != nil {
		t.Fatalf("after the second restart: %v", err)
	}
	if g.Phase != tumbler.Done || g.TxID != done.TxID {
		t.Fatalf("after the second restart the registration is %+v, want done with %s", g, done.TxID.Short())
	}
	d.h.Connect(p0, d.coord)
	d.mineUntil("the tumble is mined and the output paid", func() error {
		if d.balance(to.PubKey()) != denom {
			return errors.New("not paid yet")
		}
		return nil
	})
}

// A participant's node restarts after giving its MuSig2 nonce, before its
// partial signature: the secret nonce died with the process, so the
// restored registration never signs that round (no second nonce, no
// partial); it is blamed as silent, and the blame round of the others
// completes.
func TestSignerRestartedMidSigningNeverSignsAgain(t *testing.T) {
	d := newDevnet(t, 2, 3)
	ctx := context.Background()
	coord := d.coord.API.Tumbler()
	round, err := coord.Coordinate(ctx, tumbler.CoordinateConfig{Denomination: denom, Min: 3, Max: 3})
	if err != nil {
		t.Fatal(err)
	}
	amount := uint64(denom + tumbler.DefaultTxFee)
	p0, in0 := d.parts[0], d.wallets[0].PubKey()
	d.join(p0, d.wallets[0], amount, true)
	d.join(d.parts[1], d.wallets[1], amount, true)
	d.join(d.parts[1], d.wallets[2], amount, false) // holds the round in signing
	testutil.Eventually(t, 60*time.Second, "the first signer's nonce is in", func() error {
		st := d.coord.Daemon.Tumbler().StateOf(round.ID)
		if st == nil || !slices.Contains(st.Nonced, in0) {
			return errors.New("not yet")
		}
		return nil
	})

	p0.Restart()
	testutil.Eventually(t, 60*time.Second, "the restored registration knows it cannot sign", func() error {
		g, err := regOf(p0, in0)
		if err != nil {
			return err
		}
		if g.State != "interrupted" {
			return fmt.Errorf("registration %s %s", g.State, g.Error)
		}
		return nil
	})
	if err := d.parts[1].API.Tumbler().CoSign(ctx, round.ID); err != nil {
		t.Fatal(err)
	}
	d.mineUntil("the round fails at its signing deadline", func() error {
		if ri := find(t, coord, round.ID); ri.Phase != tumbler.Failed {
			return fmt.Errorf("round at %s", ri.Phase)
		}
		return nil
	})
	st := d.coord.Daemon.Tumbler().StateOf(round.ID)
	for _, p := range st.Status.Proofs {
		if p.Key == in0 {
			t.Fatal("the restarted signer gave a partial signature")
		}
	}
	testutil.Eventually(t, 60*time.Second, "the blame round of the two others is done", func() error {
		rs, err := coord.Rounds(ctx)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.BlameOf == round.ID {
				if r.Phase != tumbler.Done || r.Inputs != 2 {
					return fmt.Errorf("blame round at %s with %d inputs", r.Phase, r.Inputs)
				}
				return nil
			}
		}
		return errors.New("no blame round yet")
	})
	testutil.Eventually(t, 30*time.Second, "the restarted registration ends failed", func() error {
		g, err := regOf(p0, in0)
		if err != nil {
			return err
		}
		if g.Phase != tumbler.Failed {
			return fmt.Errorf("registration at %s %s", g.Phase, g.State)
		}
		if strings.Contains(g.Error, "nonce") {
			t.Fatalf("the restored signer tried to give a nonce again: %s", g.Error)
		}
		return nil
	})
}
