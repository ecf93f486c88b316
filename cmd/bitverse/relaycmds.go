package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/rpc"
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
  bitverse relay on
  bitverse relay
  bitverse relay show bvd1…
  bitverse relay list
  bitverse relay leave --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return relayStatus(cmd, nil) },
	}
	addJSON(r)
	r.AddCommand(relayShowCmd(), relayListCmd(), relayToggleCmd(true), relayToggleCmd(false))
	r.AddCommand(relaySendCommands()...)
	return r
}

// relayStatusOut is `relay --json`: the identity's registry record and,
// when the node relays with it, its relay jobs and the lineups its
// blocks drew.
type relayStatusOut struct {
	Identity   string          `json:"identity"`
	Registered bool            `json:"registered"`
	Record     *node.RelayInfo `json:"record,omitempty"`
	// Relaying is nil when the node has no serve identity to relay with.
	Relaying *relayingOut `json:"relaying,omitempty"`
}

// relayingOut is what the node's market says of its relaying.
type relayingOut struct {
	On         bool              `json:"on"`
	InFlight   int               `json:"in_flight"`
	Done       int               `json:"done"`
	Earned     uint64            `json:"earned"`
	Jobs       []market.RelayJob `json:"jobs"`
	Draws      []market.Draw     `json:"draws"`
	DrawEarned uint64            `json:"draw_earned"` // drawer's shares of settled bounties
}

// relayingStatus is m's relay status, nil when the node has no serve
// identity to relay with (or runs no market).
func relayingStatus(ctx context.Context, m market.API) (*market.RelayStatus, error) {
	st, err := m.RelayStatus(ctx)
	switch {
	case errors.Is(err, market.ErrNoIdentity) || errors.Is(err, rpc.ErrNoMarket):
		return nil, nil
	case err != nil:
		return nil, err
	case st.Identity.IsZero():
		return nil, nil
	}
	return st, nil
}

// readRelaying asks m for its relaying; nil when it has no identity.
func readRelaying(ctx context.Context, m market.API, st *market.RelayStatus) (*relayingOut, error) {
	jobs, err := m.RelayJobs(ctx)
	if err != nil {
		return nil, err
	}
	draws, err := m.Draws(ctx)
	if err != nil {
		return nil, err
	}
	o := &relayingOut{On: st.On, InFlight: st.InFlight, Done: st.Done, Earned: st.Earned, Jobs: jobs, Draws: draws}
	if o.Jobs == nil {
		o.Jobs = []market.RelayJob{}
	}
	if o.Draws == nil {
		o.Draws = []market.Draw{}
	}
	for _, d := range draws {
		if d.Paid {
			o.DrawEarned += d.Share
		}
	}
	return o, nil
}

// relayStatus prints the relay identity's registry record and the node's
// relaying: the serve identity when the node has one, else the account.
func relayStatus(cmd *cobra.Command, st *market.RelayStatus) error {
	ctx := cmd.Context()
	cl, err := dial()
	if err != nil {
		return err
	}
	p, err := params()
	if err != nil {
		return err
	}
	var o relayStatusOut
	m := cl.Market()
	if st == nil {
		if st, err = relayingStatus(ctx, m); err != nil {
			return err
		}
	}
	if st != nil {
		o.Identity = wire.EncodeAddress(p.Net, st.Identity)
		if o.Relaying, err = readRelaying(ctx, m, st); err != nil {
			return err
		}
	} else {
		_, acct, err := openAccount()
		if err != nil {
			return err
		}
		o.Identity = acct.Address
	}
	o.Record, err = cl.Relay(ctx, o.Identity)
	switch {
	case errors.Is(err, node.ErrNotFound):
		o.Record = nil
	case err != nil:
		return err
	default:
		o.Registered = true
	}
	return out(o, func(w io.Writer) { printRelayStatus(w, &o) })
}

func printRelayStatus(w io.Writer, o *relayStatusOut) {
	if o.Registered {
		printRelay(w, o.Record)
	} else {
		kv(w, "relay", o.Identity)
		kv(w, "registered", "no: register with `bitverse relay register --fee FEE --stake STAKE`")
	}
	r := o.Relaying
	if r == nil {
		kv(w, "relaying", "off (this node has no serve identity: start it with --serve --relay)")
		return
	}
	onoff := "off (bitverse relay on)"
	if r.On {
		onoff = "on"
	}
	kv(w, "relaying", onoff)
	kv(w, "jobs", fmt.Sprintf("%d in flight, %d done", r.InFlight, r.Done))
	kv(w, "earned", bvs(r.Earned))
	paid := 0
	for _, d := range r.Draws {
		if d.Paid {
			paid++
		}
	}
	kv(w, "lineups drawn", fmt.Sprintf("%d by this node's blocks (%d paid the drawer %s)", len(r.Draws), paid, bvs(r.DrawEarned)))
	for i, j := range r.Jobs {
		if i == 10 {
			kv(w, "", fmt.Sprintf("… and %d more (--json lists them all)", len(r.Jobs)-10))
			break
		}
		slot := fmt.Sprintf("slot %d", j.Slot+1)
		if j.Jury {
			slot = fmt.Sprintf("juror %d", j.Slot+1)
		}
		line := fmt.Sprintf("%s %s %s", j.Bounty.Short(), slot, j.State)
		if j.Earned > 0 {
			line += ", earned " + bvs(j.Earned)
		}
		if j.Error != "" {
			line += ": " + j.Error
		}
		kv(w, "  job", line)
	}
}

// relayToggleCmd is `relay on` or `relay off`.
func relayToggleCmd(on bool) *cobra.Command {
	name, short := "off", "Stop relaying (slots already drawn are still done)"
	if on {
		name, short = "on", "Relay: recompute and countersign the jobs whose lineups draw this node's serve identity"
	}
	c := &cobra.Command{
		Use:   name,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			st, err := cl.Market().Relay(cmd.Context(), on)
			if errors.Is(err, market.ErrNoIdentity) || errors.Is(err, rpc.ErrNoMarket) {
				return errors.New("this node has no serve identity to relay with: restart it with `bitverse node --serve --relay`")
			}
			if err != nil {
				return err
			}
			return relayStatus(cmd, st)
		},
	}
	addJSON(c)
	return c
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

// mineOut is `mine --json`: proof of work and relaying in one.
type mineOut struct {
	Mining       bool              `json:"mining"`
	MineTo       string            `json:"mine_to,omitempty"`
	HashRate     float64           `json:"hash_rate"`
	MinePath     string            `json:"mine_path,omitempty"`
	BlocksFound  uint64            `json:"blocks_found"`
	FoundByChain map[string]uint64 `json:"found_by_chain,omitempty"`
	// Relaying is nil when the node has no serve identity to relay with.
	Relaying *relayingOut `json:"relaying,omitempty"`
}

// mineStatus prints all the node's mining.
func mineStatus(cmd *cobra.Command) error {
	ctx := cmd.Context()
	cl, err := dial()
	if err != nil {
		return err
	}
	s, err := cl.Status(ctx)
	if err != nil {
		return err
	}
	o := mineOut{Mining: s.Mining, MineTo: s.MineTo, HashRate: s.HashRate, MinePath: s.MinePath,
		BlocksFound: s.BlocksFound, FoundByChain: s.FoundByChain}
	m := cl.Market()
	st, err := relayingStatus(ctx, m)
	if err != nil {
		return err
	}
	if st != nil {
		if o.Relaying, err = readRelaying(ctx, m, st); err != nil {
			return err
		}
	}
	return out(o, func(w io.Writer) {
		onoff := "off (bitverse mine on)"
		if o.Mining {
			onoff = "on"
		}
		kv(w, "mining", onoff)
		if o.MineTo != "" {
			kv(w, "pays to", o.MineTo)
		}
		kv(w, "hash rate", fmt.Sprintf("%.0f H/s", o.HashRate))
		if o.MinePath != "" {
			kv(w, "path", "/ down to "+o.MinePath)
		}
		kv(w, "blocks found", o.BlocksFound)
		chains := make([]string, 0, len(o.FoundByChain))
		for c := range o.FoundByChain {
			chains = append(chains, c)
		}
		sort.Strings(chains)
		for _, c := range chains {
			kv(w, "  "+c, o.FoundByChain[c])
		}
		r := o.Relaying
		if r == nil {
			kv(w, "relaying", "off (this node has no serve identity: start it with --serve --relay)")
			return
		}
		onoff = "off (bitverse relay on)"
		if r.On {
			onoff = "on"
		}
		kv(w, "relaying", onoff)
		kv(w, "relay jobs", fmt.Sprintf("%d in flight, %d done, earned %s", r.InFlight, r.Done, bvs(r.Earned)))
		kv(w, "lineups drawn", fmt.Sprintf("%d by this node's blocks, drawer's share paid %s", len(r.Draws), bvs(r.DrawEarned)))
	})
}
