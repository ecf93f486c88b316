// Package state applies transactions to the ledger and key/value store and
// keeps the authenticated state that every header commits to.
//
// State lives in two forms inside the same bbolt transaction:
//
//   - flat buckets (accounts, kv, kvhist) for fast reads, and
//
//   - two sparse Merkle trees (package smt) whose roots make the state root:
//
//     StateRoot = SHA-256("bitverse/state/v1" ‖ AccountsRoot ‖ KVRoot)
//
// An account's leaf sits at SHA-256("bitverse/acct" ‖ pubkey) and holds the
// hash of its record (balance, immature, nonce). A key's leaf sits at its key
// path SHA-256(key) and holds the hash of its value record (value, writer,
// height, tx id). A get proof is the record, the KV tree proof, and the
// accounts root, checked against a header's StateRoot.
//
// A Batch applies one block: Apply each transaction (checking nonce, funds,
// fees, key syntax; signatures are the caller's job, done in parallel and
// cached), ApplyCoinbase last, then Commit writes the flat buckets, the tree
// nodes and returns the new roots and an undo record. Disconnect uses the
// undo record to restore the flat buckets exactly; the trees need no undo,
// since their nodes are content-addressed and the parent's roots still stand.
//
// The ledger tree also holds keyspaces, paid totals, the blocktree's value
// leaves (branch.go), the market's bounties and reputation records
// (market.go), the relay registry and pending lineup draws (relay.go) and
// the availability pools with their members, tokens and redemptions
// (pool.go), each with a flat copy restored by the undo record. A root
// block's batch first writes the lineups its parent's ID drew (DrawLineups,
// the one pure draw in lineup.go) and, at an epoch's first block, settles
// the pools' last epoch and draws their challenges by the same ID
// (PoolEpoch), then applies its transactions.
//
// # Errors
//
// Rule violations are *consensus.RuleError values (ErrBadNonce,
// ErrInsufficientFunds, ErrFeeTooLow, ErrBadKey, ...). Anything else is a
// storage failure.
package state
