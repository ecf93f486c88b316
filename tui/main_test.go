package tui

import (
	"flag"
	"os"
	"testing"

	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/wallet"
)

// TestMain lets this test binary serve as a script worker, as the
// bitverse binary does: the embedded-node test runs the production
// assembly, whose access scripts run in worker processes.
func TestMain(m *testing.M) {
	script.MaybeRunWorker()
	// The wallets the tests make are throwaway: cheap scrypt.
	wallet.CheapKeystoresForTests()
	flag.Parse()
	if !parallelGiven() && !raceEnabled {
		// These tests mostly wait (a command's patience, a screen
		// settling) and use little CPU: four at a time on two cores
		// takes a third of the time one at a time does. More, and on a
		// loaded machine a quick command can miss its patience.
		flag.Set("test.parallel", "4")
	}
	os.Exit(m.Run())
}

// parallelGiven reports whether -test.parallel was on the command line.
func parallelGiven() bool {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	return given
}
