// Package nodetest holds small helpers for tests that drive one node
// through node.API without a node/harness network: the CLI's tests through
// the binary's local API, the TUI's on an embedded node. It is the
// httptest of node: test support, imported only by _test.go files.
//
// Slow marks a test that is skipped under -short; WaitFunds polls until an
// address can pay, with a generous cap, instead of sleeping a fixed time.
//
// # Errors
//
// The helpers fail the test (t.Fatal) rather than return errors.
package nodetest
