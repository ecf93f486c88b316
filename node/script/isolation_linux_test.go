package script

import (
	"os"
	"os/exec"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Where the kernel has Landlock, a worker that dropped its rights cannot
// open files.
func TestWorkerCannotReadFiles(t *testing.T) {
	if _, _, e := syscall.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION); e != 0 {
		t.Skipf("this kernel has no Landlock: %v", e)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), restrictEnv+"=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("a restricted process read a file (or failed): %v %s", err, out)
	}
}
