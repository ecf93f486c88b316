package tui

import (
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
	os.Exit(m.Run())
}
