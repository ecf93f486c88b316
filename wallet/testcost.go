package wallet

import "testing"

// CheapKeystoresForTests makes the keystores this process creates from now
// on use scrypt N=2^10, the lowest cost Open accepts, instead of N=2^17:
// a test that makes throwaway wallets, or runs the CLI dozens of times on
// one, then pays milliseconds per open instead of seconds. Only a test
// binary can lower the cost (its TestMain calls this, also when the test
// binary runs as the bitverse program for a CLI test); in any other program
// it changes nothing and returns false, so users' wallets always get
// N=2^17. A file keeps the cost it was written with, so a cheap test
// wallet opens cheaply in every process that reads it.
func CheapKeystoresForTests() bool {
	if !testing.Testing() {
		return false
	}
	scryptN = minScryptN
	return true
}
