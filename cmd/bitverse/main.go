// Command bitverse is the one Bitverse binary: with no arguments it opens the
// terminal UI on an embedded devnet node; its subcommands run a headless
// node, drive the wallet, read and write keys, and inspect the chain. Every
// read takes --json. It holds no logic of its own: it parses flags and calls
// the node, wallet and tui packages.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/bitverse/bitverse/node/script"
)

func main() {
	// A script worker is this binary re-executed by a node: serve and exit.
	script.MaybeRunWorker()
	err := newRoot().Execute()
	if err != nil {
		var se silentErr
		if !errors.As(err, &se) {
			fmt.Fprintln(os.Stderr, "error:", userMessage(err))
		}
		os.Exit(exitCode(err))
	}
}
