package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
)

func treeCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "tree",
		Short: "The chains of the blocktree this node holds: height, tip, difficulty, mode",
		Long: `List every chain of the blocktree the node holds, root first: its depth,
height and tip, the tip's compact target (bits) and difficulty (expected
hashes per block, as in status), the target block interval, and whether the
node stores it in full ("full": bodies and state, the chains of --follow and
their ancestors) or headers only.

PEERS counts the connected peers whose status says they store the chain in
full ("?" and "peers_known": false when the node runs without a network).
"pending"
counts blocks held until a block they name (an anchor, a checkpointed
branch block) arrives.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			t, err := cl.Tree(cmd.Context())
			if err != nil {
				return err
			}
			return out(t, func(o io.Writer) {
				fmt.Fprintln(o, "CHAIN\tDEPTH\tHEIGHT\tTIP\tBITS\tDIFFICULTY\tINTERVAL\tMODE\tPEERS")
				for _, c := range t.Chains {
					mode := "headers"
					if c.Followed {
						mode = "full"
					}
					peers := "?"
					if c.PeersKnown {
						peers = fmt.Sprint(c.Peers)
					}
					fmt.Fprintf(o, "%s\t%d\t%d\t%s\t%s\t%.4g\t%s\t%s\t%s\n", c.Chain, c.Depth, c.Height, c.Tip.Short(), c.Bits,
						c.Difficulty, time.Duration(c.TargetInterval*float64(time.Second)), mode, peers)
				}
				fmt.Fprintf(o, "\npending: %d blocks waiting for a block they name\n", t.Pending)
			})
		},
	}
	addJSON(c)
	return c
}
