package wallet

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// productScryptN is the cost new keystores get outside tests.
var productScryptN = scryptN

// Tests run scrypt at the lowest cost Open accepts;
// TestNewKeystoreRecordsScryptN2to17 uses the product's.
func TestMain(m *testing.M) {
	scryptN = minScryptN
	os.Exit(m.Run())
}

var testPass = []byte("correct horse battery staple")

// abandonAbout is the BIP39 mnemonic of all-zero entropy.
const abandonAbout = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

func newTestWallet(t *testing.T) (*Wallet, string, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "w")
	w, m, err := Create(dir, wire.Devnet, testPass, 12)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return w, m, dir
}

func TestCreateOpen(t *testing.T) {
	w, m, dir := newTestWallet(t)
	if !Exists(dir) {
		t.Fatal("Exists is false after Create")
	}
	if Exists(t.TempDir()) {
		t.Fatal("Exists is true for an empty directory")
	}
	if w.Mnemonic() != m || len(strings.Fields(m)) != 12 {
		t.Fatalf("mnemonic %q", m)
	}
	accts := w.Accounts()
	if len(accts) != 1 || accts[0].Name != DefaultAccount || accts[0].Index != 0 {
		t.Fatalf("accounts = %+v", accts)
	}
	a := accts[0]
	if a.Path != "m/44'/7777'/0'/0/0" || !strings.HasPrefix(a.Address, "bvd1") {
		t.Fatalf("account = %+v", a)
	}
	if pk, err := wire.ParseAddress(wire.Devnet, a.Address); err != nil || pk != a.PubKey {
		t.Fatalf("address does not parse to the account key: %v", err)
	}

	w2, err := Open(dir, wire.Devnet, testPass)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if w2.Mnemonic() != m {
		t.Error("reopened mnemonic differs")
	}
	if fmt.Sprint(w2.Accounts()) != fmt.Sprint(accts) {
		t.Errorf("reopened accounts %+v, want %+v", w2.Accounts(), accts)
	}
	k1, _ := w.Key("")
	k2, _ := w2.Key(DefaultAccount)
	if !bytes.Equal(k1.Bytes(), k2.Bytes()) {
		t.Error("reopened key differs")
	}

	// The file is private, in a private directory, and holds nothing in clear.
	st, err := os.Stat(filepath.Join(dir, fileName))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("wallet file mode %v, %v; want 0600", st.Mode().Perm(), err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("wallet dir mode %v, %v; want 0700", st.Mode().Perm(), err)
	}
	assertNoSecrets(t, dir, w)
}

// assertNoSecrets checks that no file in dir holds the mnemonic, any of its
// words in order, or a key, and that no temporary file is left.
func assertNoSecrets(t *testing.T, dir string, w *Wallet) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != fileName {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only %s", names, fileName)
	}
	data, err := os.ReadFile(filepath.Join(dir, fileName))
	if err != nil {
		t.Fatal(err)
	}
	words := strings.Fields(w.Mnemonic())
	secrets := []string{w.Mnemonic(), strings.Join(words[:3], " "), hex.EncodeToString([]byte(w.Mnemonic()))}
	for _, a := range w.Accounts() {
		k, _ := w.Key(a.Name)
		secrets = append(secrets, string(k.Bytes()), hex.EncodeToString(k.Bytes()))
	}
	for _, s := range secrets {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("wallet file contains a secret in clear")
		}
	}
}

// TestNewKeystoreRecordsScryptN2to17: a new keystore, made with the
// product's cost, records scrypt N=2^17, r=8, p=1 and opens again. (Two
// scrypt runs at 128 MiB: the only test that pays the real cost.)
func TestNewKeystoreRecordsScryptN2to17(t *testing.T) {
	old := scryptN
	scryptN = productScryptN
	defer func() { scryptN = old }()

	dir := t.TempDir()
	w, _, err := Create(dir, wire.Devnet, testPass, 24)
	if err != nil {
		t.Fatal(err)
	}
	f := readFileJSON(t, dir)
	if f.KDF.N != 131072 || f.KDF.R != 8 || f.KDF.P != 1 || f.KDF.Name != "scrypt" || f.Cipher != "xchacha20-poly1305" {
		t.Fatalf("kdf = %+v, cipher %q; want scrypt n=131072 r=8 p=1, xchacha20-poly1305", f.KDF, f.Cipher)
	}
	if len(strings.Fields(w.Mnemonic())) != 24 {
		t.Fatal("not 24 words")
	}
	if _, err := w.NewAccount("savings"); err != nil {
		t.Fatal(err)
	}
	w2, err := Open(dir, wire.Devnet, testPass)
	if err != nil {
		t.Fatal(err)
	}
	if len(w2.Accounts()) != 2 {
		t.Fatalf("accounts = %+v", w2.Accounts())
	}
}

// TestOldScryptN2to15KeystoreStillOpens: a keystore written when new files
// used N=2^15 opens with the N it records, keeps that N when rewritten, and
// still refuses a wrong passphrase.
func TestOldScryptN2to15KeystoreStillOpens(t *testing.T) {
	old := scryptN
	scryptN = 1 << 15
	dir := t.TempDir()
	w, _, err := Create(dir, wire.Devnet, testPass, 12)
	scryptN = old
	if err != nil {
		t.Fatal(err)
	}
	want := w.Accounts()
	if f := readFileJSON(t, dir); f.KDF.N != 1<<15 {
		t.Fatalf("old keystore records n=%d, want 32768", f.KDF.N)
	}
	w2, err := Open(dir, wire.Devnet, testPass)
	if err != nil {
		t.Fatalf("open an N=2^15 keystore: %v", err)
	}
	if fmt.Sprint(w2.Accounts()) != fmt.Sprint(want) {
		t.Fatalf("accounts %v, want %v", w2.Accounts(), want)
	}
	if _, err := w2.NewAccount("savings"); err != nil {
		t.Fatal(err)
	}
	if f := readFileJSON(t, dir); f.KDF.N != 1<<15 {
		t.Fatalf("rewritten old keystore records n=%d, want its own 32768", f.KDF.N)
	}
	if _, err := Open(dir, wire.Devnet, testPass); err != nil {
		t.Fatalf("open the rewritten keystore: %v", err)
	}
	if _, err := Open(dir, wire.Devnet, []byte("wrong")); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
}

func TestCreateErrors(t *testing.T) {
	w, _, dir := newTestWallet(t)
	before, _ := os.ReadFile(filepath.Join(dir, fileName))

	if _, _, err := Create(dir, wire.Devnet, testPass, 12); !errors.Is(err, ErrExists) {
		t.Errorf("Create over a wallet: %v, want ErrExists", err)
	}
	if _, err := Restore(dir, wire.Devnet, w.Mnemonic(), testPass); !errors.Is(err, ErrExists) {
		t.Errorf("Restore over a wallet: %v, want ErrExists", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, fileName))
	if !bytes.Equal(before, after) {
		t.Error("a refused Create changed the wallet file")
	}

	tests := []struct {
		pass  []byte
		words int
		want  error
	}{
		{nil, 12, ErrEmptyPassphrase},
		{[]byte{}, 24, ErrEmptyPassphrase},
		{testPass, 13, ErrBadWordCount},
		{testPass, 18, ErrBadWordCount},
		{testPass, 0, ErrBadWordCount},
	}
	for i, tc := range tests {
		d := t.TempDir()
		if _, _, err := Create(d, wire.Devnet, tc.pass, tc.words); !errors.Is(err, tc.want) {
			t.Errorf("case %d: err = %v, want %v", i, err, tc.want)
		}
		if Exists(d) {
			t.Errorf("case %d: a failed Create left a wallet", i)
		}
	}
	if _, err := Restore(t.TempDir(), wire.Devnet, abandonAbout, nil); !errors.Is(err, ErrEmptyPassphrase) {
		t.Errorf("Restore without passphrase: %v", err)
	}
	if _, err := Restore(t.TempDir(), wire.Devnet, "abandon abandon", testPass); !errors.Is(err, ErrBadMnemonic) {
		t.Errorf("Restore with a bad mnemonic: %v", err)
	}
	if _, err := Open(t.TempDir(), wire.Devnet, testPass); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open of an empty dir: %v, want ErrNotFound", err)
	}
}

func TestRestoreReproducesAddresses(t *testing.T) {
	w, m, _ := newTestWallet(t)
	for _, name := range []string{"savings", "mining", "tumbler", "x.y-z_1"} {
		if _, err := w.NewAccount(name); err != nil {
			t.Fatal(err)
		}
	}
	orig := w.Accounts()

	// Restore elsewhere, with another passphrase and sloppy spacing, and
	// create accounts with other names: the same indices give the same keys.
	messy := "  " + strings.ToUpper(strings.ReplaceAll(m, " ", "   ")) + "\n"
	r, err := Restore(filepath.Join(t.TempDir(), "restored"), wire.Devnet, messy, []byte("another passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Mnemonic() != m {
		t.Fatalf("restored mnemonic %q, want %q", r.Mnemonic(), m)
	}
	for i := 1; i < len(orig); i++ {
		if _, err := r.NewAccount(fmt.Sprintf("acct%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	got := r.Accounts()
	if len(got) != len(orig) {
		t.Fatalf("%d accounts, want %d", len(got), len(orig))
	}
	for i := range orig {
		if got[i].Index != orig[i].Index || got[i].Address != orig[i].Address || got[i].PubKey != orig[i].PubKey || got[i].Path != orig[i].Path {
			t.Errorf("case %d: restored %+v, original %+v", i, got[i], orig[i])
		}
		k1, _ := w.Key(orig[i].Name)
		k2, _ := r.Key(got[i].Name)
		if !bytes.Equal(k1.Bytes(), k2.Bytes()) {
			t.Errorf("case %d: keys differ", i)
		}
	}
	// Distinct accounts have distinct keys.
	seen := map[wire.PubKey]bool{}
	for _, a := range got {
		if seen[a.PubKey] {
			t.Errorf("account %s repeats a key", a.Name)
		}
		seen[a.PubKey] = true
	}

	// A known mnemonic restores to the pinned keys, on every network.
	for i, n := range []wire.Network{wire.Devnet, wire.Mainnet} {
		k, err := Restore(t.TempDir(), n, abandonAbout, testPass)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := k.Account("")
		if hex.EncodeToString(a.PubKey[:]) != pinnedKeys[0][1] {
			t.Errorf("case %d: restored key %x, pinned %s", i, a.PubKey, pinnedKeys[0][1])
		}
		if a.Address != wire.EncodeAddress(n, a.PubKey) || !strings.HasPrefix(a.Address, n.HRP+"1") {
			t.Errorf("case %d: address %q", i, a.Address)
		}
	}
}

func TestAccounts(t *testing.T) {
	w, _, dir := newTestWallet(t)
	a, err := w.NewAccount("savings")
	if err != nil {
		t.Fatal(err)
	}
	if a.Index != 1 || a.Path != "m/44'/7777'/1'/0/0" {
		t.Fatalf("new account %+v", a)
	}
	if got, err := w.Account("savings"); err != nil || got != a {
		t.Fatalf("Account(savings) = %+v, %v", got, err)
	}
	def, err := w.Account("")
	if err != nil || def.Name != DefaultAccount {
		t.Fatalf("Account(\"\") = %+v, %v", def, err)
	}

	// Persisted: a fresh Open sees it.
	w2, err := Open(dir, wire.Devnet, testPass)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := w2.Account("savings"); err != nil || got != a {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	assertNoSecrets(t, dir, w2)

	_, err = w.Account("nope")
	if !errors.Is(err, ErrUnknownAccount) || !strings.Contains(err.Error(), "default, savings") {
		t.Errorf("unknown account: %v", err)
	}
	if _, err := w.Key("nope"); !errors.Is(err, ErrUnknownAccount) {
		t.Errorf("Key of unknown account: %v", err)
	}
	if _, err := w.NewAccount("savings"); !errors.Is(err, ErrAccountExists) {
		t.Errorf("duplicate account: %v", err)
	}
	if _, err := w.NewAccount(DefaultAccount); !errors.Is(err, ErrAccountExists) {
		t.Errorf("duplicate default: %v", err)
	}
	for i, bad := range []string{"", " ", "a b", "-x", ".x", "_x", "a/b", "ünï", strings.Repeat("a", 33), "a\n"} {
		if _, err := w.NewAccount(bad); !errors.Is(err, ErrBadAccountName) {
			t.Errorf("case %d: NewAccount(%q) = %v, want ErrBadAccountName", i, bad, err)
		}
	}
	for i, good := range []string{"a", "A9", "x.y-z_1", strings.Repeat("b", 32)} {
		if _, err := w.NewAccount(good); err != nil {
			t.Errorf("case %d: NewAccount(%q) = %v", i, good, err)
		}
	}
	if n := len(w.Accounts()); n != 6 {
		t.Errorf("%d accounts, want 6", n)
	}
}

func TestNewAccountFailureKeepsState(t *testing.T) {
	w, _, dir := newTestWallet(t)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := w.NewAccount("savings"); err == nil {
		t.Fatal("NewAccount succeeded without a directory")
	}
	if n := len(w.Accounts()); n != 1 {
		t.Fatalf("a failed save added an account: %d", n)
	}
}

func TestConcurrentNewAccount(t *testing.T) {
	w, _, dir := newTestWallet(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := w.NewAccount(fmt.Sprintf("a%d", i))
			errs <- err
			_ = w.Accounts()
			_, _ = w.Key("")
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	w2, err := Open(dir, wire.Devnet, testPass)
	if err != nil {
		t.Fatal(err)
	}
	accts := w2.Accounts()
	if len(accts) != 9 {
		t.Fatalf("%d accounts after reopen, want 9", len(accts))
	}
	for i, a := range accts {
		if a.Index != uint32(i) {
			t.Errorf("account %d has index %d", i, a.Index)
		}
	}
}

func TestWrongNetwork(t *testing.T) {
	_, _, dir := newTestWallet(t)
	_, err := Open(dir, wire.Mainnet, testPass)
	if !errors.Is(err, ErrWrongNetwork) || !strings.Contains(err.Error(), "is for devnet, not mainnet") {
		t.Fatalf("err = %v", err)
	}
}

func TestSignedTransactions(t *testing.T) {
	w, _, _ := newTestWallet(t)
	savings, err := w.NewAccount("savings")
	if err != nil {
		t.Fatal(err)
	}
	def, _ := w.Account("")

	tx, err := w.Transfer("", savings.PubKey, 5*wire.Unit, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if tx.Type != wire.TxTransfer || tx.Chain != wire.RootChain || tx.From != def.PubKey || tx.Nonce != 0 || tx.Fee != 1000 {
		t.Fatalf("transfer envelope %+v", tx)
	}
	if b := tx.Body.(wire.Transfer); b.To != savings.PubKey || b.Amount != 5*wire.Unit {
		t.Fatalf("transfer body %+v", b)
	}
	if err := tx.VerifySig(wire.Devnet); err != nil {
		t.Fatalf("transfer does not verify: %v", err)
	}
	if err := tx.VerifySig(wire.Mainnet); err == nil {
		t.Fatal("devnet transfer verifies on mainnet")
	}
	// It survives the wire.
	back, err := wire.DecodeTx(tx.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if err := back.VerifySig(wire.Devnet); err != nil {
		t.Fatalf("decoded transfer does not verify: %v", err)
	}

	put, err := w.Put("savings", "public/hello", []byte("world"), 3, 10)
	if err != nil {
		t.Fatal(err)
	}
	if put.From != savings.PubKey || put.Body.(wire.Put).Key != "public/hello" {
		t.Fatalf("put %+v", put)
	}
	if err := put.VerifySig(wire.Devnet); err != nil {
		t.Fatalf("put does not verify: %v", err)
	}

	raw := wire.NewTx(wire.RootChain, wire.Transfer{To: def.PubKey, Amount: 1}, 9, 1)
	if err := w.Sign("savings", raw); err != nil {
		t.Fatal(err)
	}
	if raw.From != savings.PubKey || raw.VerifySig(wire.Devnet) != nil {
		t.Fatal("Sign did not sign with the named account")
	}

	var offCurve wire.PubKey // x = 0 is not on secp256k1
	bigValue := make([]byte, wire.MaxValueSize+1)
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"zero amount", func() error { _, err := w.Transfer("", savings.PubKey, 0, 0, 1); return err }, ErrBadTx},
		{"amount+fee overflow", func() error { _, err := w.Transfer("", savings.PubKey, ^uint64(0), 0, 1); return err }, ErrBadTx},
		{"off-curve recipient", func() error { _, err := w.Transfer("", offCurve, 1, 0, 1); return err }, ErrBadTx},
		{"unknown account", func() error { _, err := w.Transfer("nope", savings.PubKey, 1, 0, 1); return err }, ErrUnknownAccount},
		{"bad key", func() error { _, err := w.Put("", "/bad", nil, 0, 1); return err }, ErrBadTx},
		{"empty key", func() error { _, err := w.Put("", "", nil, 0, 1); return err }, ErrBadTx},
		{"big value", func() error { _, err := w.Put("", "public/x", bigValue, 0, 1); return err }, ErrBadTx},
		{"sign nil", func() error { return w.Sign("", nil) }, ErrBadTx},
		{"sign coinbase", func() error {
			return w.Sign("", wire.NewTx(wire.RootChain, wire.Coinbase{To: def.PubKey, Amount: 1}, 0, 0))
		}, ErrBadTx},
	}
	for i, tc := range tests {
		if err := tc.do(); !errors.Is(err, tc.want) {
			t.Errorf("case %d: %s: err = %v, want %v", i, tc.name, err, tc.want)
		}
	}
}

func TestClose(t *testing.T) {
	w, _, _ := newTestWallet(t)
	w.Close()
	w.Close() // idempotent
	if _, err := w.Key(""); !errors.Is(err, ErrClosed) {
		t.Errorf("Key after Close: %v", err)
	}
	if _, err := w.Transfer("", testKeyPub(t), 1, 0, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Transfer after Close: %v", err)
	}
	if _, err := w.NewAccount("x"); !errors.Is(err, ErrClosed) {
		t.Errorf("NewAccount after Close: %v", err)
	}
	if w.Mnemonic() != "" {
		t.Error("mnemonic kept after Close")
	}
}

func testKeyPub(t *testing.T) wire.PubKey {
	t.Helper()
	k, err := wire.NewPrivKey()
	if err != nil {
		t.Fatal(err)
	}
	return k.PubKey()
}
