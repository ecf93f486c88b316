package wallet

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/scrypt"
)

// The keystore file, <dir>/wallet.json, mode 0600:
//
//	{
//	  "version": 1,
//	  "network": "devnet",
//	  "kdf": {"name": "scrypt", "n": 131072, "r": 8, "p": 1, "salt": "<hex 32 bytes>"},
//	  "cipher": "xchacha20-poly1305",
//	  "check": "<hex 16 bytes>",
//	  "nonce": "<hex 24 bytes>",
//	  "ciphertext": "<hex>",
//	  "checksum": "<hex 16 bytes>"
//	}
//
// The passphrase and salt give a 32-byte scrypt key dk. From dk come the
// AEAD key, HMAC-SHA256(dk, "bitverse-wallet/key"), and the check value,
// HMAC-SHA256(dk, "bitverse-passcheck")[:16]. The ciphertext is
// XChaCha20-Poly1305 over the JSON payload (mnemonic and account list), with
// every header field (version, network, kdf, cipher, check) as associated
// data. The checksum, SHA-256 over header, nonce and ciphertext, is not
// keyed: it catches accidental damage before any key is derived, so a
// damaged file is never reported as a wrong passphrase.
const (
	fileName     = "wallet.json"
	fileVersion  = 1
	kdfScrypt    = "scrypt"
	cipherName   = "xchacha20-poly1305"
	saltSize     = 32
	checkSize    = 16
	checksumSize = 16
	keySize      = chacha20poly1305.KeySize
	maxFileSize  = 4 << 20
)

// Scrypt cost for new keystores: N=2^17, r=8, p=1 takes 128 MiB and about
// 0.4 s, paid once per open. Files keep the N they were written with, so
// keystores from before (N=2^15) still open. Tests lower scryptN to run
// faster (this package's directly, others through CheapKeystoresForTests,
// which only a test binary can use); nothing else changes them.
var (
	scryptN = 1 << 17
	scryptR = 8
	scryptP = 1
)

// Bounds on the scrypt parameters a file may ask for, so that a modified
// file cannot make Open allocate gigabytes or run for hours.
const (
	minScryptN    = 1 << 10
	maxScryptN    = 1 << 20
	maxScryptR    = 32
	maxScryptP    = 16
	maxScryptMem  = 256 << 20 // 128·N·r bytes
	maxScryptWork = 1 << 24   // N·r·p
)

// fileJSON is the on-disk form.
type fileJSON struct {
	Version    int     `json:"version"`
	Network    string  `json:"network"`
	KDF        kdfJSON `json:"kdf"`
	Cipher     string  `json:"cipher"`
	Check      string  `json:"check"`
	Nonce      string  `json:"nonce"`
	Ciphertext string  `json:"ciphertext"`
	Checksum   string  `json:"checksum"`
}

type kdfJSON struct {
	Name string `json:"name"`
	N    int    `json:"n"`
	R    int    `json:"r"`
	P    int    `json:"p"`
	Salt string `json:"salt"`
}

// header is the validated, non-secret part of a keystore.
type header struct {
	network string
	n, r, p int
	salt    []byte
	check   []byte
}

// keystore is a parsed, checksum-verified file.
type keystore struct {
	header
	nonce      []byte
	ciphertext []byte
}

// payload is what the ciphertext holds.
type payload struct {
	Mnemonic string          `json:"mnemonic"`
	Accounts []accountRecord `json:"accounts"`
}

type accountRecord struct {
	Name  string `json:"name"`
	Index uint32 `json:"index"`
}

// aad is the associated data: an unambiguous encoding of the header.
func (h *header) aad() []byte {
	w := wire.NewWriter(128)
	w.String("bitverse-wallet")
	w.U32(fileVersion)
	w.String(h.network)
	w.String(kdfScrypt)
	w.U64(uint64(h.n))
	w.U32(uint32(h.r))
	w.U32(uint32(h.p))
	w.VarBytes(h.salt)
	w.String(cipherName)
	w.VarBytes(h.check)
	return w.Bytes()
}

func (ks *keystore) checksum() []byte {
	w := wire.NewWriter(256 + len(ks.ciphertext))
	w.VarBytes(ks.aad())
	w.VarBytes(ks.nonce)
	w.VarBytes(ks.ciphertext)
	sum := wire.TaggedSum("bitverse-wallet/checksum", w.Bytes())
	return sum[:checksumSize]
}

// checkScrypt validates cost parameters against the bounds above.
func checkScrypt(n, r, p int) error {
	switch {
	case n < minScryptN || n > maxScryptN || n&(n-1) != 0:
		return fmt.Errorf("scrypt N=%d is not a power of two in [2^10, 2^20]", n)
	case r < 1 || r > maxScryptR:
		return fmt.Errorf("scrypt r=%d is outside [1, %d]", r, maxScryptR)
	case p < 1 || p > maxScryptP:
		return fmt.Errorf("scrypt p=%d is outside [1, %d]", p, maxScryptP)
	case 128*n*r > maxScryptMem:
		return fmt.Errorf("scrypt N=%d r=%d needs more than %d MiB", n, r, maxScryptMem>>20)
	case n*r*p > maxScryptWork:
		return fmt.Errorf("scrypt N=%d r=%d p=%d is too slow", n, r, p)
	}
	return nil
}

// deriveKeys runs scrypt and returns the AEAD key and the check value.
func deriveKeys(passphrase []byte, h *header) (key [keySize]byte, check []byte, err error) {
	dk, err := scrypt.Key(passphrase, h.salt, h.n, h.r, h.p, 32)
	if err != nil {
		return key, nil, fmt.Errorf("derive key: %w", err)
	}
	defer clear(dk)
	mac := hmac.New(sha256.New, dk)
	mac.Write([]byte("bitverse-wallet/key"))
	mac.Sum(key[:0])
	mac = hmac.New(sha256.New, dk)
	mac.Write([]byte("bitverse-passcheck"))
	return key, mac.Sum(nil)[:checkSize], nil
}

// seal encrypts p under key with a fresh nonce and returns the file bytes.
func seal(h header, key *[keySize]byte, p *payload) ([]byte, error) {
	plain, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		return nil, err
	}
	ks := keystore{header: h, nonce: make([]byte, aead.NonceSize())}
	if _, err := rand.Read(ks.nonce); err != nil {
		return nil, fmt.Errorf("generate nonce: %w", err)
	}
	ks.ciphertext = aead.Seal(nil, ks.nonce, plain, h.aad())
	f := fileJSON{
		Version: fileVersion,
		Network: h.network,
		KDF: kdfJSON{
			Name: kdfScrypt, N: h.n, R: h.r, P: h.p,
			Salt: hex.EncodeToString(h.salt),
		},
		Cipher:     cipherName,
		Check:      hex.EncodeToString(h.check),
		Nonce:      hex.EncodeToString(ks.nonce),
		Ciphertext: hex.EncodeToString(ks.ciphertext),
		Checksum:   hex.EncodeToString(ks.checksum()),
	}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// parseKeystore decodes and validates file bytes without any secret. Every
// error wraps ErrCorrupt or ErrUnsupportedVersion.
func parseKeystore(path string, data []byte) (*keystore, error) {
	if len(data) > maxFileSize {
		return nil, corrupt(path, fmt.Sprintf("%d bytes is larger than any wallet", len(data)))
	}
	var v struct {
		Version json.RawMessage `json:"version"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, corrupt(path, "not valid JSON")
	}
	var version int
	if err := json.Unmarshal(v.Version, &version); err != nil {
		return nil, corrupt(path, "no format version")
	}
	if version != fileVersion {
		if version > fileVersion {
			return nil, newError(ErrUnsupportedVersion,
				"wallet file %s has format version %d, but this bitverse reads version %d: upgrade bitverse (if you did not expect this, the file is damaged: restore from your mnemonic)",
				path, version, fileVersion)
		}
		return nil, corrupt(path, fmt.Sprintf("format version %d", version))
	}

	var f fileJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		// json.Unmarshal above has checked that data is one JSON value.
		return nil, corrupt(path, "unexpected structure")
	}
	if f.KDF.Name != kdfScrypt || f.Cipher != cipherName {
		return nil, corrupt(path, fmt.Sprintf("unknown kdf %q or cipher %q", f.KDF.Name, f.Cipher))
	}
	if f.Network == "" || len(f.Network) > 64 {
		return nil, corrupt(path, "no network")
	}
	if err := checkScrypt(f.KDF.N, f.KDF.R, f.KDF.P); err != nil {
		return nil, corrupt(path, err.Error())
	}
	ks := &keystore{header: header{network: f.Network, n: f.KDF.N, r: f.KDF.R, p: f.KDF.P}}
	fields := []struct {
		name     string
		text     string
		dst      *[]byte
		min, max int
	}{
		{"salt", f.KDF.Salt, &ks.salt, 16, 64},
		{"check", f.Check, &ks.check, checkSize, checkSize},
		{"nonce", f.Nonce, &ks.nonce, chacha20poly1305.NonceSizeX, chacha20poly1305.NonceSizeX},
		{"ciphertext", f.Ciphertext, &ks.ciphertext, chacha20poly1305.Overhead + 1, maxFileSize / 2},
	}
	for _, fd := range fields {
		b, err := decodeHex(fd.text, fd.min, fd.max)
		if err != nil {
			return nil, corrupt(path, fd.name+": "+err.Error())
		}
		*fd.dst = b
	}
	sum, err := decodeHex(f.Checksum, checksumSize, checksumSize)
	if err != nil {
		return nil, corrupt(path, "checksum: "+err.Error())
	}
	if !hmac.Equal(sum, ks.checksum()) {
		return nil, corrupt(path, "checksum mismatch")
	}
	return ks, nil
}

// decodeHex decodes canonical (lower-case) hex of min to max bytes, so that
// every file has exactly one accepted spelling.
func decodeHex(s string, min, max int) ([]byte, error) {
	if len(s)%2 != 0 || len(s)/2 < min || len(s)/2 > max {
		return nil, fmt.Errorf("%d hex digits, want %d to %d bytes", len(s), min, max)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not hex")
	}
	if hex.EncodeToString(b) != s {
		return nil, fmt.Errorf("not lower-case hex")
	}
	return b, nil
}

// unseal decrypts the payload; the caller has already matched the check
// value, so a failure here means the file was modified.
func unseal(path string, ks *keystore, key *[keySize]byte) (*payload, error) {
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, ks.nonce, ks.ciphertext, ks.aad())
	if err != nil {
		return nil, corrupt(path, "authentication failed")
	}
	defer clear(plain)
	var p payload
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, corrupt(path, "unreadable contents")
	}
	return &p, nil
}
