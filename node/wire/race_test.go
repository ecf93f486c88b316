//go:build race

package wire

// The race detector slows the curve arithmetic of the batch-verification
// tests about fifteenfold: under it they try a sample of the batch sizes
// and fewer random rounds (see raceSizes), the normal suite tries them all.
const raceEnabled = true
