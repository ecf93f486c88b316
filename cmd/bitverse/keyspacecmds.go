package main

import "github.com/spf13/cobra"

// keyspaceCommands are keyspace and script.
func keyspaceCommands() []*cobra.Command { return nil }
