// Package daemon assembles one full Bitverse node from its parts, in one
// place, for every binary and test that runs a node: the command-line node
// and devnet, the TUI's embedded mode, and the multi-node test harness.
//
//	New(cfg) ─► Start ─────────────────────────────────────────► Stop
//	            scripts → node → p2p host → blobs → local API → components
//	            (on a failure, what started is stopped in reverse order)
//	                                                  Stop: the same, reversed
//
// The parts:
//
//   - scripts: the access-script worker pool (script.NewPool: this binary
//     re-executed, memory-limited — the isolation boundary for hostile
//     scripts). The binary must call script.MaybeRunWorker first thing in
//     main, and test binaries in TestMain.
//   - node: node.Open on the data directory (chain.db, branch files).
//   - p2p: the libp2p host (p2p.New, Start). It sees the node through the
//     interface it declares (p2p.Node) and subscribes to accepted blocks
//     and transactions itself (node.OnAccepted); the daemon wires the
//     rest: the host reports peers and sync progress (p2p.Config.OnPeers,
//     OnSync → node.SetPeerCount, SetSync), and the node reads
//     headers-only chains, their blocks and peers per chain through the
//     host (SetRemoteReader, SetRemoteBlocks, SetChainPeers, cleared
//     before the host closes).
//   - blobs: the blob chunk service on the host, storing in the node's
//     database.
//   - rpc: the local authenticated API (rpc.Listen, Serve); it writes the
//     address and cookie files into the data directory and Stop removes
//     the address file.
//   - components: services registered with Register (market, tumbler,
//     pools…), started last and stopped first.
//   - metrics (Config.Metrics): made before the node, so that the script
//     runner and the host's view of the node are wrapped to count
//     verdicts and time peers' blocks (package node/metrics); served after
//     the market, read at scrape time from the node and the host.
//
// Start and Stop are idempotent (an atomic guard); a Daemon runs once:
// Start after Stop (or after a failed Start) returns ErrStopped. Each part
// owns its goroutines and ends them in its own Stop, so after Stop no
// goroutine or open file of the daemon remains and the data directory can
// be opened again at once.
//
// # Errors
//
// Start wraps the first failure with the part's name ("start the local
// API: …"); ErrStopped and ErrStarted are sentinels.
package daemon
