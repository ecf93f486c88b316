package main

import "github.com/spf13/cobra"

// extraCommands are the commands of the network, keyspace and script
// features; each feature lists its own in its file.
func extraCommands() []*cobra.Command {
	var cs []*cobra.Command
	cs = append(cs, networkCommands()...)
	cs = append(cs, keyspaceCommands()...)
	cs = append(cs, branchCommands()...)
	cs = append(cs, transformCmd())
	cs = append(cs, bountyCommands()...)
	cs = append(cs, marketCommands()...)
	cs = append(cs, relayCommands())
	cs = append(cs, exploreCommands()...)
	cs = append(cs, configCmd())
	cs = append(cs, poolCommands(), tokenCommands())
	cs = append(cs, tumblerCmd())
	addBountyAccept(cs)
	return cs
}
