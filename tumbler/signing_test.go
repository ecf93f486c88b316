package tumbler_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/tumbler"
)

// A slow signer (a hardware wallet, a user reading the batch) co-signs in
// the last block of the signing window: the round completes, nobody is
// blamed.
func TestSlowSignerJustInsideTheSigningWindowSucceeds(t *testing.T) {
	d := newDevnet(t, 2, 2)
	ctx := context.Background()
	coord := d.coord.API.Tumbler()
	round, err := coord.Coordinate(ctx, tumbler.CoordinateConfig{Denomination: denom, Min: 2, Max: 2})
	if err != nil {
		t.Fatal(err)
	}
	amount := uint64(denom + tumbler.DefaultTxFee)
	d.join(d.parts[0], d.wallets[0], amount, true)
	_, to := d.join(d.parts[1], d.wallets[1], amount, false)
	testutil.Eventually(t, 60*time.Second, "the batch is up for review", func() error {
		_, err := d.parts[1].API.Tumbler().Review(ctx, round.ID)
		return err
	})
	ri := find(t, coord, round.ID)
	if ri.Phase != tumbler.Signing {
		t.Fatalf("round at %s", ri.Phase)
	}
	// Mine to the last height before the signing deadline, every node
	// there (the coordinator ticks at each height it reads).
	for {
		st, err := d.coord.Node.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Height+1 >= ri.Deadline {
			break
		}
		d.coord.Mine(1)
		d.sync()
	}
	if got := find(t, coord, round.ID); got.Phase != tumbler.Signing {
		t.Fatalf("one block before the deadline the round is at %s %s", got.Phase, got.Error)
	}
	if err := d.parts[1].API.Tumbler().CoSign(ctx, round.ID); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 60*time.Second, "the round completes without another block", func() error {
		got := find(t, coord, round.ID)
		switch got.Phase {
		case tumbler.Done:
			return nil
		case tumbler.Failed:
			t.Fatalf("the slow signer's round failed: %s", got.Error)
		}
		return fmt.Errorf("round at %s", got.Phase)
	})
	d.mineUntil("the slow signer's output is paid", func() error {
		if d.balance(to.PubKey()) != denom {
			return errors.New("not paid yet")
		}
		return nil
	})
}
