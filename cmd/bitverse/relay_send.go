package main

import (
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
	"github.com/spf13/cobra"
)

// relaySendCommands are relay register and relay leave: planned (the
// planner shows the fee and the stake escrowed), confirmed, signed.
func relaySendCommands() []*cobra.Command {
	return []*cobra.Command{relayRegisterCmd(), relayLeaveCmd()}
}

func relayRegisterCmd() *cobra.Command {
	var f txFlags
	var fee, stake, caps string
	c := &cobra.Command{
		Use:   "register --fee FEE --stake STAKE [--caps recompute]",
		Short: "Register this account as a relay, or update its fee and add stake (escrowed until it leaves)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var in plan.RelayRegister
			var err error
			if in.Fee, err = wire.ParseAmount(fee); err != nil {
				return fmt.Errorf("--fee: %w", err)
			}
			if stake != "" {
				if in.Stake, err = wire.ParseAmount(stake); err != nil {
					return fmt.Errorf("--stake: %w", err)
				}
			}
			if in.Caps, err = parseCaps(caps); err != nil {
				return err
			}
			return sendIntent(cmd.Context(), f, in, true)
		},
	}
	c.Flags().StringVar(&fee, "fee", "", "the least, in BVS, this relay relays a job for (required)")
	c.Flags().StringVar(&stake, "stake", "", "BVS added to the relay's escrowed stake (the total must reach the network's least)")
	c.Flags().StringVar(&caps, "caps", "recompute", "capabilities, comma separated (recompute: it recomputes transforms)")
	c.MarkFlagRequired("fee")
	// --fee is the relay's fee here: the transaction's is --tx-fee.
	c.Flags().StringVar(&f.fee, "tx-fee", "", "the transaction's fee in BVS (default: the minimum)")
	c.Flags().BoolVar(&f.wait, "wait", false, "return when the transaction is in a block")
	c.Flags().BoolVarP(&f.yes, "yes", "y", false, "do not ask for confirmation")
	addJSON(c)
	return c
}

func relayLeaveCmd() *cobra.Command {
	var f txFlags
	c := &cobra.Command{
		Use:   "leave",
		Short: "Leave the relay registry: the stake comes back at once (refused while a slot of an open bounty is held)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return sendIntent(cmd.Context(), f, plan.RelayLeave{}, true)
		},
	}
	f.add(c)
	return c
}
