package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	if raceEnabled {
		if err := buildPlainBinary(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	// They read no operator's configuration file or variables: an empty
	// config home of their own (tests that want a file write one). Set
	// after the go command above ran: it keeps its own settings there.
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
	if plainBin != "" {
		os.RemoveAll(filepath.Dir(plainBin))
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

// plainBin is the bitverse the tests run when this binary has the race
// detector: the same test binary built without it.
var plainBin string

// buildPlainBinary builds this package's test binary without the race
// detector, for the processes the tests start (nodes, devnets, CLI calls).
// Race-built nodes hash and verify about ten times slower, too slow for a
// devnet to mine the blocks a test waits for on two cores; the race
// detector still covers this process (the tests' own code and the CLI code
// they call in process), and node/... runs the node's code under it in
// process.
func buildPlainBinary() error {
	dir, err := os.MkdirTemp("", "bitverse-plain-")
	if err != nil {
		return err
	}
	plainBin = filepath.Join(dir, "bitverse.test")
	goCmd := os.Getenv("GO")
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.Command(goCmd, "test", "-c", "-o", plainBin, "-ldflags=-w", ".")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("build the test binary without the race detector for the nodes the tests start: %w", err)
	}
	return nil
}
