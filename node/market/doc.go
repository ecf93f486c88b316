// Package market is the compute engine's off-chain half: requests are
// gossiped, serving nodes answer with signed offers, the requester's node
// turns offers and the on-chain reputation ledger into a price table, and a
// worker that accepted a bounty computes the result, commits to it on the
// root chain and delivers it on a stream. The on-chain half (bounty,
// accept, commit, settle, dispute, refund and the reputation ledger) is
// consensus and lives in node/wire and node/state; this package only
// plans and signs those transactions through wallet/plan.
//
// The service runs as a node/daemon Component. Faces (CLI, TUI) use it
// through API, in process or over the local API.
package market
