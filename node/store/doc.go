// Package store opens the node's bbolt database, checks its schema version
// and names its buckets. It holds no logic of its own: the chain and state
// packages read and write these buckets inside transactions they own, so that
// a block connects or disconnects in exactly one bbolt transaction.
//
//	meta        schema version, best tip
//	blocks      block id → encoded block (every block ever accepted)
//	index       block id → encoded header ‖ status
//	main        height (8 bytes BE) → block id, for the best chain
//	txindex     tx id → block id ‖ position (best chain only)
//	undo        block id → undo record (what connecting the block changed)
//	roots       block id → state sub-roots after the block
//	accounts    public key → account record
//	kv          key → current value record
//	kvhist      key ‖ 0x00 ‖ height ‖ position → value record
//	smt         node hash → sparse Merkle tree node
//	mempool     tx id → encoded tx (survives restarts)
//	peers       p2p: bans and known addresses
//	addrindex   public key ‖ height ‖ position → tx id (wallet history)
//	keyspaces   keyspace name → owner ‖ script hash ‖ height
//	scripts     script hash → access.js source
//	paid        from ‖ to → total ever transferred (u64), for scripts
//	blobs       root ‖ size ‖ chunk size ‖ index → branch ‖ chunk (node/blob)
//
// # Errors
//
// ErrLocked: another process holds the database. ErrSchema: the database
// was written by an incompatible version.
package store
