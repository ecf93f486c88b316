package rpc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/daemon"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
)

// TestTumblerOverTheLocalAPI: the tumbler API answers over the local API
// as in process, its errors keep their identity, events stream, and a node
// without a tumbler says so.
func TestTumblerOverTheLocalAPI(t *testing.T) {
	h := harness.New(t)
	n := h.NewNode("solo", harness.BeforeStart(func(d *daemon.Daemon) error { return d.RegisterTumbler(tumbler.Config{}) }))
	ctx := context.Background()
	tm := n.API.Tumbler()
	events := tm.Events()
	r, err := tm.Coordinate(ctx, tumbler.CoordinateConfig{Denomination: wire.Unit, Min: 2, Max: 3})
	if err != nil || r.Phase != tumbler.Announced || !r.Mine || r.TxFee != tumbler.DefaultTxFee {
		t.Fatalf("coordinate: %+v %v", r, err)
	}
	select {
	case e := <-events:
		if e.Round != r.ID || e.Phase != tumbler.Announced {
			t.Fatalf("event %+v", e)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no event over the local API")
	}
	rs, err := tm.Rounds(ctx)
	if err != nil || len(rs) != 1 || rs[0].ID != r.ID {
		t.Fatalf("rounds %+v %v", rs, err)
	}
	if _, err := tm.Coordinate(ctx, tumbler.CoordinateConfig{Denomination: 3}); err == nil {
		t.Fatal("a non-standard denomination was announced")
	}
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"review of a round it is not in", func() error { _, err := tm.Review(ctx, r.ID); return err }(), tumbler.ErrNotIn},
		{"co-sign of a round it is not in", tm.CoSign(ctx, r.ID), tumbler.ErrNotIn},
		{"join with no round of the amount", func() error {
			k, _ := wire.NewPrivKey()
			_, err := tm.Join(ctx, tumbler.JoinRequest{Secret: k.Bytes(), Amount: 5, To: wire.PubKey{1}})
			return err
		}(), tumbler.ErrNoOpenRound},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	regs, err := tm.Registrations(ctx)
	if err != nil || len(regs) != 0 {
		t.Fatalf("registrations %+v %v", regs, err)
	}

	// A node that opts in keeps a round on its default terms open.
	auto := h.NewNode("auto", harness.BeforeStart(func(d *daemon.Daemon) error {
		return d.RegisterTumbler(tumbler.Config{Coordinate: true, Default: tumbler.CoordinateConfig{Denomination: 2 * wire.Unit}, Poll: 50 * time.Millisecond})
	}))
	testutil.Eventually(t, 30*time.Second, "the opted-in node's open round", func() error {
		rs, err := auto.API.Tumbler().Rounds(ctx)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.Mine && r.Phase == tumbler.InputRegistration && r.Denomination == 2*wire.Unit {
				return nil
			}
		}
		return errors.New("no open round yet")
	})

	bare := h.NewNode("bare")
	if _, err := bare.API.Tumbler().Rounds(ctx); !errors.Is(err, tumbler.ErrNoTumbler) {
		t.Fatalf("tumbler of a node without one: %v", err)
	}
}
