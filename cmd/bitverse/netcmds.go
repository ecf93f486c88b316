package main

import "github.com/spf13/cobra"

// networkCommands are peers and devnet.
func networkCommands() []*cobra.Command { return nil }
