// Package chain keeps one proof-of-work chain: it validates blocks, stores
// them, chooses the chain with the most cumulative work, and moves the state
// along it, block by block, each in one bbolt transaction.
//
//	         ProcessBlock(b)
//	              │
//	sanity (PoW, size, tx root, coinbase shape,      ← no context needed
//	        the block survives its own encoding)
//	              │ parent unknown? ──► orphan pool (connected when it arrives)
//	              │ parent rejected or invalid? ──► ErrInvalidAncestor
//	context (height, bits by ASERT, time > MTP, not in the future)
//	              │ more work than the tip? start verifying signatures now
//	stored in blocks + index ──► more work than the tip?
//	              │                      │ yes
//	              │            disconnect back to the fork (undo records),
//	              │            connect the new branch (state.Batch, signatures
//	              │            verified in parallel and cached); a block that
//	              │            fails marks itself and its descendants invalid
//	              │            and the old branch is restored
//	              ▼
//	        OnConnect / OnDisconnect callbacks (mempool, miner, p2p)
//
// ProcessRun (run.go) takes a line of blocks extending the tip, as sync
// fetches them: the same checks in the same order, but stored and
// connected up to 128 blocks to a bbolt transaction, signatures of the run
// checked together, and only the last block's key/value tree stored (each
// block's root still checked; a disconnect back into the run rebuilds the
// tree it needs from the undo record). It stops before a block it cannot connect, which then
// goes to ProcessBlock for its verdict; a failing run is rolled back whole
// and its good prefix connected again, so what commits is always a state
// after some block.
//
// In a forest (forest.go), whether a branch block is stored depends only
// on what a node keeping the branch as headers only can check: its header
// and a coinbase proven first under its tx root (Claimed, claimed.go). A
// branch block whose body breaks a stateless rule is stored marked
// invalid, like one built on an invalid block, so root checkpoints, which
// name stored branch headers, are judged alike by every follow set.
// ProcessClaimed stores blocks of headers-only chains from that claimed
// form alone, as sync fetches them.
//
// Chain is safe for concurrent use; one mutex serialises changes to the
// index and the tip, while reads go straight to bbolt.
//
// # Errors
//
// Rejections are *consensus.RuleError (consensus.CodeOf tells which rule).
// ErrOrphan means the parent is unknown yet (not a fault of the sender);
// ErrKnown means the block was already processed.
package chain
