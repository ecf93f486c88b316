package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/spf13/cobra"
)

// relayCommands are the relay registry's commands: `relay` (this
// account's record and relaying), relay show, list, register and leave.
// Flags and printing only: the planner checks and builds the
// transactions, the node reads the registry.
func relayCommands() *cobra.Command {
	r := &cobra.Command{
		Use:   "relay",
		Short: "This account as a relay: its registry record and the relay jobs of the node",
		Long: `A relay escrows a stake on the root chain and names the least fee it relays
for. When a bounty asks for hops, the block after it draws that many
registered relays (weighted by stake and reliability) into its lineup:
each recomputes the worker's result, countersigns it and passes it on,
and is paid its share when the bounty settles. A relay that stays silent
loses part of its stake; one that countersigns a wrong result loses more.

Examples:
  bitverse relay register --fee 0.001 --stake 10
  bitverse relay
  bitverse relay show bvd1…
  bitverse relay list
  bitverse relay leave --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return relayStatus(cmd) },
	}
	addJSON(r)
	r.AddCommand(relayShowCmd(), relayListCmd())
	r.AddCommand(relaySendCommands()...)
	return r
}

// relayStatusOut is `relay --json`.
type relayStatusOut struct {
	Identity   string          `json:"identity"`
	Registered bool            `json:"registered"`
	Record     *node.RelayInfo `json:"record,omitempty"`
}

// relayStatus prints the account's registry record.
func relayStatus(cmd *cobra.Command) error {
	_, acct, err := openAccount()
	if err != nil {
		return err
	}
	cl, err := dial()
	if err != nil {
		return err
	}
	o := relayStatusOut{Identity: acct.Address}
	o.Record, err = cl.Relay(cmd.Context(), acct.Address)
	switch {
	case errors.Is(err, node.ErrNotFound):
		o.Record = nil
	case err != nil:
		return err
	default:
		o.Registered = true
	}
	return out(o, func(w io.Writer) {
		if !o.Registered {
			fmt.Fprintf(w, "%s is not a registered relay: register with `bitverse relay register --fee FEE --stake STAKE`\n", o.Identity)
			return
		}
		printRelay(w, o.Record)
	})
}

func relayShowCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "show [ID]",
		Short: "A relay's registry record: fee, stake, slots held and its record (ID: address or hex public key; default your account)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var id string
			if len(args) == 1 {
				id = args[0]
			} else {
				_, acct, err := openAccount()
				if err != nil {
					return err
				}
				id = acct.Address
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			r, err := cl.Relay(cmd.Context(), id)
			if errors.Is(err, node.ErrNotFound) {
				return fmt.Errorf("%s has never registered as a relay (bitverse relay list shows those that have)", id)
			}
			if err != nil {
				return err
			}
			return out(r, func(w io.Writer) { printRelay(w, r) })
		},
	}
	addJSON(c)
	return c
}

func relayListCmd() *cobra.Command {
	var limit int
	c := &cobra.Command{
		Use:   "list",
		Short: "The registered relays, in public-key order",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			list, err := cl.Relays(cmd.Context(), limit)
			if err != nil {
				return err
			}
			if list == nil {
				list = []node.RelayInfo{}
			}
			return out(list, func(w io.Writer) {
				if len(list) == 0 {
					fmt.Fprintln(w, "no relays registered")
					return
				}
				fmt.Fprintln(w, "RELAY\tFEE\tSTAKE\tACTIVE\tRELAYED\tCAUGHT\tMISSED\tLOST")
				for _, r := range list {
					rp := r.Reputation
					fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\n", short(r.Address), bvs(r.Fee), bvs(r.Stake), r.Active,
						rp.Relayed, rp.Caught, rp.Missed, rp.Lost)
				}
			})
		},
	}
	c.Flags().IntVar(&limit, "limit", 100, "at most this many")
	addJSON(c)
	return c
}

func printRelay(w io.Writer, r *node.RelayInfo) {
	kv(w, "relay", r.Address)
	kv(w, "pubkey", r.PubKey)
	kv(w, "fee", bvs(r.Fee)+" (the least it relays for)")
	kv(w, "stake", bvs(r.Stake))
	kv(w, "caps", capsNames(r.Caps))
	kv(w, "active", fmt.Sprintf("%d slots in bounties not closed yet", r.Active))
	kv(w, "registered", fmt.Sprintf("block %d", r.Registered))
	rp := r.Reputation
	kv(w, "relayed", fmt.Sprintf("%d (lineup slots countersigned and paid)", rp.Relayed))
	kv(w, "caught", fmt.Sprintf("%d (wrong results it caught first)", rp.Caught))
	kv(w, "missed", fmt.Sprintf("%d (slots it left silent)", rp.Missed))
	kv(w, "lost", rp.Lost)
}

// capsNames names a relay's capability bits.
func capsNames(caps uint32) string {
	var names []string
	if caps&wire.RelayCapRecompute != 0 {
		names = append(names, "recompute")
	}
	if rest := caps &^ wire.RelayCapRecompute; rest != 0 {
		names = append(names, fmt.Sprintf("0x%x (unknown)", rest))
	}
	if len(names) == 0 {
		return "none (it cannot be drawn)"
	}
	return strings.Join(names, ", ")
}

// parseCaps reads --caps: capability names, comma separated.
func parseCaps(s string) (uint32, error) {
	var caps uint32
	for _, name := range strings.Split(s, ",") {
		switch strings.TrimSpace(name) {
		case "recompute":
			caps |= wire.RelayCapRecompute
		case "":
		default:
			return 0, fmt.Errorf("--caps: %q is not a relay capability (the one there is: recompute)", name)
		}
	}
	return caps, nil
}
