package script

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// A worker inherits no secrets: not the wallet passphrase nor any variable
// outside workerPassEnv, no open files beyond its three pipes, and on Linux
// it cannot gain privileges. It still validates.
func TestWorkerHoldsNoSecrets(t *testing.T) {
	t.Setenv("BITVERSE_PASSPHRASE", "correct horse battery staple")
	t.Setenv("SOME_TOKEN", "s3cret")
	pool, err := NewPool(1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	good := mustCompile(t, `function validate() { return true }`)
	if v, err := pool.Validate(context.Background(), good, Write{}, Context{}, nil); err != nil || !v.Allowed {
		t.Fatalf("validate: %+v %v", v, err)
	}
	pool.mu.Lock()
	var pid int
	for w := range pool.workers {
		pid = w.cmd.Process.Pid
	}
	pool.mu.Unlock()
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	proc := "/proc/" + strconv.Itoa(pid)
	environ, err := os.ReadFile(proc + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range strings.Split(string(environ), "\x00") {
		if kv == "" {
			continue
		}
		k, _, _ := strings.Cut(kv, "=")
		allowed := k == workerEnv
		for _, p := range workerPassEnv {
			allowed = allowed || k == p
		}
		if !allowed || strings.Contains(kv, "horse") || strings.Contains(kv, "s3cret") {
			t.Errorf("the worker's environment has %q", kv)
		}
	}
	fds, err := os.ReadDir(proc + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if n, _ := strconv.Atoi(fd.Name()); n > 2 {
			target, _ := os.Readlink(proc + "/fd/" + fd.Name())
			// The worker's own Go runtime opens its poller (anon_inode) and
			// reads its CPU quota from the cgroup files.
			if !strings.HasPrefix(target, "anon_inode:") && !strings.HasPrefix(target, "/sys/fs/cgroup/") {
				t.Errorf("the worker holds fd %d: %s", n, target)
			}
		}
	}
	status, err := os.ReadFile(proc + "/status")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(status), "NoNewPrivs:\t1") {
		t.Errorf("the worker may gain privileges:\n%s", status)
	}
	if (runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64") && !strings.Contains(string(status), "Seccomp:\t2") {
		t.Errorf("the worker has no seccomp filter:\n%s", status)
	}
}

// restrictEnv makes the test binary drop a worker's rights and try to read
// a file: exit status 0 means the read was refused.
const restrictEnv = "BITVERSE_SCRIPT_TEST_RESTRICT"

func restrictedRead() {
	restrictWorkerProcess()
	if _, err := os.ReadFile(os.Args[0]); err == nil {
		os.Exit(3)
	}
	os.Exit(0)
}
