// Package mempool holds transactions that are valid on the current tip but
// not yet in a block.
//
// Admission checks everything the chain would (syntax, fee floor, nonce,
// funds including what the sender already has pending) and verifies the
// signature once, recording it in the signature cache shared with the chain,
// so connecting a block never verifies again what admission verified.
//
// A transaction is judged after the pending transactions it depends on, as
// Bitcoin Core's mempool sees unconfirmed parents: on the root, its sender's
// pending transactions of lower nonce (a keyspace bought, then a write into
// it); on a branch, its sender's pending root transactions (Config.Root),
// whose stamps count as write credit. A block template leaves out a branch
// write whose credit or keyspace is not yet under the block's anchor, and
// keeps it for a later block.
//
// Every admitted transaction is written to the mempool bucket before Add
// returns, so an acknowledged write survives a crash; Load re-admits them on
// start. Per sender, transactions are kept in nonce order without gaps;
// Select returns them by fee rate while respecting that order. The pool is
// bounded in count and bytes; when full, a new transaction must pay a higher
// fee rate than the cheapest evictable one (the last of its sender's chain).
// A pending transaction can be replaced by one with the same nonce paying at
// least 10% more fee.
//
// A block can make a pending market transaction invalid without holding
// any transaction of its sender (a dispute window closes, a bounty is
// disputed before a relay's countersign is mined). Recheck, run by the
// node after each block connects, judges those again (at most MaxRecheck
// a call) and drops the invalid ones with their sender's later ones, so
// the sender's nonce is free again.
//
// # Errors
//
// ErrKnown, ErrPoolFull, ErrReplacementFee, ErrNonceGap and ErrBadTx, the
// last wrapping the rule error (consensus.RuleError) that the chain would
// raise, so callers can show which rule failed.
package mempool
