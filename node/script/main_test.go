package script

import (
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	MaybeRunWorker()
	if os.Getenv(busyEnv) != "" {
		spin() // a busy process for TestVerdictsUnderLoad
	}
	if os.Getenv(restrictEnv) != "" {
		restrictedRead() // for TestWorkerCannotReadFiles
	}
	code := m.Run()
	shared.mu.Lock()
	for _, p := range shared.pools {
		p.Close()
	}
	shared.mu.Unlock()
	os.Exit(code)
}

// shared holds pools reused across tests: starting workers costs time.
var shared struct {
	mu    sync.Mutex
	pools map[string]*Pool
}

// testPool returns a shared pool of two workers started with the given
// GOMAXPROCS for the workers ("" for the default).
func testPool(t testing.TB, gomaxprocs string) *Pool {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if p, ok := shared.pools[gomaxprocs]; ok {
		return p
	}
	if gomaxprocs != "" {
		old, had := os.LookupEnv("GOMAXPROCS")
		os.Setenv("GOMAXPROCS", gomaxprocs)
		defer func() {
			if had {
				os.Setenv("GOMAXPROCS", old)
			} else {
				os.Unsetenv("GOMAXPROCS")
			}
		}()
	}
	p, err := NewPool(2)
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	p.guard = testGuard()
	if shared.pools == nil {
		shared.pools = map[string]*Pool{}
	}
	shared.pools[gomaxprocs] = p
	return p
}

type namedRunner struct {
	name string
	r    Runner
}

// bothRunners returns the in-process runner and the shared pool.
func bothRunners(t testing.TB) []namedRunner {
	return []namedRunner{{"in-process", testInProcess()}, {"pool", testPool(t, "")}}
}

// testGuard is the guard of the tests' runners: WallClockGuard, or twenty
// times it under the race detector, which slows goja about tenfold.
func testGuard() time.Duration {
	if raceEnabled {
		return 20 * WallClockGuard
	}
	return WallClockGuard
}

func testInProcess() *inProcess {
	r := newInProcess()
	r.guard = testGuard()
	return r
}

// raceHeavy reports whether a battery case should be left out under the
// race detector: it burns a whole fuel budget (reference fuel, or a name
// on the list when there is no reference), and one such case is enough to
// race the code paths they share.
func raceHeavy(t testing.TB, name string, fuel uint64) bool {
	if !raceEnabled || name == "infinite loop" {
		return false
	}
	if fuel >= heavyFuel || heavyNames[name] {
		t.Logf("race: %s burns a whole budget; the normal suite runs it", name)
		return true
	}
	return false
}

// heavyNames are the battery cases that burn a whole budget of fuel.
var heavyNames = map[string]bool{"infinite loop": true, "infinite loop, brace-less": true, "infinite loop caught": true,
	"loop in the top level": true, "sparse array spread": true, "async loop": true, "loop in a job after true": true,
	"endless job chain": true, "generator loop": true, "long string updated as a property": true, "arguments of the factory": true, "host objects": true, "host probe": true}

func mustCompile(t testing.TB, src string) *Program {
	t.Helper()
	p, err := Compile([]byte(src))
	if err != nil {
		t.Fatalf("Compile: %v\n%s", err, src)
	}
	return p
}

// stubLedger is an in-memory ledger.
type stubLedger struct {
	mu       sync.Mutex
	balances map[string]uint64
	paid     map[[2]string]uint64
	owners   map[string]string
	err      error
	queries  int
}

func (l *stubLedger) Balance(addr string) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queries++
	return l.balances[addr], l.err
}

func (l *stubLedger) PaidTotal(from, to string) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queries++
	return l.paid[[2]string{from, to}], l.err
}

func (l *stubLedger) Owner(ks string) (string, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queries++
	o, ok := l.owners[ks]
	return o, ok, l.err
}

// busyEnv turns the test binary into a process that only burns CPU.
const busyEnv = "BITVERSE_SCRIPT_TEST_BUSY"

var sink uint64

func spin() {
	for i := uint64(0); ; i++ {
		sink += i * i
	}
}

// startBusy starts n processes that burn CPU until the test ends.
func startBusy(t testing.TB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), busyEnv+"=1")
		if err := cmd.Start(); err != nil {
			t.Fatalf("start a busy process: %v", err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
}
