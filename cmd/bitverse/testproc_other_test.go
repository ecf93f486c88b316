//go:build !linux

package main

import "syscall"

// testProcAttr: no parent-death signal outside Linux; t.Cleanup stops the
// node.
func testProcAttr() *syscall.SysProcAttr { return nil }
