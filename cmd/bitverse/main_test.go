package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/wallet"
)

// runAsBinaryEnv makes this test binary act as the bitverse binary: the
// CLI tests run it as a user runs bitverse (and so do the nodes a devnet
// starts and the script workers a node re-executes), so the package is
// not built a second time for them.
const runAsBinaryEnv = "BITVERSE_TEST_RUN_AS_BINARY"

func TestMain(m *testing.M) {
	// A node's script workers re-execute this binary with an environment
	// of their own, without runAsBinaryEnv.
	script.MaybeRunWorker()
	// The wallets the tests make (in this process or in it run as
	// bitverse) are throwaway: cheap scrypt, milliseconds per CLI call.
	wallet.CheapKeystoresForTests()
	if os.Getenv(runAsBinaryEnv) == "1" && !isFuzzWorker() {
		main()
		os.Exit(0)
	}
	// Every process the tests start from this binary is bitverse.
	os.Setenv(runAsBinaryEnv, "1")
	// ... and reads no operator's configuration file or variables: an
	// empty config home of its own (tests that want a file write one).
	cfgHome, err := os.MkdirTemp("", "bitverse-config")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", cfgHome)
	os.Unsetenv(configEnv)
	for _, k := range configSchema() {
		os.Unsetenv(k.EnvName())
	}
	code := m.Run()
	os.RemoveAll(cfgHome)
	if funded.dir != "" {
		os.RemoveAll(funded.dir)
	}
	os.Exit(code)
}

// isFuzzWorker reports whether go test started this binary as a fuzzing
// worker: it inherits runAsBinaryEnv from the coordinating test process,
// yet must fuzz, not run as bitverse.
func isFuzzWorker() bool {
	return slices.ContainsFunc(os.Args[1:], func(a string) bool {
		return a == "-test.fuzzworker" || strings.HasPrefix(a, "-test.fuzzworker=")
	})
}
