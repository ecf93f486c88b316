//go:build race

package tui

// raceEnabled: under the race detector the tests run at the default
// parallelism, as each costs several times the CPU.
const raceEnabled = true
