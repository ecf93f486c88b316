package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/adrg/xdg"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// version is set by the Makefile (-ldflags "-X main.version=...").
var version = "dev"

// globals are the flags every command shares.
type globals struct {
	datadir        string
	network        string
	jsonOut        bool
	passphraseFile string
	account        string
	rpcAddr        string
}

var g globals

// rootTUI holds the TUI's flags on the root command (--follow and
// --no-mdns for the embedded node).
var rootTUI tuiFlags

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "bitverse",
		Short: "A trustless key/value store and compute engine: wallet, miner and node",
		Long: `Bitverse is a trustless key/value store run by a peer-to-peer network.

With no command, bitverse opens the terminal UI on an embedded devnet node
in the default data directory: it creates a wallet, mines, and reads and
writes keys, alone or with peers.

Quick tour:
  bitverse wallet create            make a wallet (write down the words!)
  bitverse node --mine              run a headless node that mines
  bitverse put public/hello world --wait
  bitverse get public/hello --proof
  bitverse status
  bitverse tree                     the chains of the blocktree this node holds`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		// Every command, client commands that only dial a node included,
		// checks --network once here: the data directory is named after it.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			// The configuration file and environment fill the flags not
			// given (config.go), before anything reads them.
			if err := applyConfig(cmd); err != nil {
				return err
			}
			_, err := params()
			return err
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTUI(cmd.Context(), rootTUI)
		},
	}
	addTUIFlags(root, &rootTUI)
	addGlobalFlags(root.PersistentFlags(), &g)
	addConfigFlag(root)
	root.AddCommand(nodeCmd(), walletCmd(), putCmd(), getCmd(), keysCmd(), statusCmd(), treeCmd(), blockCmd(), txCmd(), tuiCmd(), mineCmd())
	root.AddCommand(extraCommands()...)
	return root
}

// addGlobalFlags adds the flags every command shares, bound to gl.
func addGlobalFlags(pf *pflag.FlagSet, gl *globals) {
	pf.StringVar(&gl.datadir, "datadir", "", "data directory (default: $XDG_DATA_HOME/bitverse/<network>)")
	pf.StringVar(&gl.network, "network", "devnet", "network: devnet (mainnet and testnet do not exist yet)")
	pf.StringVar(&gl.passphraseFile, "passphrase-file", "", "read the wallet passphrase from this file (else $BITVERSE_PASSPHRASE, else a prompt)")
	pf.StringVar(&gl.account, "account", "", "wallet account to use (default: the first)")
	pf.StringVar(&gl.rpcAddr, "rpc-addr", "", "address of the node's local API (default: read from the data directory)")
}

// addJSON adds --json to a read command.
func addJSON(c *cobra.Command) {
	c.Flags().BoolVar(&g.jsonOut, "json", false, "print JSON")
}

func params() (*consensus.Params, error) {
	net, err := wire.NetworkByName(g.network)
	if err != nil {
		return nil, fmt.Errorf("%w; use --network devnet, the only one launched yet", err)
	}
	if net != wire.Devnet {
		return nil, fmt.Errorf("network %s is not launched yet; use --network devnet", net.Name)
	}
	return consensus.Devnet(), nil
}

func dataDir() (string, error) {
	if g.datadir != "" {
		return filepath.Abs(g.datadir)
	}
	return filepath.Join(xdg.DataHome, "bitverse", g.network), nil
}

func walletDir(datadir string) string { return filepath.Join(datadir, "wallet") }

// mineToFile holds the wallet's first address in plain text, so a node can
// mine to it without the passphrase.
func mineToFile(datadir string) string { return filepath.Join(datadir, "mine-to") }

// dial connects to the node running on the data directory.
func dial() (*rpc.Client, error) {
	dir, err := dataDir()
	if err != nil {
		return nil, err
	}
	return rpc.Dial(dir, g.rpcAddr)
}

// signalContext is cancelled on SIGINT/SIGTERM.
func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}

// silentErr is an error already reported to the user.
type silentErr struct{ code int }

func (e silentErr) Error() string { return fmt.Sprintf("exit %d", e.code) }

func exitCode(err error) int {
	var se silentErr
	if errors.As(err, &se) {
		return se.code
	}
	return 1
}

// userMessage makes sure a sentence, not a Go error chain dump, reaches the
// user; the wrapped messages are already written for people.
func userMessage(err error) string {
	msg := err.Error()
	if errors.Is(err, rpc.ErrNoNode) && !strings.Contains(msg, "bitverse node") {
		msg += " — start one with `bitverse node` (or `bitverse` for the TUI)"
	}
	if errors.Is(err, node.ErrNotFound) {
		return msg
	}
	return msg
}
