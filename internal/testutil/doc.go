// Package testutil holds what the project's tests share that is not a
// node: polling for a condition, and the minimum length of a benchmark
// that reports a ratio. It imports nothing of ours, so the
// tests of any package (node/wire included) can use it.
//
// # Errors
//
// Eventually fails the test it is given; it returns nothing.
package testutil
