package wallet

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// FuzzOpenKeystore writes arbitrary bytes as a wallet file and opens it.
// Open must not panic, and must either fail with one of the documented
// sentinels or open the very wallet the seed file holds.
func FuzzOpenKeystore(f *testing.F) {
	dir := f.TempDir()
	w, _, err := Create(dir, wire.Devnet, testPass, 12)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := w.NewAccount("savings"); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, fileName))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{})
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{"version":1,"network":"devnet","kdf":{"name":"scrypt","n":1073741824,"r":8,"p":1,"salt":""}}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, fileName), data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := Open(d, wire.Devnet, testPass)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrWrongPassphrase) &&
				!errors.Is(err, ErrUnsupportedVersion) && !errors.Is(err, ErrWrongNetwork) {
				t.Fatalf("undocumented error: %v", err)
			}
			return
		}
		if got.Mnemonic() != w.Mnemonic() || len(got.Accounts()) != 2 {
			t.Fatal("opened a wallet that is not the seed's")
		}
	})
}
