package tui

import (
	"os"
	"testing"

	"github.com/bitverse/bitverse/node/script"
)

// TestMain lets this test binary serve as a script worker, as the
// bitverse binary does: the embedded-node test runs the production
// assembly, whose access scripts run in worker processes.
func TestMain(m *testing.M) {
	script.MaybeRunWorker()
	os.Exit(m.Run())
}
