// Package miner is the CPU miner: one worker per core hashing
// SHA-256(commit ‖ nonce) over disjoint nonce ranges of the current template.
//
// The miner knows nothing about nodes. It gets what it needs as a Config of
// functions (a template source, a block sink, a refresh signal), so it can be
// tested and benchmarked alone. A new template is fetched when a block is
// found, when Refresh is signalled (new tip or new transactions), and every
// few seconds so the block time stays fresh.
//
// Workers hash a 40-byte preimage (one SHA-256 compression) and compare the
// digest to the target as bytes, so the loop is as close to raw SHA-256
// throughput as Go allows; HashRate reports the measured rate.
//
// # Errors
//
// Template and Submit errors are logged and retried after a short pause;
// the miner never stops on its own.
package miner
