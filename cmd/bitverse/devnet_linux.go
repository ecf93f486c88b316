package main

import (
	"os"
	"syscall"
)

// childProcAttr puts a devnet node in its own process group (so a Ctrl-C
// in the terminal reaches only devnet, which stops the nodes in order, and
// so the node's script workers are stopped with it) and has the kernel send
// it SIGTERM if devnet dies without stopping it.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// signalChild sends SIGTERM (or, with kill, SIGKILL) to p's process group.
func signalChild(p *os.Process, kill bool) {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	syscall.Kill(-p.Pid, sig)
}
