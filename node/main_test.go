package node_test

import (
	"os"
	"testing"

	"github.com/bitverse/bitverse/node/harness"
)

// Harness nodes run access scripts in worker processes: this test binary
// re-executed.
func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
