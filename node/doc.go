// Package node assembles a Bitverse node from its parts — chain, mempool,
// miner, address index, event broker (and, as they arrive, the p2p host) —
// behind one API that the RPC server, the CLI and the TUI share.
//
//	       ┌────────── API (this package) ──────────┐
//	rpc ──►│ Status Account SubmitTx Get Block ...  │◄── tui (embedded)
//	       └───┬────────────┬───────────┬───────────┘
//	         chain ◄──── mempool     miner (Config of funcs)
//	           │  OnConnect/OnDisconnect ──► mempool, addr index, events
//	         bbolt (one file: <datadir>/chain.db)
//
// Events fan out through a lossy Broker: the node never blocks on a slow
// subscriber such as a TUI; a subscriber that falls behind misses events and
// re-reads state.
//
// # Errors
//
// API methods return sentinel errors (ErrNotFound, ErrBadRequest) or the
// rule errors of consensus/mempool, wrapped with a sentence for the user.
package node
