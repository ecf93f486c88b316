package miner

import "crypto/sha256"

// sha256Sum is the one hash the miner does; kept separate so benchmarks can
// compare the loop with the bare function.
func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }
