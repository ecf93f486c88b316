//go:build long

package script

// longSuite: make test-long runs the heavy batteries in full.
const longSuite = true
