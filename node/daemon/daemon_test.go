package daemon

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/script"
)

func TestMain(m *testing.M) {
	script.MaybeRunWorker()
	os.Exit(m.Run())
}

// full returns the configuration of a production node on dir: worker
// scripts, a loopback p2p host (mDNS and DHT off) and the local API.
func full(dir string) Config {
	return Config{DataDir: dir, Params: consensus.Regtest(), MinerWorkers: 1, ScriptWorkers: 1,
		P2P: &p2p.Config{DisableMDNS: true, DisableDHT: true}, RPC: "127.0.0.1:0"}
}

func mustNew(t *testing.T, cfg Config) *Daemon {
	t.Helper()
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// eventually polls cond until it holds or a generous cap passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testutil.Eventually(t, 20*time.Second, what, func() error {
		if cond() {
			return nil
		}
		return errors.New("still false")
	})
}

// children counts this process's live child processes (Linux; -1 elsewhere).
func children() int {
	if runtime.GOOS != "linux" {
		return -1
	}
	ents, _ := os.ReadDir("/proc")
	me, n := strconv.Itoa(os.Getpid()), 0
	for _, e := range ents {
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces, so split after ')'.
		s := string(raw)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == me && f[0] != "Z" {
			n++
		}
	}
	return n
}

// openIn lists the files this process holds open under dir (Linux; nil
// elsewhere).
func openIn(dir string) []string {
	ents, _ := os.ReadDir("/proc/self/fd")
	var out []string
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && strings.HasPrefix(l, dir+string(filepath.Separator)) {
			out = append(out, l)
		}
	}
	return out
}

// baseline is what a test expects to be back to after a daemon stops.
type baseline struct{ goroutines, procs int }

func measure() baseline { return baseline{runtime.NumGoroutine(), children()} }

// assertClean checks that nothing of a stopped daemon on dir remains: no
// extra goroutine or worker process, no file open in dir, no address file,
// and the data directory opens again at once. Tests keep their daemon
// referenced until then, so that a finalizer cannot close a leaked file.
func assertClean(t *testing.T, dir string, b baseline) {
	t.Helper()
	eventually(t, "goroutines back to "+strconv.Itoa(b.goroutines), func() bool { return runtime.NumGoroutine() <= b.goroutines })
	if b.procs >= 0 {
		eventually(t, "script workers gone", func() bool { return children() <= b.procs })
	}
	if open := openIn(dir); len(open) > 0 {
		t.Errorf("files left open in the data directory: %v", open)
	}
	if _, err := os.Stat(filepath.Join(dir, rpc.AddrFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind (err %v)", rpc.AddrFile, err)
	}
	n, err := node.Open(node.Config{DataDir: dir, Params: consensus.Regtest(), MinerWorkers: 1})
	if err != nil {
		t.Fatalf("reopen the data directory: %v", err)
	}
	n.Close()
}

// warm starts and stops one daemon so that the libraries' lazily started
// global goroutines exist before a test takes its baseline.
func warm(t *testing.T) {
	t.Helper()
	d := mustNew(t, full(t.TempDir()))
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	d.Stop()
}

func TestStartStopTwice(t *testing.T) {
	warm(t)
	b0 := measure()
	dir := t.TempDir()
	d := mustNew(t, full(dir))
	for i := range 2 {
		if err := d.Start(); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	if d.Node() == nil || d.Host() == nil || d.Blobs() == nil || d.RPC() == nil || d.Scripts() == nil {
		t.Fatal("a part is missing after Start")
	}
	cl, err := rpc.Dial(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Peers(t.Context()); err != nil {
		t.Fatalf("the local API does not serve the network: %v", err)
	}
	for i := range 2 {
		if err := d.Stop(); err != nil {
			t.Fatalf("stop %d: %v", i, err)
		}
	}
	if err := d.Start(); !errors.Is(err, ErrStopped) {
		t.Fatalf("start after stop: %v, want ErrStopped", err)
	}
	assertClean(t, dir, b0)
	runtime.KeepAlive(d)
}

func TestStopBeforeStart(t *testing.T) {
	d := mustNew(t, full(t.TempDir()))
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); !errors.Is(err, ErrStopped) {
		t.Fatalf("start after stop: %v, want ErrStopped", err)
	}
}

func TestFailedStartUnwinds(t *testing.T) {
	warm(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	b0 := measure()
	dir := t.TempDir()
	cfg := full(dir)
	cfg.RPC = busy.Addr().String()
	d := mustNew(t, cfg)
	err = d.Start()
	if err == nil || !strings.Contains(err.Error(), "start the local API") {
		t.Fatalf("start on a busy RPC address: %v, want a local API failure", err)
	}
	if err := d.Start(); !errors.Is(err, ErrStopped) {
		t.Fatalf("start after a failed start: %v, want ErrStopped", err)
	}
	if err := d.Stop(); err != nil {
		t.Fatalf("stop after a failed start: %v", err)
	}
	assertClean(t, dir, b0)
	runtime.KeepAlive(d)
}

// recorder is a component that logs its calls and may fail to start.
type recorder struct {
	name string
	log  *[]string
	fail error
}

func (r recorder) Start() error {
	*r.log = append(*r.log, "start "+r.name)
	return r.fail
}

func (r recorder) Stop() error {
	*r.log = append(*r.log, "stop "+r.name)
	return nil
}

func TestComponentsStartInOrderAndUnwindInReverse(t *testing.T) {
	warm(t)
	b0 := measure()
	dir := t.TempDir()
	d := mustNew(t, full(dir))
	var log []string
	boom := errors.New("boom")
	for _, r := range []recorder{{name: "a", log: &log}, {name: "b", log: &log}, {name: "c", log: &log, fail: boom}} {
		if err := d.Register(r.name, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Start(); !errors.Is(err, boom) || !strings.Contains(err.Error(), "start c") {
		t.Fatalf("start: %v, want c's failure", err)
	}
	if got, want := strings.Join(log, ","), "start a,start b,start c,stop b,stop a"; got != want {
		t.Fatalf("calls %s, want %s", got, want)
	}
	if err := d.Register("late", recorder{name: "late", log: &log}); !errors.Is(err, ErrStarted) {
		t.Fatalf("register after start: %v, want ErrStarted", err)
	}
	assertClean(t, dir, b0)
	runtime.KeepAlive(d)
}

func TestComponentStoppedBeforeNode(t *testing.T) {
	dir := t.TempDir()
	d := mustNew(t, full(dir))
	var open bool
	c := funcs{start: func() error { open = d.Node() != nil; return nil },
		stop: func() error {
			// The node still answers while components stop.
			_, err := d.Node().Status(t.Context())
			return err
		}}
	d.Register("probe", c)
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if !open {
		t.Fatal("the component started before the node")
	}
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
}

type funcs struct{ start, stop func() error }

func (f funcs) Start() error { return f.start() }
func (f funcs) Stop() error  { return f.stop() }
