// Package market is the compute engine's off-chain half: requests are
// gossiped, serving nodes answer with signed offers, the requester's node
// turns offers and the on-chain reputation ledger into a price table, and a
// worker that accepted a bounty computes the result, commits to it on the
// root chain and delivers it on a stream. The on-chain half (bounty,
// accept, commit, settle, dispute, refund and the reputation ledger) is
// consensus and lives in node/wire and node/state; this package only
// plans and signs those transactions through wallet/plan.
//
// With relay lineups (hops > 0) the worker hands its result on instead:
// relays drawn by the chain fetch the envelope chain (relay.go), check it
// against the chain, recompute from their own reads, countersign, and
// pass it on; the requester's node fetches the whole chain from the last
// relay and checks every signature and hash before it keeps the result.
//
// The service runs as a node/daemon Component. Faces (CLI, TUI) use it
// through API, in process or over the local API.
package market
