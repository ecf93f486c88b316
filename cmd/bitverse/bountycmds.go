package main

import (
	"fmt"
	"io"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
	"github.com/spf13/cobra"
)

// bountyCommands are the market's on-chain commands: bounties, bounty
// (show, fund, settle, dispute, refund) and reputation. Flags and printing
// only: the planner checks and builds the transactions.
func bountyCommands() []*cobra.Command {
	b := &cobra.Command{
		Use:   "bounty",
		Short: "Show a bounty, or settle, dispute or refund one",
		Long: `A bounty escrows coins on the root chain for the result of a request.
A worker accepts it (escrowing a stake), commits the hash of its result
before the deadline, and is paid when the requester settles, or by itself
once the settle window after its commit has passed. The requester may
dispute within the window: the worker gets its stake back and the amount is
burned. Without a commit by the deadline anyone may refund it: the amount
goes back to the requester and an accepted worker's stake is burned.

Examples:
  bitverse bounty show 3f2a…
  bitverse bounty settle 3f2a… --wait
  bitverse bounty dispute 3f2a…
  bitverse bounty refund 3f2a… --yes`,
	}
	b.AddCommand(bountyShowCmd(), bountyFundCmd(),
		bountyMoveCmd("settle", "Pay a committed bounty to its worker (requester any time; worker after the window)",
			func(id wire.Hash) plan.Intent { return plan.Settle{Bounty: id} }),
		bountyMoveCmd("dispute", "Reject a committed result within the window (the amount is burned, the stake returned)",
			func(id wire.Hash) plan.Intent { return plan.Dispute{Bounty: id} }),
		bountyMoveCmd("refund", "Return an uncommitted bounty's amount at its deadline (anyone may)",
			func(id wire.Hash) plan.Intent { return plan.Refund{Bounty: id} }))
	return []*cobra.Command{bountiesCmd(), b, reputationCmd()}
}

func parseBountyID(s string) (wire.Hash, error) {
	id, err := wire.ParseHash(s)
	if err != nil {
		return id, fmt.Errorf("%q is not a bounty ID (the 64 hex digits of the bounty transaction's ID): %w", s, err)
	}
	return id, nil
}

func bountiesCmd() *cobra.Command {
	var openOnly, mine bool
	var f node.BountyFilter
	c := &cobra.Command{
		Use:   "bounties [--open] [--mine]",
		Short: "List bounties on the chain, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if openOnly {
				if f.State != "" && f.State != "open" {
					return fmt.Errorf("--open and --state %s contradict each other", f.State)
				}
				f.State = "open"
			}
			if mine {
				_, acct, err := openAccount()
				if err != nil {
					return err
				}
				f.Party = acct.Address
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			list, err := cl.Bounties(cmd.Context(), f)
			if err != nil {
				return err
			}
			if list == nil {
				list = []node.BountyInfo{}
			}
			return out(list, func(o io.Writer) {
				if len(list) == 0 {
					fmt.Fprintln(o, "no bounties")
					return
				}
				fmt.Fprintln(o, "ID\tSTATE\tAMOUNT\tDEADLINE\tREQUESTER\tWORKER")
				for _, b := range list {
					w := b.Worker
					if w == "" {
						w = "(open)"
					}
					fmt.Fprintf(o, "%s\t%s\t%s\t%d\t%s\t%s\n", b.ID.Short(), b.State, bvs(b.Amount), b.Deadline, short(b.Requester), short(w))
				}
			})
		},
	}
	c.Flags().BoolVar(&openOnly, "open", false, "only bounties no worker has accepted yet")
	c.Flags().BoolVar(&mine, "mine", false, "only bounties your account requested or works on")
	c.Flags().StringVar(&f.State, "state", "", "only bounties in this state (open, accepted, committed, settled, disputed, refunded)")
	c.Flags().StringVar(&f.Party, "party", "", "only bounties this address requested or works on")
	c.Flags().IntVar(&f.Limit, "limit", 100, "at most this many")
	addJSON(c)
	return c
}

// short abbreviates an address for a table.
func short(addr string) string {
	if len(addr) <= 20 {
		return addr
	}
	return addr[:12] + "…" + addr[len(addr)-6:]
}

func bountyShowCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "show ID",
		Short: "Show a bounty: parties, amounts, heights and what can happen next",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseBountyID(args[0])
			if err != nil {
				return err
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			b, err := cl.Bounty(cmd.Context(), id)
			if err != nil {
				return err
			}
			return out(b, func(o io.Writer) { printBounty(o, b) })
		},
	}
	addJSON(c)
	return c
}

func printBounty(o io.Writer, b *node.BountyInfo) {
	kv(o, "bounty", b.ID)
	kv(o, "state", b.State)
	kv(o, "request", b.Request)
	kv(o, "row", b.Row)
	if b.Hops > 0 {
		kv(o, "hops", b.Hops)
	}
	kv(o, "amount", bvs(b.Amount))
	kv(o, "requester", b.Requester)
	switch {
	case b.Worker == "":
		kv(o, "worker", "any (open)")
	case b.State == "open":
		kv(o, "worker", b.Worker+" (named; not accepted yet)")
	default:
		kv(o, "worker", b.Worker)
		kv(o, "stake", bvs(b.Stake))
	}
	kv(o, "funded at", fmt.Sprintf("block %d", b.Created))
	kv(o, "deadline", fmt.Sprintf("block %d", b.Deadline))
	if b.Accepted != 0 {
		kv(o, "accepted at", fmt.Sprintf("block %d (promised a commit within %d blocks)", b.Accepted, b.Promised))
	}
	if b.Committed != 0 {
		kv(o, "committed at", fmt.Sprintf("block %d (envelope %s)", b.Committed, b.Envelope))
	}
	if b.Closed != 0 {
		kv(o, "closed at", fmt.Sprintf("block %d", b.Closed))
	}
	printLineup(o, b)
	switch b.State {
	case "open", "accepted":
		fmt.Fprintf(o, "\nwithout a commit by block %d, anyone may refund it: bitverse bounty refund %s\n", b.Deadline, b.ID)
	case "committed":
		fmt.Fprintf(o, "\nthe requester may settle or dispute it until block %d; from then on the worker may settle it: bitverse bounty settle %s\n", b.SettleAfter, b.ID)
	}
}

func bountyFundCmd() *cobra.Command {
	var f txFlags
	var in plan.Bounty
	var amount, worker, request string
	var row uint8
	c := &cobra.Command{
		Use:   "fund REQUEST-ID AMOUNT --deadline HEIGHT [--worker ADDRESS]",
		Short: "Escrow AMOUNT for a request's result until a root height (plumbing; `request` quotes and funds for you)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := params()
			if err != nil {
				return err
			}
			request = args[0]
			if in.Request, err = wire.ParseHash(request); err != nil {
				return fmt.Errorf("%q is not a request ID (64 hex digits): %w", request, err)
			}
			amount = args[1]
			if in.Amount, err = wire.ParseAmount(amount); err != nil {
				return err
			}
			if worker != "" {
				if in.Worker, err = wire.ParseAddress(p.Net, worker); err != nil {
					return err
				}
			}
			in.Row = row
			return sendIntent(cmd.Context(), f, in, true)
		},
	}
	c.Flags().Uint64Var(&in.Deadline, "deadline", 0, "root height by which a result must be committed (required)")
	c.Flags().StringVar(&worker, "worker", "", "the only address that may accept (default: anyone)")
	c.Flags().Uint8Var(&row, "row", 0, "the price-table row paid for")
	c.MarkFlagRequired("deadline")
	f.add(c)
	return c
}

// bountyMoveCmd is settle, dispute or refund: one bounty ID in, one
// transaction out, confirmed before it is sent.
func bountyMoveCmd(name, short string, intent func(wire.Hash) plan.Intent) *cobra.Command {
	var f txFlags
	c := &cobra.Command{
		Use:   name + " ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseBountyID(args[0])
			if err != nil {
				return err
			}
			return sendIntent(cmd.Context(), f, intent(id), true)
		},
	}
	f.add(c)
	return c
}

func reputationCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "reputation ID",
		Short: "An identity's record as a worker and requester (ID: address or hex public key)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			r, err := cl.Reputation(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return out(r, func(o io.Writer) {
				kv(o, "identity", r.Address)
				kv(o, "accepted", r.Accepted)
				kv(o, "done", r.Done)
				kv(o, "failed", fmt.Sprintf("%d (accepted, no result by the deadline)", r.Failed))
				kv(o, "disputed", r.Disputed)
				kv(o, "lost", r.Lost)
				kv(o, "disputes raised", r.DisputesRaised)
				if r.Done > 0 {
					kv(o, "latency", fmt.Sprintf("%d blocks delivered for %d promised (over %d jobs)", r.DeliveredBlocks, r.PromisedBlocks, r.Done))
				}
			})
		},
	}
	addJSON(c)
	return c
}

// printLineup prints a bounty's relay lineup and jury, one slot a line.
func printLineup(o io.Writer, b *node.BountyInfo) {
	if b.Hops == 0 {
		return
	}
	if b.Drawn == 0 {
		kv(o, "lineup", "not drawn yet (the block after the bounty's draws it)")
		return
	}
	kv(o, "lineup", fmt.Sprintf("drawn at block %d by %s", b.Drawn, b.Drawer))
	slots := func(list []node.SlotInfo) {
		for _, sl := range list {
			at := ""
			if sl.Height != 0 {
				at = fmt.Sprintf(" at block %d", sl.Height)
			}
			kv(o, fmt.Sprintf("  slot %d", sl.Slot+1), fmt.Sprintf("%s %s%s", sl.Relay, sl.State, at))
		}
	}
	slots(b.Lineup)
	if len(b.Lineup) < int(b.Hops) {
		kv(o, "", fmt.Sprintf("only %d of %d relays could be drawn", len(b.Lineup), b.Hops))
	}
	if b.Contest != "" {
		kv(o, "contest", b.Contest)
		slots(b.Jury)
	}
}
