package wallet

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// PassphraseEnv is the environment variable ReadPassphrase consults.
const PassphraseEnv = "BITVERSE_PASSPHRASE"

// maxPassphrase bounds a passphrase read from a file.
const maxPassphrase = 4 << 10

// ReadPassphrase gets the wallet passphrase, trying in order:
//
//  1. the file named file, if file is not empty (one trailing newline is
//     removed; the rest of the file is the passphrase);
//  2. the environment variable BITVERSE_PASSPHRASE, if it is not empty;
//  3. a prompt on the terminal without echo, asked twice when confirm is
//     set (for a new passphrase).
//
// If none applies because standard input is not a terminal, the error
// (ErrNoPassphrase) tells the user to use --passphrase-file or
// BITVERSE_PASSPHRASE.
func ReadPassphrase(file string, prompt string, confirm bool) ([]byte, error) {
	return readPassphrase(file, prompt, confirm, osConsole())
}

// console is what ReadPassphrase needs from the process, so tests can
// replace it.
type console struct {
	getenv       func(string) string
	isTerminal   func() bool
	readPassword func() ([]byte, error)
	out          io.Writer
}

func osConsole() console {
	fd := int(os.Stdin.Fd())
	return console{
		getenv:       os.Getenv,
		isTerminal:   func() bool { return term.IsTerminal(fd) },
		readPassword: func() ([]byte, error) { return term.ReadPassword(fd) },
		out:          os.Stderr,
	}
}

func readPassphrase(file, prompt string, confirm bool, c console) ([]byte, error) {
	if file != "" {
		return readPassphraseFile(file)
	}
	if env := c.getenv(PassphraseEnv); env != "" {
		return []byte(env), nil
	}
	if !c.isTerminal() {
		return nil, newError(ErrNoPassphrase,
			"cannot ask for the wallet passphrase: standard input is not a terminal; use --passphrase-file FILE or set %s", PassphraseEnv)
	}
	if prompt == "" {
		prompt = "Passphrase: "
	}
	p, err := ask(c, prompt)
	if err != nil {
		return nil, err
	}
	if !confirm {
		return p, nil
	}
	again, err := ask(c, "Repeat passphrase: ")
	if err != nil {
		clear(p)
		return nil, err
	}
	defer clear(again)
	if !bytes.Equal(p, again) {
		clear(p)
		return nil, newError(ErrPassphraseMismatch, "the two passphrases differ; nothing was changed")
	}
	return p, nil
}

func ask(c console, prompt string) ([]byte, error) {
	fmt.Fprint(c.out, prompt)
	p, err := c.readPassword()
	fmt.Fprintln(c.out)
	if err != nil {
		return nil, fmt.Errorf("read passphrase: %w", err)
	}
	if len(p) == 0 {
		return nil, newError(ErrEmptyPassphrase, "the passphrase is empty")
	}
	return p, nil
}

func readPassphraseFile(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("passphrase file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPassphrase+1))
	if err != nil {
		return nil, fmt.Errorf("passphrase file %s: %w", file, err)
	}
	if len(b) > maxPassphrase {
		clear(b)
		return nil, fmt.Errorf("passphrase file %s is larger than %d bytes: is it the right file?", file, maxPassphrase)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return nil, newError(ErrEmptyPassphrase, "passphrase file %s is empty", file)
	}
	return b, nil
}
