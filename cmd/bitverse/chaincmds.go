package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/spf13/cobra"
)

func statusCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "status",
		Short: "Network, height and tip, peers, sync, mining and mempool",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			s, err := cl.Status(cmd.Context())
			if err != nil {
				return err
			}
			st := statusOut{Status: s}
			if ni, err := cl.NetInfo(cmd.Context()); err == nil {
				st.P2P = &ni
			} else if !errors.Is(err, node.ErrNoNetwork) {
				return err
			}
			if s.MineTo != "" {
				if st.Payouts, err = cl.Payouts(cmd.Context(), s.MineTo); err != nil {
					return err
				}
			}
			return out(st, func(o io.Writer) {
				kv(o, "network", s.Network)
				kv(o, "height", s.Height)
				kv(o, "tip", fmt.Sprintf("%s (%s)", s.Tip, ago(s.TipTime)))
				kv(o, "difficulty", fmt.Sprintf("%.4g hashes/block", s.Difficulty))
				kv(o, "peers", s.Peers)
				if st.P2P != nil {
					kv(o, "peer id", st.P2P.ID)
					for _, a := range st.P2P.Addrs {
						kv(o, "listening", a)
					}
				}
				if s.Sync.Syncing {
					kv(o, "sync", fmt.Sprintf("chain %s: %d/%d blocks, %.1f blocks/s (%.0f writes/s), ETA %.0fs",
						s.Sync.Chain, s.Sync.Done, s.Sync.Total, s.Sync.Rate, s.Sync.WriteRate, s.Sync.ETASeconds))
				} else {
					kv(o, "sync", "up to date")
				}
				mining := "off"
				if s.Mining {
					mining = fmt.Sprintf("on, %.3g H/s, %d blocks found, paying %s", s.HashRate, s.BlocksFound, s.MineTo)
				}
				kv(o, "mining", mining)
				if p := st.Payouts; p != nil && len(p.Chains) > 0 {
					kv(o, "branch payouts", fmt.Sprintf("%s BVS paid, %s BVS pending (%d root blocks after the checkpoint)",
						wire.FormatAmount(p.Matured), wire.FormatAmount(p.Pending), p.Maturity))
				}
				kv(o, "mempool", fmt.Sprintf("%d txs (%d bytes)", s.Mempool, s.MempoolBytes))
				kv(o, "datadir", s.DataDir)
			})
		},
	}
	addJSON(c)
	return c
}

// statusOut is what `status --json` prints: the node's status, when it is
// on the network its identity there, and when it has a mine-to address
// what root checkpoints pay that address for branch blocks.
type statusOut struct {
	node.Status
	P2P     *node.NetInfo    `json:"p2p,omitempty"`
	Payouts *node.PayoutInfo `json:"payouts,omitempty"`
}

func blockCmd() *cobra.Command {
	var chainName string
	c := &cobra.Command{
		Use:   "block [--chain C] HEIGHT|HASH",
		Short: "Show a block of any chain of the blocktree and its transactions",
		Long: `Show a block. A HEIGHT is on the root unless --chain names a branch
(0, 01, …); a HASH is looked up on every chain. A block of a chain this node
keeps as headers only is shown from its header, without transactions.`,
		Example: "  bitverse block 12\n  bitverse block --chain 01 3\n  bitverse block 5c1f…",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			b, err := cl.BlockOn(cmd.Context(), chainName, args[0])
			if err != nil {
				return err
			}
			return out(b, func(o io.Writer) {
				kv(o, "block", b.ID)
				kv(o, "chain", b.Chain)
				kv(o, "height", b.Height)
				kv(o, "time", fmtTime(b.Time))
				kv(o, "prev", b.Prev)
				kv(o, "state root", b.StateRoot)
				kv(o, "bits", fmt.Sprintf("%08x", b.Bits))
				kv(o, "size", fmt.Sprintf("%d bytes", b.Size))
				kv(o, "confirmations", b.Confirmations)
				if b.HeadersOnly {
					fmt.Fprintf(o, "\n(this node keeps only headers of chain %s: bitverse follow %s stores its blocks)\n", b.Chain, b.Chain)
					return
				}
				fmt.Fprintf(o, "\nTX\tTYPE\tFROM\tDETAIL\n")
				for _, t := range b.Txs {
					detail := ""
					switch t.Type {
					case "transfer", "coinbase":
						detail = bvs(t.Amount) + " to " + t.To
					case "put":
						detail = fmt.Sprintf("%s (%d bytes)", t.Key, t.ValueSize)
					case "tumble":
						detail = fmt.Sprintf("%d inputs → %d outputs, %s", len(t.Inputs), len(t.Outputs), bvs(t.Amount))
					}
					fmt.Fprintf(o, "%s\t%s\t%s\t%s\n", t.ID.Short(), t.Type, t.From, detail)
				}
			})
		},
	}
	c.Flags().StringVar(&chainName, "chain", "", "the chain of a HEIGHT: / (the root, default) or a branch such as 01")
	addJSON(c)
	return c
}

func txCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "tx ID",
		Short: "Show a transaction (pending or confirmed)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := wire.ParseHash(args[0])
			if err != nil {
				return err
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			t, err := cl.Tx(cmd.Context(), id)
			if err != nil {
				return err
			}
			return out(t, func(o io.Writer) {
				printTx(o, t)
				if t.Pending {
					kv(o, "status", "pending (in the mempool)")
				} else {
					kv(o, "block", fmt.Sprintf("%s (height %d, %d confirmations)", t.Block, t.Height, t.Confirmations))
				}
			})
		},
	}
	c.AddCommand(txDecodeCmd())
	addJSON(c)
	return c
}

func printTx(o io.Writer, t *node.TxInfo) {
	kv(o, "tx", t.ID)
	kv(o, "type", t.Type)
	if t.Chain != "" {
		kv(o, "chain", t.Chain)
	}
	if t.From != "" {
		kv(o, "from", t.From)
	}
	if t.To != "" {
		kv(o, "to", t.To)
		kv(o, "amount", bvs(t.Amount))
	}
	if t.Key != "" {
		kv(o, "key", t.Key)
		kv(o, "value size", t.ValueSize)
	}
	kv(o, "fee", bvs(t.Fee))
	kv(o, "nonce", t.Nonce)
	if t.Type == "tumble" {
		kv(o, "round", t.Round)
		kv(o, "amount", bvs(t.Amount)+" out")
		for _, in := range t.Inputs {
			kv(o, "input", fmt.Sprintf("%s  %s  (nonce %d)", in.Address, bvs(in.Amount), in.Nonce))
		}
		for _, out := range t.Outputs {
			kv(o, "output", fmt.Sprintf("%s  %s", out.Address, bvs(out.Amount)))
		}
	}
}

// decodedTx is what `tx decode` prints: the transaction as the node
// describes it, with the hash its signature signs and whether the
// signature verifies.
type decodedTx struct {
	node.TxInfo
	SigHash  wire.Hash `json:"sig_hash"`
	Verified bool      `json:"verified"`
}

func txDecodeCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "decode HEX",
		Short: "Decode a raw transaction (as tx --json prints it) and check its signature, without a node",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := params()
			if err != nil {
				return err
			}
			raw, err := hex.DecodeString(strings.TrimSpace(args[0]))
			if err != nil {
				return fmt.Errorf("not hex: %w", err)
			}
			t, err := wire.DecodeTx(raw)
			if err != nil {
				return fmt.Errorf("not a transaction: %w", err)
			}
			d := decodedTx{TxInfo: node.DescribeTx(p.Net, t), SigHash: t.SigHash(p.Net)}
			d.Raw = raw
			d.Verified = t.Type != wire.TxCoinbase && t.VerifySig(p.Net) == nil
			return out(d, func(o io.Writer) {
				printTx(o, &d.TxInfo)
				kv(o, "sig hash", d.SigHash)
				kv(o, "signature", map[bool]string{true: "valid", false: "INVALID (or unsigned)"}[d.Verified])
			})
		},
	}
	addJSON(c)
	return c
}

func mineCmd() *cobra.Command {
	var to string
	c := &cobra.Command{
		Use:   "mine [on|off]",
		Short: "Start or stop mining on the running node, or show all its mining: proof of work, relaying and lineups drawn",
		Long: `Without an argument, mine shows all the mining the node does: proof of
work (on or off, hash rate, the path mined, blocks found per chain),
relaying (on or off, relay jobs in flight and done, what they earned) and
the relay lineups its blocks drew with the drawer's share.

mine on and mine off start and stop all of it: the miner, and relaying
(on only when the serve identity is a registered relay; bitverse relay
on|off turns relaying alone).`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: []string{"on", "off"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return mineStatus(cmd)
			}
			on := args[0] == "on"
			if !on && args[0] != "off" {
				return fmt.Errorf("say `mine on` or `mine off`, not %q", args[0])
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			if err := cl.SetMining(cmd.Context(), on, to); err != nil {
				return err
			}
			fmt.Println("mining", args[0])
			// Relaying goes with the miner: off when it is on, on when
			// the node's serve identity is a registered relay.
			m := cl.Market()
			st, err := relayingStatus(cmd.Context(), m)
			if err != nil || st == nil || st.On == on || (on && !st.Registered) {
				return nil
			}
			if st, err = m.Relay(cmd.Context(), on); err != nil {
				return fmt.Errorf("mining is %s, but relaying could not be turned %s: %w", args[0], args[0], err)
			}
			fmt.Println("relaying", map[bool]string{true: "on", false: "off"}[st.On])
			return nil
		},
	}
	c.Flags().StringVar(&to, "to", "", "address for rewards (default: the node's)")
	addJSON(c)
	return c
}
