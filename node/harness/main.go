package harness

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/bitverse/bitverse/node/script"
)

// workersReady is set by Main: the test binary can serve as a script
// worker, so harness nodes may start worker pools.
var workersReady atomic.Bool

var errNoMain = errors.New("this test binary cannot host script workers: call harness.Main(m) from TestMain (harness nodes run access scripts in worker processes, the test binary re-executed, as the product does)")

// Main runs the tests of a package that uses the harness, and returns
// m.Run's code. Call it from TestMain, first thing:
//
//	func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
//
// A copy of the test binary started as a script worker serves and exits
// inside Main, before any test runs.
func Main(m *testing.M) int {
	script.MaybeRunWorker()
	workersReady.Store(true)
	return m.Run()
}
