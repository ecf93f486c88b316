package state

import (
	"os"
	"testing"

	"github.com/bitverse/bitverse/node/script"
)

// TestMain lets this test binary serve as a script worker (script pools
// re-execute it).
func TestMain(m *testing.M) {
	script.MaybeRunWorker()
	os.Exit(m.Run())
}
