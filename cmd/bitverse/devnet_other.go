//go:build !linux

package main

import (
	"os"
	"syscall"
)

// childProcAttr: outside Linux the nodes stay in devnet's process group
// and are not stopped by the kernel if devnet dies.
func childProcAttr() *syscall.SysProcAttr { return nil }

// signalChild asks p to stop (or, with kill, kills it).
func signalChild(p *os.Process, kill bool) {
	if kill {
		p.Kill()
		return
	}
	p.Signal(os.Interrupt)
}
