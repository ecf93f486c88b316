//go:build !long

package script

// longSuite is false in the fast suite (make test): the heavy batteries run
// a representative of every behaviour, and in full under -tags long.
const longSuite = false
