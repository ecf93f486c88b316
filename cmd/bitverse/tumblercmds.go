package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
	"github.com/bitverse/bitverse/wallet"
	"github.com/spf13/cobra"
)

// tumblerCmd is `bitverse tumbler coordinate|join|rounds|review|sign`.
func tumblerCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "tumbler",
		Short: "Tumble coins: rounds of one denomination, co-signed by every participant",
		Long: `A tumbler round pays a fixed denomination from several accounts to fresh
addresses in one transaction signed once by all of them, so the chain does
not show which input paid which output. A coordinator (any node) announces
a round; participants register an input (signed) and, from a fresh network
identity after a random delay, an output (with a blind token); every
participant checks the batch and co-signs it.

Denominations are 1, 2 or 5 × 10^k base units (0.0001 BVS … 50,000 BVS).
See the README, "What the tumbler hides and what it does not".`,
	}
	c.AddCommand(tumblerCoordinateCmd(), tumblerJoinCmd(), tumblerRoundsCmd(), tumblerReviewCmd(), tumblerSignCmd())
	return c
}

func tumblerCoordinateCmd() *cobra.Command {
	var denom, fee, feeTo string
	var minP, maxP int
	c := &cobra.Command{
		Use:   "coordinate",
		Short: "Announce a round coordinated by this node",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := params()
			if err != nil {
				return err
			}
			cc := tumbler.CoordinateConfig{Min: minP, Max: maxP}
			if cc.Denomination, err = wire.ParseAmount(denom); err != nil {
				return fmt.Errorf("--denomination: %w", err)
			}
			if !tumbler.IsDenomination(cc.Denomination) {
				return fmt.Errorf("--denomination %s is not a standard denomination: use 1, 2 or 5 × a power of ten, e.g. 0.01, 0.02, 0.05, 0.1, 1, 2, 5", denom)
			}
			if fee != "" {
				if cc.CoordinatorFee, err = wire.ParseAmount(fee); err != nil {
					return fmt.Errorf("--fee: %w", err)
				}
			}
			if feeTo != "" {
				if cc.FeeTo, err = wire.ParseAddress(p.Net, feeTo); err != nil {
					return fmt.Errorf("--fee-to: %w", err)
				}
			} else if cc.CoordinatorFee > 0 {
				return errors.New("a coordinator fee needs --fee-to ADDRESS to be paid to")
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			r, err := cl.Tumbler().Coordinate(cmd.Context(), cc)
			if err != nil {
				return err
			}
			return out(r, func(o io.Writer) {
				fmt.Fprintf(o, "round %s announced: %s a participant, fee %s + tx fee %s per input, %d..%d inputs; input registration opens at the coordinator's next tick (see `bitverse tumbler rounds`)\n",
					r.ID, bvs(r.Denomination), bvs(r.CoordinatorFee), bvs(r.TxFee), r.Min, r.Max)
			})
		},
	}
	fl := c.Flags()
	fl.StringVar(&denom, "denomination", "0.01", "the round's denomination in BVS (1, 2 or 5 × 10^k)")
	fl.StringVar(&fee, "fee", "", "coordinator fee per input in BVS (default none)")
	fl.StringVar(&feeTo, "fee-to", "", "address the coordinator fee goes to")
	fl.IntVar(&minP, "min", tumbler.DefaultMin, "fewest inputs the round runs with")
	fl.IntVar(&maxP, "max", tumbler.DefaultMax, "most inputs (input registration closes when reached)")
	addJSON(c)
	return c
}

type joinFlags struct {
	amount, denom, round, change string
	autoSign, yes, wait          bool
	timeout                      time.Duration
}

func tumblerJoinCmd() *cobra.Command {
	var f joinFlags
	c := &cobra.Command{
		Use:   "join --amount A",
		Short: "Tumble A BVS from the wallet account into a fresh account of the wallet",
		Long: `Register the wallet account (--account) in an open round: the
denomination goes to a new account of the wallet (created now, named
tumble-…), what is left over after the fees goes back to the paying
account (or --change). A registration is not a transaction: nothing moves
until every participant has co-signed the batch. The plan is shown and
confirmed first.

Without --auto-sign the node waits: review the batch with
` + "`bitverse tumbler review ROUND`" + ` and co-sign with ` + "`bitverse tumbler sign ROUND`" + `.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			return runJoin(ctx, f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.amount, "amount", "", "BVS taken from the account: at least the denomination plus the fees")
	fl.StringVar(&f.denom, "denomination", "", "join a round of this denomination (default: the largest open one the amount covers)")
	fl.StringVar(&f.round, "round", "", "join this round (its ID)")
	fl.StringVar(&f.change, "change", "", "address for the leftover (default: the paying account)")
	fl.BoolVar(&f.autoSign, "auto-sign", false, "co-sign the batch as soon as it passes every check")
	fl.BoolVarP(&f.yes, "yes", "y", false, "do not ask for confirmation")
	fl.BoolVar(&f.wait, "wait", false, "follow the round until the tumble is done or failed")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Minute, "with --wait, give up following after this long")
	c.MarkFlagRequired("amount")
	addJSON(c)
	return c
}

func runJoin(ctx context.Context, f joinFlags) error {
	p, err := params()
	if err != nil {
		return err
	}
	amount, err := wire.ParseAmount(f.amount)
	if err != nil {
		return fmt.Errorf("--amount: %w", err)
	}
	j := tumbler.JoinRequest{Amount: amount, AutoSign: f.autoSign}
	if f.denom != "" {
		if j.Denomination, err = wire.ParseAmount(f.denom); err != nil {
			return fmt.Errorf("--denomination: %w", err)
		}
	}
	if f.round != "" {
		if j.Round, err = wire.ParseHash(f.round); err != nil {
			return fmt.Errorf("--round: %w", err)
		}
	}
	if f.change != "" {
		if j.Change, err = wire.ParseAddress(p.Net, f.change); err != nil {
			return fmt.Errorf("--change: %w", err)
		}
	}
	cl, err := dial()
	if err != nil {
		return err
	}
	tm := cl.Tumbler()
	// The round it would join, for the plan.
	rounds, err := tm.Rounds(ctx)
	if err != nil {
		return err
	}
	r, ok := pickRound(rounds, j)
	if !ok {
		return tumbler.ErrNoOpenRound
	}
	w, acct, err := openAccount()
	if err != nil {
		return err
	}
	key, err := w.Key(acct.Name)
	if err != nil {
		return err
	}
	cost := r.Denomination + r.CoordinatorFee + r.TxFee
	if amount < cost {
		return fmt.Errorf("--amount %s does not cover the denomination %s plus the fees %s", bvs(amount), bvs(r.Denomination), bvs(r.CoordinatorFee+r.TxFee))
	}
	change := acct.Address
	if f.change != "" {
		change = f.change
	}
	fmt.Fprintf(os.Stderr, "Tumble: take %s from %s (%s) in round %s: %s to a new account of this wallet, %s back to %s, fees %s (coordinator %s, transaction %s).\n",
		bvs(amount), acct.Name, acct.Address, r.ID.Short(), bvs(r.Denomination), bvs(amount-cost), change,
		bvs(r.CoordinatorFee+r.TxFee), bvs(r.CoordinatorFee), bvs(r.TxFee))
	fmt.Fprintln(os.Stderr, "A registration is not a transaction: nothing moves until every participant co-signs the batch.")
	if !f.yes {
		ok, err := confirm("Register? [y/N] ")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("not registered")
		}
	}
	fresh, err := w.NewAccount(freshAccountName(w, "tumble-"+r.ID.Short()))
	if err != nil {
		return fmt.Errorf("a fresh account for the output: %w", err)
	}
	// A second fresh account, used only if the round fails in signing and
	// a blame round re-runs it: a blame round never reuses the first.
	spare, err := w.NewAccount(freshAccountName(w, "tumble-"+r.ID.Short()+"-blame"))
	if err != nil {
		return fmt.Errorf("a fresh account for a blame round's output: %w", err)
	}
	j.Secret, j.To, j.BlameTo, j.Round = key.Bytes(), fresh.PubKey, []wire.PubKey{spare.PubKey}, r.ID
	reg, err := tm.Join(ctx, j)
	if err != nil {
		return err
	}
	if !f.wait {
		return out(reg, func(o io.Writer) {
			fmt.Fprintf(o, "registered in round %s; the output goes to %s (account %s)\n", reg.Round, fresh.Address, fresh.Name)
			if !f.autoSign {
				fmt.Fprintf(o, "review the batch with `bitverse tumbler review %s`, co-sign with `bitverse tumbler sign %s`\n", reg.Round, reg.Round)
			}
		})
	}
	progress("registered in round %s; the output goes to %s (account %s)", reg.Round.Short(), fresh.Address, fresh.Name)
	final, err := followReg(ctx, tm, reg.Input, f.timeout)
	if err != nil {
		return err
	}
	return out(final, func(o io.Writer) {
		if final.Phase == tumbler.Done {
			fmt.Fprintf(o, "tumbled: transaction %s\n", final.TxID)
		} else {
			fmt.Fprintf(o, "the tumble failed: %s\n", final.Error)
		}
	})
}

// pickRound is the round the node would join (the service picks the
// same one; the CLI names it so the plan is exact).
func pickRound(rs []tumbler.RoundInfo, j tumbler.JoinRequest) (tumbler.RoundInfo, bool) {
	var best tumbler.RoundInfo
	found := false
	for _, r := range rs {
		if !j.Round.IsZero() {
			if r.ID == j.Round {
				return r, true
			}
			continue
		}
		if !r.Joinable() || r.Denomination+r.CoordinatorFee+r.TxFee > j.Amount ||
			(j.Denomination != 0 && r.Denomination != j.Denomination) {
			continue
		}
		if !found || r.Denomination > best.Denomination {
			best, found = r, true
		}
	}
	return best, found
}

// followReg polls the registration of input until it ends.
func followReg(ctx context.Context, tm tumbler.API, input wire.PubKey, timeout time.Duration) (tumbler.Registration, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := ""
	for {
		hist, err := tm.History(ctx)
		if err != nil {
			return tumbler.Registration{}, err
		}
		for _, h := range hist {
			if h.Input == input {
				return h, nil
			}
		}
		regs, err := tm.Registrations(ctx)
		if err != nil {
			return tumbler.Registration{}, err
		}
		for _, r := range regs {
			if r.Input == input && r.Phase.String()+r.State != last {
				last = r.Phase.String() + r.State
				progress("round %s: %s, %s", r.Round.Short(), r.Phase, r.State)
			}
		}
		select {
		case <-ctx.Done():
			return tumbler.Registration{}, errors.New("stopped following the round (it goes on in the node: see `bitverse tumbler rounds`)")
		case <-time.After(time.Second):
		}
	}
}

func tumblerRoundsCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "rounds",
		Short: "List the open and recent rounds this node knows, and its registrations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			tm := cl.Tumbler()
			rs, err := tm.Rounds(cmd.Context())
			if err != nil {
				return err
			}
			regs, err := tm.Registrations(cmd.Context())
			if err != nil {
				return err
			}
			hist, err := tm.History(cmd.Context())
			if err != nil {
				return err
			}
			type roundsOut struct {
				Rounds        []tumbler.RoundInfo    `json:"rounds"`
				Registrations []tumbler.Registration `json:"registrations"`
				History       []tumbler.Registration `json:"history"`
			}
			return out(roundsOut{rs, regs, hist}, func(o io.Writer) {
				if len(rs) == 0 {
					fmt.Fprintln(o, "no rounds known: coordinate one with `bitverse tumbler coordinate`")
				} else {
					fmt.Fprintln(o, "ROUND\tDENOMINATION\tFEE/INPUT\tINPUTS\tPHASE\tDEADLINE\tCOORDINATOR")
					for _, r := range rs {
						phase := r.Phase.String()
						if !r.BlameOf.IsZero() {
							phase += " (blame of " + r.BlameOf.Short() + ")"
						}
						coord := r.Coordinator
						if r.Mine {
							coord = "this node"
						} else if len(coord) > 12 {
							coord = "…" + coord[len(coord)-10:]
						}
						fmt.Fprintf(o, "%s\t%s\t%s\t%d (%d..%d)\t%s\t%d\t%s\n", r.ID.Short(), bvs(r.Denomination), bvs(r.CoordinatorFee+r.TxFee),
							r.Inputs, r.Min, r.Max, phase, r.Deadline, coord)
					}
				}
				for _, g := range append(regs, hist...) {
					msg := g.State
					if g.Error != "" {
						msg += ": " + g.Error
					}
					fmt.Fprintf(o, "mine: round %s, %s in, %s\n", g.Round.Short(), bvs(g.Amount), strings.TrimSpace(msg))
				}
			})
		},
	}
	addJSON(c)
	return c
}

func roundArg(s string) (wire.Hash, error) {
	h, err := wire.ParseHash(s)
	if err != nil {
		return h, fmt.Errorf("round %q: give the round's full ID (from `bitverse tumbler rounds --json`)", s)
	}
	return h, nil
}

func tumblerReviewCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "review ROUND",
		Short: "Show the batch of a round this node is in: every output, yours marked, the fee, the checks",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := params()
			if err != nil {
				return err
			}
			id, err := roundArg(args[0])
			if err != nil {
				return err
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			rv, err := cl.Tumbler().Review(cmd.Context(), id)
			if err != nil {
				return err
			}
			return out(rv, func(o io.Writer) {
				fmt.Fprintf(o, "round %s: %d inputs, you pay %s in fees, transaction fee %s\n", rv.Round.ID.Short(), len(rv.Inputs), bvs(rv.Fee), bvs(rv.TxFee))
				fmt.Fprintln(o, "\tOUTPUT\tAMOUNT\tKIND")
				for _, x := range rv.Outputs {
					mark := ""
					if x.Mine {
						mark = "*"
					}
					fmt.Fprintf(o, "%s\t%s\t%s\t%s\n", mark, wire.EncodeAddress(p.Net, x.To), bvs(x.Amount), x.Kind)
				}
				switch {
				case !rv.OK:
					fmt.Fprintf(o, "DO NOT SIGN: %s\n", rv.Problem)
				case rv.Signed:
					fmt.Fprintln(o, "every check passed; signed")
				default:
					fmt.Fprintf(o, "every check passed; co-sign with `bitverse tumbler sign %s`\n", rv.Round.ID)
				}
			})
		},
	}
	addJSON(c)
	return c
}

func tumblerSignCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "sign ROUND",
		Short: "Co-sign the reviewed batch of a round (only a batch that passed every check)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := roundArg(args[0])
			if err != nil {
				return err
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			if err := cl.Tumbler().CoSign(cmd.Context(), id); err != nil {
				return err
			}
			fmt.Println("signed; the round completes when every participant has")
			return nil
		},
	}
}

// freshAccountName is prefix-N for the first N from the wallet's account
// count that no account has: two joins of one round from one wallet (in
// the same second, too) each get an account of their own.
func freshAccountName(w *wallet.Wallet, prefix string) string {
	taken := map[string]bool{}
	for _, a := range w.Accounts() {
		taken[a.Name] = true
	}
	for n := len(taken); ; n++ {
		if name := fmt.Sprintf("%s-%d", prefix, n); !taken[name] {
			return name
		}
	}
}
