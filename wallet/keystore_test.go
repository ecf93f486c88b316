package wallet

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

func readFileJSON(t *testing.T, dir string) fileJSON {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, fileName))
	if err != nil {
		t.Fatal(err)
	}
	var f fileJSON
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// writeFileJSON writes f as the wallet file. With resum, the checksum is
// recomputed first, as someone modifying the file on purpose would.
func writeFileJSON(t *testing.T, dir string, f fileJSON, resum bool) {
	t.Helper()
	if resum {
		h := func(s string) []byte {
			b, err := hex.DecodeString(s)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		ks := keystore{
			header: header{
				network: f.Network, n: f.KDF.N, r: f.KDF.R, p: f.KDF.P,
				salt: h(f.KDF.Salt), check: h(f.Check),
			},
			nonce: h(f.Nonce), ciphertext: h(f.Ciphertext),
		}
		f.Checksum = hex.EncodeToString(ks.checksum())
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, fileName), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// flipHex flips the low bit of byte i of a hex field; a negative i counts
// from the end.
func flipHex(t *testing.T, s string, i int) string {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	if i < 0 {
		i += len(b)
	}
	b[i] ^= 1
	return hex.EncodeToString(b)
}

func TestTamperedFile(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, f *fileJSON)
		resum  bool // recompute the checksum, as a deliberate modification would
		open   wire.Network
		want   error
	}{
		// Damage: the checksum no longer matches.
		{"ciphertext byte", func(t *testing.T, f *fileJSON) { f.Ciphertext = flipHex(t, f.Ciphertext, 5) }, false, wire.Devnet, ErrCorrupt},
		{"ciphertext tag", func(t *testing.T, f *fileJSON) { f.Ciphertext = flipHex(t, f.Ciphertext, -1) }, false, wire.Devnet, ErrCorrupt},
		{"salt byte", func(t *testing.T, f *fileJSON) { f.KDF.Salt = flipHex(t, f.KDF.Salt, 0) }, false, wire.Devnet, ErrCorrupt},
		{"check byte", func(t *testing.T, f *fileJSON) { f.Check = flipHex(t, f.Check, 15) }, false, wire.Devnet, ErrCorrupt},
		{"nonce byte", func(t *testing.T, f *fileJSON) { f.Nonce = flipHex(t, f.Nonce, 3) }, false, wire.Devnet, ErrCorrupt},
		{"checksum byte", func(t *testing.T, f *fileJSON) { f.Checksum = flipHex(t, f.Checksum, 0) }, false, wire.Devnet, ErrCorrupt},
		{"scrypt n", func(t *testing.T, f *fileJSON) { f.KDF.N *= 2 }, false, wire.Devnet, ErrCorrupt},
		{"network", func(t *testing.T, f *fileJSON) { f.Network = "mainnet" }, false, wire.Mainnet, ErrCorrupt},

		// Deliberate modification with a matching checksum: the AEAD catches
		// changes to the ciphertext, nonce and authenticated header; changes
		// to what the key derives from look like another passphrase.
		{"ciphertext byte, resummed", func(t *testing.T, f *fileJSON) { f.Ciphertext = flipHex(t, f.Ciphertext, 5) }, true, wire.Devnet, ErrCorrupt},
		{"ciphertext truncated, resummed", func(t *testing.T, f *fileJSON) { f.Ciphertext = f.Ciphertext[:len(f.Ciphertext)-2] }, true, wire.Devnet, ErrCorrupt},
		{"nonce byte, resummed", func(t *testing.T, f *fileJSON) { f.Nonce = flipHex(t, f.Nonce, 3) }, true, wire.Devnet, ErrCorrupt},
		{"network, resummed", func(t *testing.T, f *fileJSON) { f.Network = "mainnet" }, true, wire.Mainnet, ErrCorrupt},
		{"salt byte, resummed", func(t *testing.T, f *fileJSON) { f.KDF.Salt = flipHex(t, f.KDF.Salt, 0) }, true, wire.Devnet, ErrWrongPassphrase},
		{"check byte, resummed", func(t *testing.T, f *fileJSON) { f.Check = flipHex(t, f.Check, 15) }, true, wire.Devnet, ErrWrongPassphrase},
		{"scrypt r, resummed", func(t *testing.T, f *fileJSON) { f.KDF.R = 4 }, true, wire.Devnet, ErrWrongPassphrase},

		// Out-of-bounds parameters are refused before any work is done.
		{"scrypt n huge, resummed", func(t *testing.T, f *fileJSON) { f.KDF.N = 1 << 30 }, true, wire.Devnet, ErrCorrupt},
		{"scrypt n not power of 2, resummed", func(t *testing.T, f *fileJSON) { f.KDF.N = 3000 }, true, wire.Devnet, ErrCorrupt},
		{"scrypt n tiny, resummed", func(t *testing.T, f *fileJSON) { f.KDF.N = 2 }, true, wire.Devnet, ErrCorrupt},
		{"scrypt r 0, resummed", func(t *testing.T, f *fileJSON) { f.KDF.R = 0 }, true, wire.Devnet, ErrCorrupt},
		{"scrypt p huge, resummed", func(t *testing.T, f *fileJSON) { f.KDF.P = 1 << 20 }, true, wire.Devnet, ErrCorrupt},
		{"scrypt memory, resummed", func(t *testing.T, f *fileJSON) { f.KDF.N, f.KDF.R = 1<<20, 8 }, true, wire.Devnet, ErrCorrupt},
		{"kdf name", func(t *testing.T, f *fileJSON) { f.KDF.Name = "argon2id" }, true, wire.Devnet, ErrCorrupt},
		{"cipher name", func(t *testing.T, f *fileJSON) { f.Cipher = "aes-gcm" }, true, wire.Devnet, ErrCorrupt},
		{"short salt", func(t *testing.T, f *fileJSON) { f.KDF.Salt = f.KDF.Salt[:20] }, true, wire.Devnet, ErrCorrupt},
		{"upper-case hex", func(t *testing.T, f *fileJSON) { f.Nonce = strings.ToUpper(f.Nonce) }, false, wire.Devnet, ErrCorrupt},
		{"odd hex", func(t *testing.T, f *fileJSON) { f.Check += "0" }, false, wire.Devnet, ErrCorrupt},
		{"no network", func(t *testing.T, f *fileJSON) { f.Network = "" }, true, wire.Devnet, ErrCorrupt},
		{"version 0", func(t *testing.T, f *fileJSON) { f.Version = 0 }, false, wire.Devnet, ErrCorrupt},
		{"version 2", func(t *testing.T, f *fileJSON) { f.Version = 2 }, false, wire.Devnet, ErrUnsupportedVersion},
	}
	for i, tc := range tests {
		_, _, dir := newTestWallet(t)
		f := readFileJSON(t, dir)
		tc.tamper(t, &f)
		writeFileJSON(t, dir, f, tc.resum)
		_, err := Open(dir, tc.open, testPass)
		if !errors.Is(err, tc.want) {
			t.Errorf("case %d: %s: err = %v, want %v", i, tc.name, err, tc.want)
			continue
		}
		msg := err.Error()
		switch tc.want {
		case ErrCorrupt:
			if !strings.Contains(msg, "is damaged or was modified") || !strings.Contains(msg, "restore from your mnemonic") || !strings.Contains(msg, dir) {
				t.Errorf("case %d: %s: message %q", i, tc.name, msg)
			}
		case ErrWrongPassphrase:
			if msg != "wrong passphrase for wallet "+filepath.Join(dir, fileName) {
				t.Errorf("case %d: %s: message %q", i, tc.name, msg)
			}
		}
	}
}

func TestWrongPassphrase(t *testing.T) {
	_, _, dir := newTestWallet(t)
	// (A passphrase with NUL bytes appended is the same key: scrypt's
	// PBKDF2-HMAC zero-pads keys. That adds no guess an attacker lacks.)
	for i, p := range [][]byte{nil, []byte("correct horse battery stapl"), []byte("Correct horse battery staple"), append(append([]byte(nil), testPass...), ' ')} {
		_, err := Open(dir, wire.Devnet, p)
		if !errors.Is(err, ErrWrongPassphrase) || errors.Is(err, ErrCorrupt) {
			t.Errorf("case %d: err = %v, want only ErrWrongPassphrase", i, err)
			continue
		}
		if want := "wrong passphrase for wallet " + filepath.Join(dir, fileName); err.Error() != want {
			t.Errorf("case %d: message %q, want %q", i, err, want)
		}
	}
}

func TestGarbageFile(t *testing.T) {
	_, _, dir := newTestWallet(t)
	good, err := os.ReadFile(filepath.Join(dir, fileName))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"text", []byte("hello"), ErrCorrupt},
		{"null", []byte("null"), ErrCorrupt},
		{"empty object", []byte("{}"), ErrCorrupt},
		{"array", []byte("[1,2]"), ErrCorrupt},
		{"only version", []byte(`{"version":1}`), ErrCorrupt},
		{"string version", []byte(`{"version":"1"}`), ErrCorrupt},
		{"float version", []byte(`{"version":1.5}`), ErrCorrupt},
		{"future version", []byte(`{"version":7,"whatever":true}`), ErrUnsupportedVersion},
		{"binary", bytes.Repeat([]byte{0xff, 0x00, 0x7b}, 100), ErrCorrupt},
		{"huge", append([]byte(`{"version":1,"network":"`), bytes.Repeat([]byte("a"), maxFileSize)...), ErrCorrupt},
		{"two objects", append(append([]byte(nil), good...), good...), ErrCorrupt},
		{"trailing garbage", append(append([]byte(nil), good...), 'x'), ErrCorrupt},
		{"extra field", bytes.Replace(good, []byte(`"version": 1,`), []byte(`"version": 1, "extra": 1,`), 1), ErrCorrupt},
	}
	for i, tc := range tests {
		if err := os.WriteFile(filepath.Join(dir, fileName), tc.data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(dir, wire.Devnet, testPass)
		if !errors.Is(err, tc.want) {
			t.Errorf("case %d: %s: err = %v, want %v", i, tc.name, err, tc.want)
		}
	}
	// Truncated at every length (short of the final newline, which JSON
	// does not need).
	for n := 0; n < len(bytes.TrimRight(good, "\n")); n++ {
		if err := os.WriteFile(filepath.Join(dir, fileName), good[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(dir, wire.Devnet, testPass); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("truncated to %d of %d bytes: err = %v, want ErrCorrupt", n, len(good), err)
		}
	}
}

// TestEveryByteFlip damages each byte of a wallet file in several ways.
// Open must never panic and never return a different wallet: each damaged
// file is an error, or (for edits JSON does not see, such as the case of a
// field name) the same wallet.
func TestEveryByteFlip(t *testing.T) {
	w, _, dir := newTestWallet(t)
	path := filepath.Join(dir, fileName)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	same := 0
	for pos := range good {
		for _, mask := range []byte{0x01, 0x02, 0x20, 0x80, 0xff} {
			b := append([]byte(nil), good...)
			b[pos] ^= mask
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := Open(dir, wire.Devnet, testPass)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrWrongPassphrase) &&
					!errors.Is(err, ErrUnsupportedVersion) && !errors.Is(err, ErrWrongNetwork) {
					t.Fatalf("byte %d ^ %#x: unexpected error %v", pos, mask, err)
				}
				continue
			}
			if got.Mnemonic() != w.Mnemonic() || len(got.Accounts()) != len(w.Accounts()) {
				t.Fatalf("byte %d ^ %#x: opened a different wallet", pos, mask)
			}
			same++
		}
	}
	t.Logf("%d bytes × 5 flips; %d were invisible to JSON (field-name case)", len(good), same)
}
