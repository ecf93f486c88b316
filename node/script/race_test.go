//go:build race

package script

// The race detector slows goja about tenfold, which pushes full-budget
// scripts past the one-second guard: the tests' runners get a longer guard
// (testGuard), and the batteries run their light cases and one heavy one,
// saying which they leave to the normal suite.
const raceEnabled = true
