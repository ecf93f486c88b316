package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
	"github.com/spf13/cobra"
)

// keyspaceCommands are keyspace and script.
func keyspaceCommands() []*cobra.Command {
	ks := &cobra.Command{
		Use:   "keyspace",
		Short: "Buy, inspect and manage keyspaces (owned names with an access.js script)",
		Long: `A keyspace is the first segment of a key ("erik" in erik/photos/1), bought
on the root chain. Its access.js script decides which writes into it are
allowed; without a script only its owner may write. public/ is open to all.
Sub-keyspaces (erik/blog) have their own owner and script; the enclosing
keyspace's script decides who may create them and still applies inside.

Examples:
  bitverse keyspace price erik
  bitverse keyspace buy erik --script examples/keyspaces/microblog.js --wait
  bitverse keyspace show erik
  bitverse keyspace set-script erik access.js
  bitverse keyspace transfer erik bvd1...`,
	}
	ks.AddCommand(keyspacePriceCmd(), keyspaceBuyCmd(), keyspaceShowCmd(), keyspaceListCmd(),
		keyspaceSetScriptCmd(), keyspaceTransferCmd())
	return []*cobra.Command{ks, scriptCmd()}
}

func keyspacePriceCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "price NAME",
		Short: "What buying NAME costs (shorter names cost more), and whether it is free",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			info, err := cl.Keyspace(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			res := map[string]any{"name": info.Name, "price": info.Price, "available": !info.Exists}
			if info.Exists {
				res["owner"] = info.Owner
			}
			return out(res, func(o io.Writer) {
				fmt.Fprintf(o, "%s costs %s (burned)\n", info.Name, bvs(info.Price))
				if info.Exists {
					fmt.Fprintf(o, "it is owned by %s\n", info.Owner)
				} else {
					fmt.Fprintln(o, "it is available: bitverse keyspace buy "+info.Name+" --script access.js")
				}
			})
		},
	}
	addJSON(c)
	return c
}

// readScript reads an access script; the node judges it (size, compiles)
// when the purchase or replacement is planned.
func readScript(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	return os.ReadFile(path)
}

func keyspaceBuyCmd() *cobra.Command {
	var f txFlags
	var scriptFile, maxPrice string
	c := &cobra.Command{
		Use:   "buy NAME [--script access.js]",
		Short: "Buy a keyspace (or create a sub-keyspace like erik/blog) with an optional access script",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := readScript(scriptFile)
			if err != nil {
				return err
			}
			in := plan.BuyKeyspace{Name: args[0], Script: src}
			if maxPrice != "" {
				if in.MaxPrice, err = wire.ParseAmount(maxPrice); err != nil {
					return err
				}
			}
			return sendIntent(cmd.Context(), f, in, true)
		},
	}
	c.Flags().StringVar(&scriptFile, "script", "", "access.js file (none: only the owner may write)")
	c.Flags().StringVar(&maxPrice, "max-price", "", "refuse to pay more than this (default: today's price)")
	f.add(c)
	return c
}

func keyspaceSetScriptCmd() *cobra.Command {
	var f txFlags
	var clear bool
	c := &cobra.Command{
		Use:   "set-script NAME [FILE]",
		Short: "Replace a keyspace's access script (owner only; the current script must agree)",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 2) == clear {
				return errors.New("give a script FILE, or --clear to remove the script")
			}
			var src []byte
			if len(args) == 2 {
				var err error
				if src, err = readScript(args[1]); err != nil {
					return err
				}
			}
			// Nothing is spent beyond the fee: no confirmation.
			return sendIntent(cmd.Context(), f, plan.SetScript{Name: args[0], Script: src}, false)
		},
	}
	c.Flags().BoolVar(&clear, "clear", false, "remove the script: only the owner may write")
	f.add(c)
	return c
}

func keyspaceTransferCmd() *cobra.Command {
	var f txFlags
	c := &cobra.Command{
		Use:   "transfer NAME ADDRESS",
		Short: "Give a keyspace to another address",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := params()
			if err != nil {
				return err
			}
			to, err := wire.ParseAddress(p.Net, args[1])
			if err != nil {
				return err
			}
			return sendIntent(cmd.Context(), f, plan.TransferKeyspace{Name: args[0], To: to}, true)
		},
	}
	f.add(c)
	return c
}

func keyspaceShowCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a keyspace: owner, script, price",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			info, err := cl.Keyspace(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return out(info, func(o io.Writer) { printKeyspace(o, info) })
		},
	}
	addJSON(c)
	return c
}

func printKeyspace(o io.Writer, k *node.KeyspaceInfo) {
	if !k.Exists {
		fmt.Fprintf(o, "%s is not owned by anyone; it costs %s (bitverse keyspace buy %s)\n", k.Name, bvs(k.Price), k.Name)
		return
	}
	fmt.Fprintf(o, "keyspace\t%s\n", k.Name)
	fmt.Fprintf(o, "owner\t%s\n", k.Owner)
	fmt.Fprintf(o, "bought at\tblock %d\n", k.Height)
	if k.Script == "" {
		fmt.Fprintf(o, "script\tnone (only the owner may write)\n")
		return
	}
	fmt.Fprintf(o, "script\t%s (%d bytes)\n", k.ScriptHash[:16], len(k.Script))
	fmt.Fprintln(o, "\n"+strings.TrimRight(k.Script, "\n"))
}

func keyspaceListCmd() *cobra.Command {
	var all bool
	var after string
	var limit int
	c := &cobra.Command{
		Use:   "list [ADDRESS]",
		Short: "List the keyspaces an address (default: your account) owns, or --all of them",
		Long: `Lists the keyspaces an address (default: your account) owns. With --all it
lists every keyspace of the network in name order, a page at a time
(keyspaces live on the root chain, so every node holds all of them): the
last line says how to ask for the next page.

Examples:
  bitverse keyspace list
  bitverse keyspace list --all --limit 50
  bitverse keyspace list --all --after erik`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !all && (after != "" || limit != 0) {
				return fmt.Errorf("--after and --limit page through --all; add --all")
			}
			if all && len(args) > 0 {
				return fmt.Errorf("--all lists every keyspace; drop the address, or drop --all to list what it owns")
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			if all {
				page, err := cl.AllKeyspaces(cmd.Context(), after, limit)
				if err != nil {
					return err
				}
				return out(page, func(o io.Writer) {
					if len(page.Keyspaces) == 0 {
						fmt.Fprintln(o, "no keyspaces here; see what one costs with: bitverse keyspace price NAME")
						return
					}
					printKeyspaceList(o, page.Keyspaces, true)
					if page.Next != "" {
						fmt.Fprintf(o, "more: bitverse keyspace list --all --after %s\n", page.Next)
					}
				})
			}
			var addr string
			if len(args) == 1 {
				addr = args[0]
			} else {
				_, acct, err := openAccount()
				if err != nil {
					return err
				}
				addr = acct.Address
			}
			list, err := cl.Keyspaces(cmd.Context(), addr)
			if err != nil {
				return err
			}
			if list == nil {
				list = []node.KeyspaceInfo{}
			}
			return out(list, func(o io.Writer) {
				if len(list) == 0 {
					fmt.Fprintln(o, "no keyspaces; see what one costs with: bitverse keyspace price NAME")
					return
				}
				printKeyspaceList(o, list, false)
			})
		},
	}
	c.Flags().BoolVar(&all, "all", false, "list every keyspace of the network, in name order")
	c.Flags().StringVar(&after, "after", "", "with --all: start after this name")
	c.Flags().IntVar(&limit, "limit", 0, "with --all: at most this many (default 100, at most 1000)")
	addJSON(c)
	return c
}

func printKeyspaceList(o io.Writer, list []node.KeyspaceInfo, owners bool) {
	if owners {
		fmt.Fprintln(o, "NAME\tSCRIPT\tBOUGHT AT\tOWNER\tDESCRIPTION")
	} else {
		fmt.Fprintln(o, "NAME\tSCRIPT\tBOUGHT AT")
	}
	for _, k := range list {
		s := "none"
		if k.ScriptHash != "" {
			s = k.ScriptHash[:16]
		}
		if owners {
			fmt.Fprintf(o, "%s\t%s\t%d\t%s\t%s\n", k.Name, s, k.Height, k.Owner, node.Describe([]byte(k.Script)))
			continue
		}
		fmt.Fprintf(o, "%s\t%s\t%d\n", k.Name, s, k.Height)
	}
}
