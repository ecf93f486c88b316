package main

import (
	"fmt"
	"io"

	"github.com/bitverse/bitverse/node"
	"github.com/spf13/cobra"
)

// exploreCommands are the discovery commands: explore and find.
func exploreCommands() []*cobra.Command { return []*cobra.Command{exploreCmd(), findCmd()} }

func exploreCmd() *cobra.Command {
	var limit int
	c := &cobra.Command{
		Use:   "explore",
		Short: "See what exists: keyspaces, recent writes, transforms, open bounties, busy branches",
		Long: `Lists what this node has verified that is worth a look, for someone who
knows nothing yet: keyspaces (newest, and most written lately, with the first
comment line of their access script), the newest writes on every chain the
node stores, transforms (keys whose value declares function transform), open
bounties and the branches with the most writes. Writes, transforms and
branches come from the newest blocks of each chain: of a chain the node
stores, its own blocks; of a chain it keeps as headers only, blocks fetched
from peers and checked against the headers it verified (a peer that sends a
block not matching its header is banned; fetched blocks are cached).
Keyspaces and bounties come from the root's state, which every node holds.
Every entry says where it was proven (JSON field "proven").

Examples:
  bitverse explore
  bitverse explore --limit 5 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			ex, err := cl.Explore(cmd.Context(), node.ExploreOptions{Limit: limit})
			if err != nil {
				return err
			}
			return out(ex, func(o io.Writer) { printExplore(o, ex) })
		},
	}
	c.Flags().IntVar(&limit, "limit", 0, "entries per section (default 20)")
	addJSON(c)
	return c
}

func printExplore(o io.Writer, ex *node.Explore) {
	section := func(title string, n int, empty string) bool {
		fmt.Fprintf(o, "\n%s\n", title)
		if n == 0 {
			fmt.Fprintf(o, "  %s\n", empty)
		}
		return n > 0
	}
	fmt.Fprintf(o, "root at height %d; writes read from the newest %d blocks with writes among the newest %d of each chain\n", ex.Height, ex.Window, ex.Scan)
	if f := ex.Fetch; f.Fetched+f.Cached+f.Failed+f.Skipped > 0 {
		fmt.Fprintf(o, "blocks of headers-only chains: %d fetched from peers (%d bytes), %d cached, %d failed, %d left out\n",
			f.Fetched, f.Bytes, f.Cached, f.Failed, f.Skipped)
	}
	if section("KEYSPACES (newest first)", len(ex.Keyspaces), "none yet: buy one with bitverse keyspace buy NAME") {
		for _, k := range ex.Keyspaces {
			fmt.Fprintf(o, "  %s\tbought at %d\t%s\n", k.Name, k.Height, k.Description)
		}
	}
	if len(ex.MostWritten) > 0 && section("MOST WRITTEN KEYSPACES", len(ex.MostWritten), "") {
		for _, k := range ex.MostWritten {
			fmt.Fprintf(o, "  %s\t%d writes\t%s\n", k.Name, k.Writes, k.Description)
		}
	}
	if section("RECENT WRITES", len(ex.Writes), "none in the newest blocks") {
		for _, w := range ex.Writes {
			fmt.Fprintf(o, "  %s\tchain %s\theight %d\t%d bytes\t%s\n", w.Key, w.Chain, w.Height, w.Size, w.Proven)
		}
	}
	if section("TRANSFORMS", len(ex.Transforms), "none in the newest blocks") {
		for _, t := range ex.Transforms {
			fmt.Fprintf(o, "  %s\tchain %s\theight %d\t%s\t%s\n", t.Key, t.Chain, t.Height, t.Description, t.Proven)
		}
	}
	if section("OPEN BOUNTIES", len(ex.Bounties), "none open") {
		for _, b := range ex.Bounties {
			fmt.Fprintf(o, "  %s\t%s\tuntil %d\trequest %s\n", b.ID.Short(), bvs(b.Amount), b.Deadline, b.Request.Short())
		}
	}
	if section("BUSIEST BRANCHES", len(ex.Branches), "no writes in the newest blocks") {
		for _, b := range ex.Branches {
			fmt.Fprintf(o, "  %s\t%d writes in %d blocks\ttip %d\n", b.Chain, b.Writes, b.Blocks, b.Tip)
		}
	}
}

func findCmd() *cobra.Command {
	var limit int
	c := &cobra.Command{
		Use:   "find TEXT",
		Short: "Find keys, keyspaces and transforms by prefix or text",
		Long: `Matches TEXT against keyspace names, the key names of every chain this
node stores, the keys recently written on the chains it keeps as headers
only (from blocks fetched from peers and checked against their headers) and
the descriptions of transforms, prefix matches first. Each result says
where it was proven: the chain and block that wrote it, and how this node
knows ("stored": its own validated state; "root state at height N"; or the
peer a block was fetched from, checked against the header this node
verified).

Examples:
  bitverse find gallery
  bitverse find "black and white" --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			list, err := cl.Find(cmd.Context(), args[0], limit)
			if err != nil {
				return err
			}
			if list == nil {
				list = []node.FindResult{}
			}
			return out(list, func(o io.Writer) {
				if len(list) == 0 {
					fmt.Fprintf(o, "nothing matches %q; see what exists with: bitverse explore\n", args[0])
					return
				}
				fmt.Fprintln(o, "KIND\tNAME\tMATCH\tCHAIN AT\tPROVEN\tDESCRIPTION")
				for _, r := range list {
					fmt.Fprintf(o, "%s\t%s\t%s\tchain %s at %d\t%s\t%s\n", r.Kind, r.Name, r.Match, r.Chain, r.Height, r.Proven, r.Description)
				}
			})
		},
	}
	c.Flags().IntVar(&limit, "limit", 0, "at most this many results (default 50)")
	addJSON(c)
	return c
}
