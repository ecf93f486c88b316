package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet"
	"github.com/bitverse/bitverse/wallet/plan"
	"github.com/spf13/cobra"
)

// Commands that send transactions only parse their arguments into an
// intent: the planner (wallet/plan) makes the transactions, nonces, fees
// and stamps; this file shows the plan, confirms, signs, submits and
// prints.

// txFlags are what every command that sends takes.
type txFlags struct {
	fee       string
	wait, yes bool
}

func (f *txFlags) add(c *cobra.Command) {
	f.addFeeWait(c)
	c.Flags().BoolVarP(&f.yes, "yes", "y", false, "do not ask for confirmation")
}

func (f *txFlags) addFeeWait(c *cobra.Command) {
	c.Flags().StringVar(&f.fee, "fee", "", "fee in BVS (default: the minimum)")
	c.Flags().BoolVar(&f.wait, "wait", false, "return when the transaction is in a block")
	addJSON(c)
}

// sendIntent plans in for the wallet's account, asks for confirmation
// when ask (unless --yes or --json), signs, submits and prints.
func sendIntent(ctx context.Context, f txFlags, in plan.Intent, ask bool) error {
	cl, err := dial()
	if err != nil {
		return err
	}
	w, acct, err := openAccount()
	if err != nil {
		return err
	}
	pl, err := planFor(ctx, cl, acct, in, f.fee)
	if err != nil {
		return err
	}
	return execute(ctx, cl, w, pl, f, ask)
}

// planFor asks the planner for in; a plan the node would refuse is an
// error, in the node's words.
func planFor(ctx context.Context, cl *rpc.Client, acct wallet.Account, in plan.Intent, fee string) (*plan.Plan, error) {
	p, err := params()
	if err != nil {
		return nil, err
	}
	from, err := wire.ParseAddress(p.Net, acct.Address)
	if err != nil {
		return nil, err
	}
	var opt plan.Options
	if fee != "" {
		if opt.Fee, err = wire.ParseAmount(fee); err != nil {
			return nil, err
		}
		if opt.Fee == 0 {
			return nil, errors.New("--fee 0 is below the minimum; leave --fee out to pay the minimum")
		}
	}
	pl, err := plan.New(p, cl).Plan(ctx, from, in, opt)
	if err != nil {
		return nil, err
	}
	return pl, pl.Refused()
}

// execute confirms (if asked), signs and submits pl, then reports its
// last transaction (following it into a block with --wait).
func execute(ctx context.Context, cl node.API, w *wallet.Wallet, pl *plan.Plan, f txFlags, ask bool) error {
	if ask && !f.yes && !g.jsonOut {
		ok, err := confirm(describePlan(pl) + "? [y/N] ")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("cancelled; nothing was sent")
		}
	}
	if err := pl.Sign(func(tx *wire.Tx) error { return w.Sign(g.account, tx) }); err != nil {
		return err
	}
	ids, err := pl.Submit(ctx, cl)
	for i, id := range ids {
		if st := pl.Steps[i]; st.Auto {
			fmt.Fprintf(os.Stderr, "write credit does not cover the fee: %s (fee %s) first, in %s\n",
				strings.Replace(st.What, "stamp ", "stamping ", 1), bvs(st.Tx.Fee), id.Short())
		}
	}
	if err != nil {
		return err
	}
	return report(ctx, cl, ids[len(ids)-1], f.wait)
}

// describePlan is the plan in a sentence, for confirmation.
func describePlan(pl *plan.Plan) string {
	parts := make([]string, len(pl.Steps))
	for i, s := range pl.Steps {
		parts[i] = fmt.Sprintf("%s (fee %s)", s.What, bvs(s.Tx.Fee))
	}
	r := []rune(strings.Join(parts, ", then "))
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func confirm(prompt string) (bool, error) {
	fmt.Fprint(os.Stderr, prompt)
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return false, errors.New("no confirmation on stdin; pass --yes to send without asking")
	}
	line = strings.ToLower(strings.TrimSpace(line))
	return line == "y" || line == "yes", nil
}

// report prints a submitted transaction and, with wait, follows it into
// a block.
func report(ctx context.Context, api node.API, id wire.Hash, wait bool) error {
	if !wait {
		return out(map[string]any{"tx": id, "status": "pending"}, func(o io.Writer) {
			fmt.Fprintf(o, "accepted: %s (pending; --wait follows it into a block)\n", id)
		})
	}
	if !g.jsonOut {
		fmt.Fprintf(os.Stderr, "accepted: %s, waiting for a block…\n", id)
	}
	info, err := waitForTx(ctx, api, id)
	if err != nil {
		return err
	}
	return out(info, func(o io.Writer) {
		fmt.Fprintf(o, "confirmed: %s in block %d (%s)\n", id, info.Height, info.Block.Short())
	})
}

// errLeftMempool is a transaction followed with --wait that left the
// mempool unconfirmed.
var errLeftMempool = errors.New("left the mempool without confirming (replaced, or invalid after a reorg)")

func waitForTx(ctx context.Context, api node.API, id wire.Hash) (*node.TxInfo, error) {
	ctx, cancel := signalContext(ctx)
	defer cancel()
	for {
		info, err := api.Tx(ctx, id)
		if err == nil && !info.Pending {
			return info, nil
		}
		if errors.Is(err, node.ErrNotFound) {
			return nil, fmt.Errorf("transaction %s %w", id.Short(), errLeftMempool)
		}
		if err != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("stopped waiting; transaction %s is still pending", id.Short())
		case <-time.After(300 * time.Millisecond):
		}
	}
}
