package wallet

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeConsole is a terminal with scripted answers.
type fakeConsole struct {
	env     map[string]string
	tty     bool
	answers []string
	out     bytes.Buffer
}

func (f *fakeConsole) console() console {
	return console{
		getenv:     func(k string) string { return f.env[k] },
		isTerminal: func() bool { return f.tty },
		readPassword: func() ([]byte, error) {
			if len(f.answers) == 0 {
				return nil, errors.New("EOF")
			}
			a := f.answers[0]
			f.answers = f.answers[1:]
			return []byte(a), nil
		},
		out: &f.out,
	}
}

func TestReadPassphrase(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := map[string]string{PassphraseEnv: "from env"}
	tests := []struct {
		name    string
		file    string
		env     map[string]string
		tty     bool
		answers []string
		confirm bool
		want    string
		wantErr error
		prompts int
	}{
		{name: "file wins over env and tty", file: file("a", "from file\n"), env: env, tty: true, want: "from file"},
		{name: "file with CRLF", file: file("b", "pass word\r\n"), want: "pass word"},
		{name: "file keeps inner and leading space", file: file("c", "  two\nlines  \n"), want: "  two\nlines  "},
		{name: "file without newline", file: file("d", "x"), want: "x"},
		{name: "empty file", file: file("e", "\n"), wantErr: ErrEmptyPassphrase},
		{name: "missing file", file: filepath.Join(dir, "nope"), wantErr: os.ErrNotExist},
		{name: "env over tty", env: env, tty: true, want: "from env"},
		{name: "empty env falls through", env: map[string]string{PassphraseEnv: ""}, tty: true, answers: []string{"typed"}, want: "typed", prompts: 1},
		{name: "no tty", wantErr: ErrNoPassphrase},
		{name: "tty", tty: true, answers: []string{"typed"}, want: "typed", prompts: 1},
		{name: "tty confirm", tty: true, confirm: true, answers: []string{"new one", "new one"}, want: "new one", prompts: 2},
		{name: "tty confirm mismatch", tty: true, confirm: true, answers: []string{"new one", "new 0ne"}, wantErr: ErrPassphraseMismatch, prompts: 2},
		{name: "tty empty", tty: true, answers: []string{""}, wantErr: ErrEmptyPassphrase, prompts: 1},
		{name: "tty read error", tty: true, answers: nil, wantErr: nil, prompts: 1},
	}
	for i, tc := range tests {
		fc := &fakeConsole{env: tc.env, tty: tc.tty, answers: tc.answers}
		got, err := readPassphrase(tc.file, "Wallet passphrase: ", tc.confirm, fc.console())
		switch {
		case tc.name == "tty read error":
			if err == nil || got != nil {
				t.Errorf("case %d: %s: got %q, %v; want an error", i, tc.name, got, err)
			}
		case tc.wantErr != nil:
			if !errors.Is(err, tc.wantErr) || got != nil {
				t.Errorf("case %d: %s: got %q, %v; want %v", i, tc.name, got, err, tc.wantErr)
			}
		case err != nil || string(got) != tc.want:
			t.Errorf("case %d: %s: got %q, %v; want %q", i, tc.name, got, err, tc.want)
		}
		if n := strings.Count(fc.out.String(), "assphrase: "); n != tc.prompts {
			t.Errorf("case %d: %s: %d prompts, want %d (output %q)", i, tc.name, n, tc.prompts, fc.out.String())
		}
	}

	// The no-terminal error tells the user what to do.
	_, err := readPassphrase("", "", false, (&fakeConsole{}).console())
	if err == nil || !strings.Contains(err.Error(), "--passphrase-file") || !strings.Contains(err.Error(), PassphraseEnv) {
		t.Errorf("no-terminal message: %v", err)
	}
	// An oversized file is refused.
	big := file("big", strings.Repeat("x", maxPassphrase+1))
	if _, err := readPassphrase(big, "", false, (&fakeConsole{}).console()); err == nil {
		t.Error("oversized passphrase file accepted")
	}
}

// TestReadPassphraseProcess exercises the real entry point: under go test,
// standard input is not a terminal, so the file and the environment work
// and nothing else does.
func TestReadPassphraseProcess(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(p, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPassphrase(p, "", false)
	if err != nil || string(got) != "secret" {
		t.Fatalf("file: %q, %v", got, err)
	}
	t.Setenv(PassphraseEnv, "env secret")
	got, err = ReadPassphrase("", "", true)
	if err != nil || string(got) != "env secret" {
		t.Fatalf("env: %q, %v", got, err)
	}
}
