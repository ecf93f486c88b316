//go:build !relayplan

package main

import "github.com/spf13/cobra"

// relaySendCommands waits for the planner's relay intents.
func relaySendCommands() []*cobra.Command { return nil }
