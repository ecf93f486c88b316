package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// showConfig runs `config show --json` with args and env and decodes it.
func showConfig(t *testing.T, env []string, args ...string) map[string]shownSetting {
	t.Helper()
	out, errOut, code := cli(t, t.TempDir(), env, append([]string{"config", "show", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("config show %v: exit %d: %s", args, code, errOut)
	}
	var sc shownConfig
	if err := json.Unmarshal([]byte(out), &sc); err != nil {
		t.Fatalf("config show --json: %v\n%s", err, out)
	}
	m := map[string]shownSetting{}
	for _, s := range sc.Settings {
		m[s.Key] = s
	}
	return m
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConfigPrecedenceFlagEnvFileDefault: a flag on the command line wins
// over the environment, which wins over the file, which wins over the
// default; `config show` says where each value came from.
func TestConfigPrecedenceFlagEnvFileDefault(t *testing.T) {
	t.Parallel()
	p := writeConfig(t, "account = \"from-file\"\npassphrase-file = \"/file/pass\"\n\n[node]\nmine = true\nlog-level = \"warn\"\nbootstrap = [\"/ip4/10.0.0.1/tcp/7480/p2p/12D3KooWGzBkvZDbMmRLCnxS3MUKVS7gtM8KRyBK4ZB4XyBLCAbv\"]\n[tui]\nfollow = \"01\"\n")
	env := []string{"BITVERSE_ACCOUNT=from-env", "BITVERSE_NODE_LOG_LEVEL=debug", "BITVERSE_RPC_ADDR=127.0.0.1:9"}
	got := showConfig(t, env, "--config", p, "--account", "from-flag")
	want := []struct {
		key   string
		value any
		from  string
		where string
	}{
		{"account", "from-flag", "flag", ""},
		{"rpc-addr", "127.0.0.1:9", "env", "BITVERSE_RPC_ADDR"},
		{"passphrase-file", "/file/pass", "file", p + ":2"},
		{"network", "devnet", "default", ""},
		{"node.mine", true, "file", p + ":5"},
		{"node.log-level", "debug", "env", "BITVERSE_NODE_LOG_LEVEL"},
		{"node.bootstrap", []any{"/ip4/10.0.0.1/tcp/7480/p2p/12D3KooWGzBkvZDbMmRLCnxS3MUKVS7gtM8KRyBK4ZB4XyBLCAbv"}, "file", p + ":7"},
		{"node.miner-workers", float64(0), "default", ""},
		{"tui.follow", "01", "file", p + ":9"},
		{"tui.no-mdns", false, "default", ""},
	}
	for _, w := range want {
		s, ok := got[w.key]
		if !ok {
			t.Errorf("%s: not shown", w.key)
			continue
		}
		gv, _ := json.Marshal(s.Value)
		wv, _ := json.Marshal(w.value)
		if string(gv) != string(wv) || s.From != w.from || s.Where != w.where {
			t.Errorf("%s: %s from %s %s; want %s from %s %s", w.key, gv, s.From, s.Where, wv, w.from, w.where)
		}
	}
	// An empty variable is unset: the file's value stands.
	if s := showConfig(t, []string{"BITVERSE_PASSPHRASE_FILE="}, "--config", p)["passphrase-file"]; s.Value != "/file/pass" || s.From != "file" {
		t.Errorf("passphrase-file with an empty variable: %+v", s)
	}
	// The list from the environment is comma-separated.
	got = showConfig(t, []string{"BITVERSE_NODE_LISTEN=/ip4/127.0.0.1/tcp/1,127.0.0.1:2"}, "--config", p)
	if l, _ := got["node.listen"].Value.([]any); len(l) != 2 || got["node.listen"].From != "env" {
		t.Errorf("node.listen from the environment: %+v", got["node.listen"])
	}
}

// TestConfigFileRefusesUnknownKeysAndBadValues: any command refuses a file
// with an unknown key or a bad value, with one sentence naming the file,
// the line and the key; a bad environment variable is named likewise.
func TestConfigFileRefusesUnknownKeysAndBadValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text, says string
	}{
		{"[node]\nmine = true\nmine-too = \"x\"\n", "line 3, key node.mine-too: unknown key (did you mean node.mine-to?)"},
		{"[node]\nminer-workers = \"two\"\n", `line 2, key node.miner-workers: want an integer, not "two"`},
		{"network = \"moonnet\"\n", `line 1, key network: unknown network "moonnet"`},
		{"[node]\nlog-level = \"loud\"\n", `line 2, key node.log-level: log level "loud"`},
		{"[node]\nbootstrap = [\"/ip4/1.2.3.4/tcp/1\"]\n", "line 2, key node.bootstrap:"},
		{"[node]\nlisten = [\"example.com:1\"]\n", "line 2, key node.listen:"},
		{"[tui]\nno-mdns = 1\n", "line 2, key tui.no-mdns: want true or false, not 1"},
	}
	for i, c := range cases {
		p := writeConfig(t, c.text)
		_, errOut, code := cli(t, t.TempDir(), nil, "--config", p, "status")
		if code == 0 || !strings.Contains(errOut, "config file "+p+", "+c.says) {
			t.Errorf("case %d: exit %d, stderr %q; want it to say %q", i, code, errOut, c.says)
		}
		if strings.Count(strings.TrimSpace(errOut), "\n") > 0 || strings.Contains(errOut, "goroutine") {
			t.Errorf("case %d: want one sentence, got %q", i, errOut)
		}
	}
	_, errOut, code := cli(t, t.TempDir(), []string{"BITVERSE_NODE_MINE=maybe"}, "config", "show")
	if code == 0 || !strings.Contains(errOut, `environment variable BITVERSE_NODE_MINE="maybe"`) {
		t.Errorf("bad variable: exit %d, stderr %q", code, errOut)
	}
	// A file named with --config must exist; the default one need not.
	missing := filepath.Join(t.TempDir(), "none.toml")
	if _, errOut, code := cli(t, t.TempDir(), nil, "--config", missing, "status"); code == 0 || !strings.Contains(errOut, "config file "+missing+" does not exist") {
		t.Errorf("--config of a missing file: exit %d, stderr %q", code, errOut)
	}
}

// TestConfigFileInXDGConfigHomeReachesTheNode: the default file,
// $XDG_CONFIG_HOME/bitverse/config.toml, sets `node`'s flags: [node]
// relay = true without serve is refused by the node as the flag would be;
// --config= reads no file.
func TestConfigFileInXDGConfigHomeReachesTheNode(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "bitverse"), 0o700)
	os.WriteFile(filepath.Join(home, "bitverse", "config.toml"), []byte("[node]\nrelay = true\nno-mdns = true\nloopback = true\n"), 0o600)
	env := []string{"XDG_CONFIG_HOME=" + home}
	_, errOut, code := cli(t, t.TempDir(), env, "node")
	if code == 0 || !strings.Contains(errOut, "--relay needs --serve") {
		t.Fatalf("node with relay = true in the file: exit %d, stderr %q", code, errOut)
	}
	got := showConfig(t, env)
	if s := got["node.relay"]; s.Value != true || s.From != "file" || !strings.HasPrefix(s.Where, filepath.Join(home, "bitverse", "config.toml")+":") {
		t.Fatalf("node.relay: %+v", s)
	}
	if s := showConfig(t, env, "--config="); s["node.relay"].Value != false || s["node.relay"].From != "default" {
		t.Fatalf("--config= still read the file: %+v", s["node.relay"])
	}
}

// TestConfigInitWritesEveryKeyCommented: `config init` writes a file with
// every flag of the global set, `node` and the TUI as a commented key at
// its default, which parses to no settings; it will not overwrite one.
func TestConfigInitWritesEveryKeyCommented(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "sub", "config.toml")
	if _, errOut, code := cli(t, t.TempDir(), nil, "--config", p, "config", "init"); code != 0 {
		t.Fatalf("config init: %s", errOut)
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	section := func(name string) string {
		i := strings.Index(text, "["+name+"]")
		if i < 0 {
			t.Fatalf("no [%s] in\n%s", name, text)
		}
		rest := text[i+1:]
		if j := strings.Index(rest, "\n["); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	check := func(where, body string, fs *pflag.FlagSet) {
		fs.VisitAll(func(f *pflag.Flag) {
			if f.Name != "help" && !strings.Contains(body, "\n# "+f.Name+" = ") {
				t.Errorf("%s: no key for --%s", where, f.Name)
			}
		})
	}
	check("[node]", section("node"), nodeCmd().Flags())
	check("[tui]", section("tui"), tuiCmd().Flags())
	for _, k := range []string{"network", "datadir", "account", "passphrase-file", "rpc-addr"} {
		if !strings.Contains(text[:strings.Index(text, "[node]")], "\n# "+k+" = ") {
			t.Errorf("top level: no key %s", k)
		}
	}
	got := showConfig(t, nil, "--config", p)
	for k, s := range got {
		if s.From != "default" && k != "datadir" { // cli gives --datadir
			t.Errorf("%s from %s in the fresh file", k, s.From)
		}
	}
	if _, errOut, code := cli(t, t.TempDir(), nil, "--config", p, "config", "init"); code == 0 || !strings.Contains(errOut, "exists") {
		t.Errorf("second config init: exit %d, %q", code, errOut)
	}
}

// TestConfigPathsExpandHome: a "~" leading a path setting means the home
// directory wherever the value came from (a file and the environment are
// not read by a shell, and neither is --datadir=~/x); other settings keep
// their "~".
func TestConfigPathsExpandHome(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	p := writeConfig(t, "account = \"~/not-a-path\"\npassphrase-file = \"~/pass\"\n")
	got := showConfig(t, []string{"HOME=" + home, "BITVERSE_CONFIG=" + p}, "--datadir=~/bv")
	for key, want := range map[string]string{
		"passphrase-file": filepath.Join(home, "pass"),
		"datadir":         filepath.Join(home, "bv"),
		"account":         "~/not-a-path",
	} {
		if got[key].Value != want {
			t.Errorf("%s = %v, want %q", key, got[key].Value, want)
		}
	}
}
