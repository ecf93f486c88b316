package wallet

import (
	"fmt"
	"strings"

	"github.com/tyler-smith/go-bip39"
)

// newMnemonic returns a fresh English mnemonic of 12 or 24 words.
func newMnemonic(words int) (string, error) {
	var bits int
	switch words {
	case 12:
		bits = 128
	case 24:
		bits = 256
	default:
		return "", fmt.Errorf("%w: a new mnemonic has 12 or 24 words, not %d", ErrBadWordCount, words)
	}
	entropy, err := bip39.NewEntropy(bits)
	if err != nil {
		return "", fmt.Errorf("generate entropy: %w", err)
	}
	defer clear(entropy)
	return bip39.NewMnemonic(entropy)
}

// CheckMnemonic validates a BIP39 English mnemonic and returns it in
// canonical form (lower case, single spaces), which is what the seed is
// computed from. The error names the first word that is not in the word
// list, or says that the checksum does not match.
func CheckMnemonic(s string) (string, error) {
	words := strings.Fields(strings.ToLower(s))
	switch len(words) {
	case 12, 15, 18, 21, 24:
	default:
		return "", fmt.Errorf("%w: a mnemonic has 12, 15, 18, 21 or 24 words; this one has %d", ErrBadMnemonic, len(words))
	}
	for i, w := range words {
		if _, ok := bip39.GetWordIndex(w); ok {
			continue
		}
		if guess := closestWord(w); guess != "" {
			return "", fmt.Errorf("%w: word %d %q is not in the BIP39 English word list (did you mean %q?)", ErrBadMnemonic, i+1, w, guess)
		}
		return "", fmt.Errorf("%w: word %d %q is not in the BIP39 English word list", ErrBadMnemonic, i+1, w)
	}
	m := strings.Join(words, " ")
	if _, err := bip39.EntropyFromMnemonic(m); err != nil {
		return "", fmt.Errorf("%w: the checksum does not match: a word is wrong or the words are out of order", ErrBadMnemonic)
	}
	return m, nil
}

// closestWord suggests the word-list word that shares w's first four
// letters (BIP39 English words are unique in their first four letters).
func closestWord(w string) string {
	if len(w) < 4 {
		return ""
	}
	prefix := w[:4]
	for _, cand := range bip39.GetWordList() {
		if strings.HasPrefix(cand, prefix) {
			return cand
		}
	}
	return ""
}

// mnemonicSeed returns the BIP39 seed of a canonical mnemonic. Bitverse
// uses no BIP39 passphrase: the mnemonic alone restores the wallet.
func mnemonicSeed(mnemonic, bip39Passphrase string) []byte {
	return bip39.NewSeed(mnemonic, bip39Passphrase)
}
