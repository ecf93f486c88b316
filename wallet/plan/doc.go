// Package plan turns what a user wants done (an Intent: send, put at a
// depth, stamp, buy a keyspace, replace its script, give it away) into a
// Plan: the transactions to sign and submit, in order, with their nonces
// and fees, what they spend, the write credit missing and the stamp that
// covers it, and the node's verdict on the write. The CLI and the TUI both
// show a Plan, ask for confirmation, sign it and submit it; neither computes
// a fee, a nonce or a credit shortfall itself (as btcwallet's txauthor
// does for Bitcoin transactions).
//
// The planner asks the node for everything that depends on chain state
// (account nonce and balance, write credit, keyspace price and owner, the
// access-script verdict) through the node's API, so a face attached to a
// remote node plans what that node will accept. The fee floor is a rule of
// the network (consensus.Params), known to every face.
//
//	intent ──Planner.Plan──▶ Plan{Steps, Fee, Cost, Shortfall, Verdict}
//	            │                    │
//	   node: account, credit,   face: show, confirm,
//	   keyspace, preview        Sign(signer), Submit(node)
//
// Steps are submitted in order without waiting for blocks between them: the
// node's mempool judges each transaction after the pending transactions it
// depends on (a stamp before the branch write it pays for, a keyspace
// bought before a write into it).
//
// New intents (bounties, settlements, tumbler registrations) implement
// Intent: they add their transactions to a builder, which assigns nonces
// and fees and keeps the totals.
//
// # Errors
//
// *FundsError when the balance does not cover the plan (Need, Have);
// ErrOwned when a keyspace to buy is owned; ErrFeeTooLow when a chosen fee
// is below the network's floor; ErrBadIntent for an intent that can never
// be valid. A refusal by the node's rules is not an error of Plan: it is
// Plan.Verdict, and Plan.Refused returns it as an error.
package plan
