package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
	"github.com/spf13/cobra"
)

func branchCommands() []*cobra.Command {
	return []*cobra.Command{stampCmd(), creditCmd(), followCmd(), unfollowCmd()}
}

func stampCmd() *cobra.Command {
	var f txFlags
	c := &cobra.Command{
		Use:   "stamp CHAIN AMOUNT",
		Short: "Turn AMOUNT BVS of your balance into write credit on a branch chain",
		Long: `Stamp buys write credit on one branch chain of the blocktree (a prefix such
as 0 or 01). Writes on that chain (put --depth) pay their fees from it; the
miners of the chain's blocks are paid from what was stamped, when the root
checkpoints their blocks. Credit cannot be taken back.`,
		Example: "  bitverse stamp 01 0.01 --wait",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := params()
			if err != nil {
				return err
			}
			id, err := parseBranch(args[0], p)
			if err != nil {
				return err
			}
			amount, err := wire.ParseAmount(args[1])
			if err != nil {
				return err
			}
			return sendIntent(cmd.Context(), f, plan.Stamp{Chain: id, Amount: amount}, true)
		},
	}
	f.add(c)
	return c
}

func creditCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "credit CHAIN",
		Short: "Show your write credit on a branch chain",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := params()
			if err != nil {
				return err
			}
			id, err := parseBranch(args[0], p)
			if err != nil {
				return err
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			_, acct, err := openAccount()
			if err != nil {
				return err
			}
			ci, err := cl.Credit(cmd.Context(), acct.Address, id.String())
			if err != nil {
				return err
			}
			return out(ci, func(o io.Writer) {
				kv(o, "chain", ci.Chain)
				kv(o, "stamped", bvs(ci.Credit))
				if ci.Stamping > 0 {
					kv(o, "stamping", bvs(ci.Stamping)+" (pending stamps, not yet in a block)")
				}
				kv(o, "spent", bvs(ci.Spent))
				kv(o, "available", bvs(ci.Available))
				kv(o, "chain pool", bvs(ci.Pool)+" (stamped by everyone, not yet paid to miners)")
			})
		},
	}
	addJSON(c)
	return c
}

func parseBranch(s string, p *consensus.Params) (wire.ChainID, error) {
	id, err := wire.ParseChainID(s)
	if err != nil {
		return id, err
	}
	if id.IsRoot() || id.Depth > p.MaxDepth {
		return id, fmt.Errorf("chain %s is not a branch: give a prefix of 1 to %d bits, such as 0 or 01", id, p.MaxDepth)
	}
	return id, nil
}

// followFile keeps the follow set chosen with `bitverse follow`; the node
// reads it when --follow is not given.
const followFile = "follow"

// readFollowFile returns the saved follow set ("" = all).
func readFollowFile(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, followFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return strings.TrimSpace(string(b)), err
}

func followCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "follow CHAIN...",
		Short: "Store these branch chains in full from the next start of the node",
		Long: `follow adds chains to the node's follow set, saved in the data directory.
A followed chain (and its ancestors) is stored in full: bodies and state,
so reads of its keys are answered locally. Every other chain keeps headers
only. "follow all" stores everything (the default). The node applies the
set when it starts (--follow on the command line overrides it).`,
		Example: "  bitverse follow 01 1\n  bitverse follow all",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return editFollow(args, true)
		},
	}
}

func unfollowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "unfollow CHAIN...",
		Short: "Keep only headers of these branch chains from the next start of the node",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return editFollow(args, false)
		},
	}
}

func editFollow(args []string, add bool) error {
	p, err := params()
	if err != nil {
		return err
	}
	dir, err := dataDir()
	if err != nil {
		return err
	}
	cur, err := readFollowFile(dir)
	if err != nil {
		return err
	}
	set, err := node.ParseFollow(cur, p)
	if err != nil {
		return fmt.Errorf("saved follow set in %s: %w", filepath.Join(dir, followFile), err)
	}
	if add && len(args) == 1 && strings.EqualFold(args[0], "all") {
		set = nil
	} else {
		chains := make([]wire.ChainID, len(args))
		for i, a := range args {
			if chains[i], err = parseBranch(a, p); err != nil {
				return err
			}
		}
		set = node.EditFollow(set, chains, add, p)
	}
	val := node.FormatFollow(set)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, followFile), []byte(val+"\n"), 0o600); err != nil {
		return err
	}
	return out(map[string]any{"follow": val}, func(o io.Writer) {
		fmt.Fprintf(o, "follow set: %s (applies when the node next starts)\n", val)
	})
}
