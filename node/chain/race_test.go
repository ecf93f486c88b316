//go:build race

package chain

// raceEnabled: the race detector slows goja about tenfold, so scripts
// sized to take a tenth of a second would pass the one-second guard.
const raceEnabled = true
