// Package consensus holds what every node must agree on and nothing else:
// network parameters, the difficulty rule (ASERT), the reward schedule, fee
// minimums, and the typed rule errors that name which rule a block or
// transaction broke.
//
// The chain and state packages enforce these rules; this package only states
// them, so a reader can check docs/PROTOCOL.md against one small file each.
//
// # Errors
//
// Every consensus rejection is a *RuleError carrying an ErrorCode, so tests
// assert which rule fired (errors.As, or IsCode). Codes are stable: they
// appear in logs, RPC answers and peer scoring.
package consensus
