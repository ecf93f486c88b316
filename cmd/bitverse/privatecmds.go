package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
)

// privateRound is the round a private settlement of price would go
// through: the smallest open denomination at least the price, as the
// node's market picks it.
func privateRound(rounds []tumbler.RoundInfo, price uint64) (tumbler.RoundInfo, bool) {
	var best tumbler.RoundInfo
	ok := false
	for _, r := range rounds {
		if !r.Joinable() || r.Denomination < price || r.Inputs >= r.Max {
			continue
		}
		if !ok || r.Denomination < best.Denomination {
			best, ok = r, true
		}
	}
	return best, ok
}

// runPrivate settles a row privately: the plan shown and confirmed, then
// each step printed until the result is in.
func runPrivate(ctx context.Context, cl *rpc.Client, m market.API, net wire.Network, tb *market.Table, row int, f requestFlags,
	res *requestOut, start time.Time) error {
	r := tb.Rows[row]
	if r.Hops != 0 {
		return errors.New("a private settlement pays one worker: choose a row with 0 hops (--row)")
	}
	rounds, err := cl.Tumbler().Rounds(ctx)
	if err != nil {
		return err
	}
	w, acct, err := openAccount()
	if err != nil {
		return err
	}
	key, err := w.Key(acct.Name)
	if err != nil {
		return err
	}
	if !f.yes && !g.jsonOut {
		printTable(os.Stderr, tb)
		rd, ok := privateRound(rounds, r.Price)
		plan := "no open tumbler round takes it yet: the node waits up to 10 min for one"
		if ok {
			plan = fmt.Sprintf("one denomination of %s (round %s) plus fees %s (coordinator %s, transaction %s)",
				bvs(rd.Denomination), rd.ID.Short(), bvs(rd.CoordinatorFee+rd.TxFee), bvs(rd.CoordinatorFee), bvs(rd.TxFee))
		}
		fmt.Fprintf(os.Stderr, "Private settlement, row %d: the worker %s asks %s; %s pays %s, to a fresh address of the worker, through the tumbler.\n",
			row, wire.EncodeAddress(net, r.Worker), bvs(r.Price), acct.Name, plan)
		fmt.Fprintln(os.Stderr, "No bounty goes on chain and no reputation record is kept. The worker sends the result's signed hash before you co-sign, and the result once it is paid.")
		ok, err = confirm("Settle privately? [y/N] ")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("cancelled; nothing was sent")
		}
	}
	j, err := m.Private(ctx, market.PrivateOptions{Request: res.Request, Worker: r.Worker, Secret: key.Bytes()})
	if err != nil {
		return err
	}
	progress("private settlement of request %s: waiting for a tumbler round…", res.Request.Short())
	state := j.State
	mark := time.Now()
	for {
		js, err := m.PrivateJobs(ctx)
		if err != nil {
			return err
		}
		for i := range js {
			if js[i].Request == j.Request && js[i].Input == j.Input && js[i].Worker == j.Worker {
				j = &js[i]
				break
			}
		}
		if j.State != state {
			res.Timings[state] = time.Since(mark).Milliseconds()
			mark, state = time.Now(), j.State
			switch j.State {
			case market.PrivRegistered:
				progress("registered in round %s: %s to the worker's fresh address", j.Round.Short(), bvs(j.Denomination))
			case market.PrivHanded:
				progress("token handed over to the worker; waiting for its output registration…")
			case market.PrivHash:
				progress("the worker's signed result hash is in; co-signing the batch…")
			case market.PrivSigned:
				progress("signed; waiting for the tumble to confirm…")
			case market.PrivConfirmed:
				progress("tumble %s confirmed; waiting for the result…", j.TxID.Short())
			case market.PrivFailed:
				return fmt.Errorf("the private settlement failed: %s", j.Error)
			}
		}
		if j.State == market.PrivResult {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped waiting; the private settlement is at %s (the node carries on)", state)
		case <-time.After(200 * time.Millisecond):
		}
	}
	result, err := m.Result(ctx, j.ID)
	if err != nil {
		return err
	}
	res.Private, res.State = j, market.PrivResult
	res.Envelope, res.Kind, res.Size, res.Fuel, res.Amount = &result.Envelope, result.Kind, len(result.Value), result.Fuel, j.Denomination
	if f.out != "" {
		if err := os.WriteFile(f.out, result.Value, 0o644); err != nil {
			return fmt.Errorf("write the result: %w", err)
		}
		res.Out = f.out
	}
	res.Timings["total"] = time.Since(start).Milliseconds()
	return out(res, func(o io.Writer) {
		if f.out != "" {
			fmt.Fprintf(o, "wrote %d bytes (%s) to %s\n", len(result.Value), result.Kind, f.out)
		} else {
			fmt.Fprintf(o, "%s\n", result.Value)
		}
		fmt.Fprintf(o, "settled privately: %s paid through tumble %s (checked against the worker's signed hash, %d fuel)\n",
			bvs(j.Denomination), j.TxID.Short(), result.Fuel)
	})
}
