// Package node is one Bitverse node's core: the blocktree of chains (the
// root on chain.db, each stored branch on its own file), their mempools,
// the miner, the address index and the event broker, behind API — the one
// interface the CLI, the TUI and the local API server share. *Node
// implements API in process; rpc.Client implements it over the local
// authenticated API, and the two give the same answers (node/rpc's
// behaviour suite checks it).
//
//	          ┌──────────────── API (api.go) ────────────────┐
//	rpc ─────►│ Status Account SubmitTx Get GetOn Credit Keys │◄── tui, cmd
//	          │ Block Blocks BlockOn BlocksOn Tx History Tree │    (embedded)
//	          └──┬──────────────┬──────────────┬──────────────┘
//	       chain.Forest ◄── mempools (one per   miner (Config of funcs:
//	     (root + branches)   stored chain)       Template, Path, Submit)
//	             │ OnConnect/OnDisconnect ──► root mempool, addr index, events
//	           bbolt: <datadir>/chain.db, <datadir>/chains/<prefix>.db
//
// Files: node.go (Open, Close, SubmitBlock, SubmitBlockFrom, AddTx, mining), query.go and
// chainblocks.go (reads), branches.go and forest.go (branch chains, follow
// sets, reads of headers-only chains through the network), proofs.go (state
// proofs served to peers), keyspace.go, tree.go, addrindex.go, events.go
// (the lossy Broker), types.go (what API returns), netapi.go (NetAPI and
// BlobAPI, served by the p2p layer).
//
// The node does not know the network. The assembly (node/daemon) opens it
// with the script worker pool, which Open splits into its two lanes
// (script.Lanes): the chains validate blocks and build templates on
// ForBlocks, and CheckAccess (mempool admission, previews) runs on
// ForAdmission, so blocks never wait behind peers' transactions for a
// worker. It connects the p2p host to the node: the host
// reaches the node only through the interface p2p declares (p2p.Node), is
// told of accepted blocks and transactions by OnAccepted, and reports peers
// and sync progress through SetPeerCount and SetSync; the node reads
// headers-only chains, fetches their blocks and counts peers per chain
// through SetRemoteReader, SetRemoteBlocks and SetChainPeers. Nil hooks mean a node running alone.
//
// Goroutines: Open starts forwardChanges (tip moves and mempool changes →
// miner refreshes) and one forwardPool per stored branch; the miner owns
// its workers; Close stops them all and closes the files. Events fan out
// through the lossy Broker: the node never blocks on a slow subscriber such
// as a TUI; a subscriber that falls behind misses events and re-reads
// state.
//
// # Errors
//
// API methods return sentinel errors (ErrNotFound, ErrBadRequest,
// ErrNotStored, ErrNoMineTo, ErrNoNetwork) or the rule errors of
// consensus and mempool, wrapped with a sentence for the user; the local
// API carries the sentinel across as an error kind.
package node
