package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/bitverse/bitverse/internal/config"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The configuration file: every flag of the global set, of `node` and of
// the TUI has a key, named like the flag (top level, [node], [tui]), and an
// environment variable (config.Key.EnvName). A flag given on the command
// line wins, then the environment, then the file, then the default.

// configEnv names the configuration file when --config is not given.
const configEnv = "BITVERSE_CONFIG"

// configPath is --config: "" with the flag given means no file.
var configPath string

func addConfigFlag(root *cobra.Command) {
	root.PersistentFlags().StringVar(&configPath, "config", "", "configuration file (default: $"+configEnv+", else $XDG_CONFIG_HOME/bitverse/config.toml); --config= reads none")
}

// Origins of a setting, for `config show`.
const (
	fromDefault = "default"
	fromFlag    = "flag"
	fromEnv     = "env"
	fromFile    = "file"
)

// setting is one key's effective value and where it came from.
type setting struct {
	key    config.Key
	flag   *pflag.Flag
	from   string // fromDefault, fromFlag, fromEnv, fromFile
	detail string // the variable's name, or file:line
}

// loaded is what applyConfig found, for `config show`.
var loaded struct {
	path     string // the file consulted ("" for none)
	found    bool
	settings []setting // globals and the running command's section
}

// configSection is the file's table for cmd's own flags: "node" for
// `node`, "tui" for the TUI (`tui`, or no command); "" for the others,
// which take only the global keys.
func configSection(cmd *cobra.Command) string {
	switch {
	case !cmd.HasParent():
		return "tui"
	case cmd.Parent().HasParent():
		return ""
	case cmd.Name() == "node" || cmd.Name() == "tui":
		return cmd.Name()
	}
	return ""
}

// configSchema lists every key: the global flags, then `node`'s, then
// the TUI's, each from a fresh flag set (the command line's own stay
// untouched).
func configSchema() []config.Key {
	var keys []config.Key
	var scratch globals
	gfs := pflag.NewFlagSet("globals", pflag.ContinueOnError)
	addGlobalFlags(gfs, &scratch)
	keys = append(keys, flagKeys("", gfs)...)
	keys = append(keys, flagKeys("node", nodeCmd().Flags())...)
	keys = append(keys, flagKeys("tui", tuiCmd().Flags())...)
	return keys
}

func flagKeys(section string, fs *pflag.FlagSet) []config.Key {
	var keys []config.Key
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" {
			return
		}
		k := config.Key{Section: section, Name: f.Name, Doc: f.Usage, Default: f.DefValue}
		switch f.Value.Type() {
		case "bool":
			k.Kind = config.Bool
		case "int":
			k.Kind = config.Int
		case "uint64", "uint":
			k.Kind = config.Uint
		case "stringSlice", "stringArray":
			k.Kind = config.List
			k.Default = strings.TrimSuffix(strings.TrimPrefix(f.DefValue, "["), "]")
		default:
			k.Kind = config.String
		}
		k.Check = checks[k.Path()]
		keys = append(keys, k)
	})
	return keys
}

// checks refuse bad values before any command runs, so that the message
// names the file and line (or the variable).
var checks = map[string]func(string) error{
	"network": func(s string) error {
		_, err := wire.NetworkByName(s)
		return err
	},
	"node.log-level": func(s string) error {
		var l slog.Level
		if l.UnmarshalText([]byte(s)) != nil {
			return fmt.Errorf("log level %q is not debug, info, warn or error", s)
		}
		return nil
	},
	"node.listen": func(s string) error {
		_, err := p2p.ParseListen([]string{s})
		return err
	},
	"node.bootstrap": p2p.CheckPeerAddr,
	"node.rpc":       checkHostPort,
	"node.metrics":   checkHostPortOrEmpty,
	"tui.rpc":        checkHostPortOrEmpty,
	"rpc-addr":       checkHostPortOrEmpty,
	"node.follow":    checkFollow,
	"tui.follow":     checkFollow,
}

func checkHostPort(s string) error {
	if _, _, err := net.SplitHostPort(s); err != nil {
		return fmt.Errorf("%q is not host:port", s)
	}
	return nil
}

func checkHostPortOrEmpty(s string) error {
	if s == "" {
		return nil
	}
	return checkHostPort(s)
}

func checkFollow(s string) error {
	if s == "" {
		return nil
	}
	_, err := node.ParseFollow(s, consensus.Devnet())
	return err
}

// configFile is the file to read: --config (explicitly empty: none), else
// $BITVERSE_CONFIG, else the default; explicit says the user named it (a
// missing named file is an error, a missing default one is not).
func configFile(cmd *cobra.Command) (path string, explicit bool) {
	if f := cmd.Flags().Lookup("config"); f != nil && f.Changed {
		return config.ExpandHome(configPath), true
	}
	if p, ok := os.LookupEnv(configEnv); ok {
		return config.ExpandHome(p), true
	}
	return config.DefaultPath(), false
}

// applyConfig fills the flags of cmd (and the global ones) that the
// command line did not set, from the environment, else the file.
func applyConfig(cmd *cobra.Command) error {
	path, explicit := configFile(cmd)
	var vals map[string]config.Value
	loaded.path, loaded.found, loaded.settings = path, false, nil
	if path != "" && !(cmd.Name() == "init" && cmd.Parent().Name() == "config") {
		var err error
		vals, err = config.Load(path, configSchema())
		switch {
		case errors.Is(err, config.ErrNoFile) && explicit:
			return fmt.Errorf("config file %s does not exist: write one with `bitverse config init --config %s`, or name another", path, path)
		case errors.Is(err, config.ErrNoFile):
		case err != nil:
			return err
		default:
			loaded.found = true
		}
	}
	sets, err := applySettings(cmd.Flags(), configSection(cmd), vals)
	loaded.settings = sets
	return err
}

// applySettings sets the flags of fs for the keys of section (and the
// global ones) from the environment, else vals, unless the command line
// set them; it returns every key's origin.
func applySettings(fs *pflag.FlagSet, section string, vals map[string]config.Value) ([]setting, error) {
	var out []setting
	for _, k := range configSchema() {
		if k.Section != "" && k.Section != section {
			continue
		}
		f := fs.Lookup(k.Name)
		if f == nil {
			continue
		}
		s := setting{key: k, flag: f, from: fromDefault}
		if f.Changed {
			s.from = fromFlag
		} else if env := os.Getenv(k.EnvName()); env != "" { // empty is unset
			if err := setFromEnv(k, f, env); err != nil {
				return out, err
			}
			s.from, s.detail = fromEnv, k.EnvName()
		} else if v, ok := vals[k.Path()]; ok {
			if err := setFlag(f, v.Text, v.List, k.Kind == config.List); err != nil {
				return out, &config.Error{File: loaded.path, Line: v.Line, Key: k.Path(), Msg: err.Error()}
			}
			s.from, s.detail = fromFile, loaded.path+":"+strconv.Itoa(v.Line)
		}
		if pathKeys[k.Path()] {
			if v := f.Value.String(); config.ExpandHome(v) != v {
				if err := f.Value.Set(config.ExpandHome(v)); err != nil {
					return out, err
				}
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// pathKeys are the settings that name a file or directory: a leading "~"
// in them means the home directory wherever the value came from.
var pathKeys = map[string]bool{"datadir": true, "passphrase-file": true}

// setFromEnv checks and sets an environment variable's value: a list is
// comma-separated.
func setFromEnv(k config.Key, f *pflag.Flag, env string) error {
	bad := func(err error) error {
		return fmt.Errorf("environment variable %s=%q: %v (set it right or unset it)", k.EnvName(), env, err)
	}
	var list []string
	if k.Kind == config.List && strings.TrimSpace(env) != "" {
		r, err := csv.NewReader(strings.NewReader(env)).Read()
		if err != nil {
			return bad(err)
		}
		for _, s := range r {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
	}
	if k.Check != nil {
		vals := list
		if k.Kind != config.List {
			vals = []string{env}
		}
		for _, s := range vals {
			if err := k.Check(s); err != nil {
				return bad(err)
			}
		}
	}
	if err := setFlag(f, env, list, k.Kind == config.List); err != nil {
		return bad(err)
	}
	return nil
}

func setFlag(f *pflag.Flag, text string, list []string, isList bool) error {
	if isList {
		sv, ok := f.Value.(pflag.SliceValue)
		if !ok {
			return fmt.Errorf("flag --%s takes no list", f.Name)
		}
		if list == nil {
			list = []string{}
		}
		return sv.Replace(list)
	}
	if err := f.Value.Set(text); err != nil {
		return fmt.Errorf("bad value %q for --%s", text, f.Name)
	}
	return nil
}

// value is a setting's value for JSON: bool, number, string or list.
func (s setting) value() any {
	switch s.key.Kind {
	case config.Bool:
		b, _ := strconv.ParseBool(s.flag.Value.String())
		return b
	case config.Int:
		n, _ := strconv.ParseInt(s.flag.Value.String(), 10, 64)
		return n
	case config.Uint:
		n, _ := strconv.ParseUint(s.flag.Value.String(), 10, 64)
		return n
	case config.List:
		if sv, ok := s.flag.Value.(pflag.SliceValue); ok {
			l := sv.GetSlice()
			if l == nil {
				l = []string{}
			}
			return l
		}
	}
	return s.flag.Value.String()
}

// effectiveSettings is every key's effective value: the global ones as
// this command line resolved them, the [node] and [tui] ones as those
// commands would start with no flags.
func effectiveSettings() ([]setting, error) {
	var out []setting
	for _, s := range loaded.settings {
		if s.key.Section == "" {
			out = append(out, s)
		}
	}
	var vals map[string]config.Value
	if loaded.found {
		var err error
		if vals, err = config.Load(loaded.path, configSchema()); err != nil {
			return nil, err
		}
	}
	for _, c := range []*cobra.Command{nodeCmd(), tuiCmd()} {
		sets, err := applySettings(c.Flags(), c.Name(), vals)
		if err != nil {
			return nil, err
		}
		for _, s := range sets {
			if s.key.Section != "" {
				out = append(out, s)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return sectionOrder(out[i].key.Section) < sectionOrder(out[j].key.Section) })
	return out, nil
}

func sectionOrder(s string) int {
	switch s {
	case "":
		return 0
	case "node":
		return 1
	}
	return 2
}

// withoutConfigEnv is env without the variables that set keys.
func withoutConfigEnv(env []string) []string {
	names := map[string]bool{configEnv: true}
	for _, k := range configSchema() {
		names[k.EnvName()] = true
	}
	var out []string
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); !names[k] {
			out = append(out, kv)
		}
	}
	return out
}
