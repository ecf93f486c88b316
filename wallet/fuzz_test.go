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
	// The fuzz function also runs in worker processes that repeat this
	// setup, so the seed wallet is deterministic in what matters: its
	// mnemonic and accounts (the salt and nonce still differ per process).
	dir := f.TempDir()
	w, err := Restore(dir, wire.Devnet, abandonAbout, testPass)
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

	// Open is readFile + openData; fuzzing openData skips the file system
	// and runs many more inputs. TestGarbageFile and TestEveryByteFlip go
	// through Open itself.
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := openData(dir, filepath.Join(dir, fileName), data, wire.Devnet, testPass)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrWrongPassphrase) &&
				!errors.Is(err, ErrUnsupportedVersion) && !errors.Is(err, ErrWrongNetwork) {
				t.Fatalf("undocumented error: %v", err)
			}
			return
		}
		if got.Mnemonic() != abandonAbout || len(got.Accounts()) != 2 {
			t.Fatal("opened a wallet that is not the seed's")
		}
	})
}
