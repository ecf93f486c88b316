package wallet

import (
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// TestCheapKeystoresForTestsInATestBinary: in a test binary the knob lowers
// the cost of new keystores to N=2^10, and such a keystore opens again.
func TestCheapKeystoresForTestsInATestBinary(t *testing.T) {
	old := scryptN
	scryptN = productScryptN
	defer func() { scryptN = old }()

	if !CheapKeystoresForTests() {
		t.Fatal("CheapKeystoresForTests returned false in a test binary")
	}
	dir := t.TempDir()
	if _, _, err := Create(dir, wire.Devnet, testPass, 12); err != nil {
		t.Fatal(err)
	}
	if f := readFileJSON(t, dir); f.KDF.N != 1<<10 {
		t.Fatalf("keystore records N=%d, want 1024", f.KDF.N)
	}
	if _, err := Open(dir, wire.Devnet, testPass); err != nil {
		t.Fatal(err)
	}
}
