package main

import "syscall"

// testProcAttr has the kernel kill a node a test started if the test
// binary dies first (a timeout's panic skips t.Cleanup): otherwise the node
// keeps mining, orphaned, and slows every later run on the machine.
func testProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
