// Package store opens the node's bbolt databases, checks their schema
// version and names their buckets. It holds no logic of its own: the chain
// and state packages read and write these buckets inside transactions they
// own, so that a block connects or disconnects in exactly one bbolt
// transaction. Each package owns its buckets; only the owner writes them.
//
// Files in the data directory: chain.db (the root chain, Open), one
// chains/<prefix>.db per stored branch chain (the same buckets, Open), and
// p2p.db, the network layer's own file (OpenBuckets with Peers only).
//
//	bucket      owner         contents
//	meta        chain         schema version, best tip, address index tip and version
//	blocks      chain         block id → encoded block (every block ever accepted)
//	index       chain         block id → encoded header ‖ status
//	main        chain         height (8 bytes BE) → block id, for the best chain
//	txindex     chain         tx id → block id ‖ position (best chain only)
//	undo        chain         block id → undo record (what connecting the block changed)
//	roots       chain         block id → state sub-roots after the block
//	accounts    state         public key → account record
//	kv          state         key → current value record
//	kvhist      state         key ‖ 0x00 ‖ height ‖ position → value record
//	smt         state/smt     node hash → sparse Merkle tree node
//	keyspaces   state         keyspace name → owner ‖ script hash ‖ height
//	scripts     state         script hash → access.js source
//	paid        state         from ‖ to → total ever transferred (u64), for scripts
//	leaves      state         the blocktree's ledger leaves (credits, chain pools, checkpoints)
//	leafrecs    state         leaf hash → ledger record, to read the ledger at any anchor
//	mempool     mempool       tx id → encoded tx (survives restarts)
//	addrindex   node          public key ‖ height ‖ position → tx id (wallet history)
//	payouts     node          miner ‖ root height ‖ entry → chain ‖ block id ‖ fees (checkpoint payouts)
//	blobs       blob          root ‖ size ‖ chunk size ‖ index → branch ‖ chunk (root file)
//	peers       p2p           p2p.db only: bans and known addresses
//
// # Errors
//
// ErrLocked: another process holds the database. ErrSchema: the database
// was written by an incompatible version.
package store
