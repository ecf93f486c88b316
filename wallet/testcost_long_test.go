//go:build long

package wallet

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheapKeystoresOnlyInTestBinaries: a program that is not a test
// binary cannot lower the scrypt cost: CheapKeystoresForTests returns false
// there and the wallet it then creates records N=2^17. (It builds a small
// program, hence the long tag; TestCheapKeystoresForTestsInATestBinary is
// the fast representative.)
func TestCheapKeystoresOnlyInTestBinaries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "w")
	out, err := exec.Command("go", "run", "./testdata/cheapguard", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("go run cheapguard: %v: %s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "false" {
		t.Fatalf("CheapKeystoresForTests outside a test binary returned %s, want false", got)
	}
	if f := readFileJSON(t, dir); f.KDF.N != productScryptN {
		t.Fatalf("a wallet made outside a test binary records N=%d, want %d", f.KDF.N, productScryptN)
	}
}
