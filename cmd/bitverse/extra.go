package main

import "github.com/spf13/cobra"

// extraCommands are the commands of the network, keyspace and script
// features.
func extraCommands() []*cobra.Command { return nil }
