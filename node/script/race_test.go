//go:build race

package script

// The race detector slows goja about tenfold, which pushes full-budget
// scripts past the one-second guard; tests that depend on timing skip.
const raceEnabled = true
