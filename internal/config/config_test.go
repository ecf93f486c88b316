package config

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var testSchema = []Key{
	{Name: "network", Kind: String, Doc: "network", Default: "devnet", Check: func(s string) error {
		if s != "devnet" && s != "mainnet" {
			return errors.New("unknown network " + s)
		}
		return nil
	}},
	{Section: "node", Name: "mine", Kind: Bool, Doc: "mine blocks", Default: "false"},
	{Section: "node", Name: "miner-workers", Kind: Int, Doc: "threads", Default: "0"},
	{Section: "node", Name: "price-min", Kind: Uint, Doc: "min price", Default: "5"},
	{Section: "node", Name: "bootstrap", Kind: List, Doc: "peers", Default: ""},
	{Section: "tui", Name: "follow", Kind: String, Doc: "chains", Default: ""},
}

func TestParseReadsEveryKindWithItsLine(t *testing.T) {
	data := `network = "mainnet"

[node]
mine = true
miner-workers = 3
price-min = 7
bootstrap = ["/ip4/1.2.3.4/tcp/1/p2p/x", "/dns4/a/tcp/2/p2p/y"]

[tui]
follow = "01,1"
`
	got, err := Parse("c.toml", []byte(data), testSchema)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		text string
		line int
	}{"network": {"mainnet", 1}, "node.mine": {"true", 4}, "node.miner-workers": {"3", 5}, "node.price-min": {"7", 6}, "tui.follow": {"01,1", 10}}
	for k, w := range want {
		if v := got[k]; v.Text != w.text || v.Line != w.line {
			t.Errorf("%s: got %q at line %d, want %q at line %d", k, v.Text, v.Line, w.text, w.line)
		}
	}
	if b := got["node.bootstrap"]; len(b.List) != 2 || b.List[1] != "/dns4/a/tcp/2/p2p/y" || b.Line != 7 {
		t.Errorf("node.bootstrap: %+v", b)
	}
	// Dotted keys at top level are the same settings.
	got, err = Parse("c.toml", []byte("node.mine = true\ntui.follow = \"all\"\n"), testSchema)
	if err != nil || got["node.mine"].Text != "true" || got["tui.follow"].Line != 2 {
		t.Fatalf("dotted keys: %+v, %v", got, err)
	}
}

func TestParseRefusesWithFileLineAndKey(t *testing.T) {
	cases := []struct {
		name, data string
		line       int
		key        string
		says       string
	}{
		{"unknown top-level key", "network = \"devnet\"\nnetwrk = \"devnet\"\n", 2, "netwrk", "did you mean network?"},
		{"unknown key in a table", "[node]\nmine = true\nminer-workerz = 2\n", 3, "node.miner-workerz", "did you mean node.miner-workers?"},
		{"unknown table", "\n[nodes]\nmine = true\n", 2, "nodes", "unknown key"},
		{"bool as a string", "[node]\n\nmine = \"yes\"\n", 3, "node.mine", `want true or false, not "yes"`},
		{"int as a string", "[node]\nminer-workers = \"4\"\n", 2, "node.miner-workers", "want an integer"},
		{"negative uint", "[node]\nprice-min = -1\n", 2, "node.price-min", "non-negative"},
		{"list as a string", "[node]\nbootstrap = \"/ip4/1.2.3.4\"\n", 2, "node.bootstrap", "array of strings"},
		{"list of numbers", "[node]\nbootstrap = [1, 2]\n", 2, "node.bootstrap", "an element is 1"},
		{"value the check refuses", "network = \"moonnet\"\n", 1, "network", "unknown network moonnet"},
		{"a table where a value belongs", "[node.mine]\nx = 1\n", 1, "node.mine", "not a table"},
		{"syntax", "[node]\nmine = \n", 2, "", "TOML syntax"},
		{"an array of tables", "[[node]]\nmine = true\n", 1, "node", "must be a table: [node]"},
		{"a section as a value", "node = 1\n", 1, "node", "must be a table"},
	}
	for _, c := range cases {
		_, err := Parse("/etc/c.toml", []byte(c.data), testSchema)
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%s: got %v, want an *Error", c.name, err)
			continue
		}
		if ce.Line != c.line || ce.Key != c.key || !strings.Contains(err.Error(), c.says) || !strings.Contains(err.Error(), "/etc/c.toml") {
			t.Errorf("%s: %q (line %d, key %q); want line %d, key %q, saying %q", c.name, err, ce.Line, ce.Key, c.line, c.key, c.says)
		}
		if strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("%s: want one line, got %q", c.name, err)
		}
	}
}

func TestTemplateParsesAndSetsNothingUntilUncommented(t *testing.T) {
	tmpl := Template(testSchema)
	got, err := Parse("t.toml", []byte(tmpl), testSchema)
	if err != nil || len(got) != 0 {
		t.Fatalf("the template as written: %v, %v; want no settings", got, err)
	}
	for _, want := range []string{"BITVERSE_NODE_MINER_WORKERS", "# miner-workers = 0", "# mine = false", "# network = \"devnet\"", "[node]", "[tui]", "# bootstrap = []"} {
		if !strings.Contains(tmpl, want) {
			t.Errorf("template lacks %q:\n%s", want, tmpl)
		}
	}
	// Every line uncommented (section headers are already live): each
	// key parses back to its default.
	live := regexp.MustCompile(`(?m)^# ([a-z-]+ = .*)$`).ReplaceAllString(tmpl, "$1")
	got, err = Parse("t.toml", []byte(live), testSchema)
	if err != nil {
		t.Fatalf("uncommented template: %v\n%s", err, live)
	}
	if len(got) != len(testSchema) || got["network"].Text != "devnet" || got["node.price-min"].Text != "5" {
		t.Fatalf("uncommented template gave %+v", got)
	}
}

func TestLoadMissingFileIsErrNoFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.toml"), testSchema)
	if !errors.Is(err, ErrNoFile) {
		t.Fatalf("got %v, want ErrNoFile", err)
	}
	p := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(p, []byte("[node]\nmine = true\n"), 0o600)
	if got, err := Load(p, testSchema); err != nil || got["node.mine"].Text != "true" {
		t.Fatalf("Load: %v, %v", got, err)
	}
}

func TestEnvNames(t *testing.T) {
	for _, c := range []struct {
		k    Key
		want string
	}{
		{Key{Name: "network"}, "BITVERSE_NETWORK"},
		{Key{Name: "passphrase-file"}, "BITVERSE_PASSPHRASE_FILE"},
		{Key{Section: "node", Name: "mine-to"}, "BITVERSE_NODE_MINE_TO"},
		{Key{Section: "tui", Name: "no-mdns"}, "BITVERSE_TUI_NO_MDNS"},
	} {
		if got := c.k.EnvName(); got != c.want {
			t.Errorf("%s: %s, want %s", c.k.Path(), got, c.want)
		}
	}
}

// FuzzParse: any file is parsed or refused with an *Error, never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(Template(testSchema)))
	f.Add([]byte("[node]\nmine = true\nbootstrap = [\"a\"]\n"))
	f.Add([]byte("node.mine.x = 1\n[[node]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse("f.toml", data, testSchema)
		var ce *Error
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("not an *Error: %v", err)
		}
	})
}

func TestExpandHome(t *testing.T) {
	t.Setenv("HOME", "/home/erik")
	for in, want := range map[string]string{
		"~":          "/home/erik",
		"~/bitverse": "/home/erik/bitverse",
		"~erik/x":    "~erik/x",
		"/abs/~/x":   "/abs/~/x",
		"rel/x":      "rel/x",
		"":           "",
		"~/a/../b":   "/home/erik/b",
	} {
		if got := ExpandHome(in); got != want {
			t.Errorf("ExpandHome(%q) = %q, want %q", in, got, want)
		}
	}
}
