//go:build race

package wire

// The race detector slows the curve arithmetic of the signature tests
// tenfold or more (node/wire took ~45 minutes under -race on a loaded
// machine): under it the batch-verification tests try a sample of the
// batch sizes and positions, one tampering of each kind per size and fewer
// random rounds (raceSize, raceReps), TestKeyVerifyMatchesVerify 40 keys,
// TestTamperBreaksSignature one bit per byte. The normal suite runs them
// in full.
const raceEnabled = true
