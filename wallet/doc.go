// Package wallet is Bitverse's hierarchical-deterministic wallet: a BIP39
// mnemonic, BIP32 keys along a BIP44-style path, an encrypted keystore on
// disk, and the building and signing of transactions.
//
// # Keys
//
// The mnemonic (12 or 24 English words for a new wallet; any valid BIP39
// length on restore) is the only backup a user needs. Its BIP39 seed is
// computed with an empty BIP39 passphrase: the keystore passphrase only
// protects the file and is not part of key derivation. Keys derive along
//
//	m / 44' / 7777' / account' / 0 / index
//
// (BIP44 layout: purpose 44, coin type 7777 — Bitverse's own, not registered
// in SLIP-0044 — hardened account, external chain 0, address index). Account
// n's default address is index 0: m/44'/7777'/n'/0/0. Keys are secp256k1;
// addresses are the bech32m text of the x-only public key (wire.EncodeAddress),
// so the same wallet shows bv1… on mainnet and bvd1… on devnet.
//
// Accounts have names; the first is "default". NewAccount takes the next
// unused account index, so a wallet restored from its mnemonic and given
// the same number of new accounts has the same addresses in the same order.
//
// # Keystore
//
// A wallet lives in <dir>/wallet.json (mode 0600): JSON holding the format
// version, the network, the scrypt parameters and salt, a passphrase check
// value, and the XChaCha20-Poly1305 ciphertext of the mnemonic and the
// account list, with the header fields as associated data (see keystore.go
// for the exact layout). New files use scrypt N=2^17, r=8, p=1; a file keeps
// the parameters it records, so older files (N=2^15) still open. Only a test
// binary can make cheaper ones (CheapKeystoresForTests, N=2^10). The mnemonic
// and keys are never written unencrypted. Every write goes to a temporary
// file that is synced and then renamed over the old one, so a crash leaves
// either the old wallet or the new one, never half of either.
//
// Open tells three failures apart: a damaged file (an unkeyed checksum or
// the AEAD tag fails: ErrCorrupt), a wrong passphrase (the check value,
// HMAC-SHA256 of the derived key, does not match: ErrWrongPassphrase), and
// a file from a newer bitverse (ErrUnsupportedVersion). Someone who can
// write the file can always replace it with another wallet; the keystore
// protects secrecy, and integrity only against accident.
//
// # Passphrases
//
// ReadPassphrase gets a passphrase from --passphrase-file, then the
// BITVERSE_PASSPHRASE environment variable, then a no-echo terminal prompt.
// A passphrase is used byte for byte, without Unicode normalization.
//
// # Files
//
// wallet.go opens and creates wallets; account.go holds accounts and
// NewAccount; sign.go builds and signs transactions; derive.go and
// mnemonic.go are BIP32 and BIP39; keystore.go is the file format and its
// cryptography; file.go reads and atomically writes it; passphrase.go gets
// passphrases from the user.
//
// # Errors
//
// Every error wraps one of the sentinels below (test with errors.Is) and
// reads as a sentence a user can act on:
//
//   - ErrExists: Create or Restore found a wallet in the directory.
//   - ErrNotFound: Open found no wallet file.
//   - ErrWrongPassphrase: "wrong passphrase for wallet <path>".
//   - ErrCorrupt: "wallet file <path> is damaged or was modified (...);
//     restore from your mnemonic".
//   - ErrUnsupportedVersion: the file has a newer format version.
//   - ErrWrongNetwork: the wallet was made for another network.
//   - ErrBadMnemonic: wrong word count, a word not in the BIP39 English list
//     (the message quotes it and suggests a correction, so do not log it),
//     or a checksum mismatch.
//   - ErrBadWordCount: Create was asked for other than 12 or 24 words.
//   - ErrEmptyPassphrase, ErrNoPassphrase, ErrPassphraseMismatch: from
//     Create, Restore and ReadPassphrase.
//   - ErrUnknownAccount, ErrAccountExists, ErrBadAccountName,
//     ErrTooManyAccounts: account lookups and NewAccount.
//   - ErrBadTx: Transfer, Put or Sign was given a transaction that cannot be
//     valid (zero amount, invalid recipient or key, oversized value,
//     coinbase).
//   - ErrClosed: the wallet was closed.
package wallet
