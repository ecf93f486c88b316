package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/adrg/xdg"
)

// FileName is the configuration file's name in $XDG_CONFIG_HOME/bitverse.
const FileName = "config.toml"

// DefaultPath is where the configuration file is looked for when none is
// named: $XDG_CONFIG_HOME/bitverse/config.toml.
func DefaultPath() string { return filepath.Join(xdg.ConfigHome, "bitverse", FileName) }

// Kind is the TOML type a key takes.
type Kind int

const (
	Bool   Kind = iota // true or false
	Int                // an integer
	Uint               // a non-negative integer
	String             // a string
	List               // an array of strings
)

func (k Kind) String() string {
	switch k {
	case Bool:
		return "true or false"
	case Int:
		return "an integer"
	case Uint:
		return "a non-negative integer"
	case String:
		return "a string in quotes"
	default:
		return `an array of strings, like ["a", "b"]`
	}
}

// Key is one setting the file may hold.
type Key struct {
	Section string // "" for top level, else the table name ("node", "tui")
	Name    string // as the flag: "mine-to"
	Kind    Kind
	Doc     string // one line, for Template
	Default string // the default, as text (a list joined with commas)
	// Check refuses a bad value (text, or each element of a list) with a
	// sentence; nil accepts any value of the right kind.
	Check func(string) error
}

// Path is the key's dotted name: "node.mine-to", or "network" at top level.
func (k Key) Path() string {
	if k.Section == "" {
		return k.Name
	}
	return k.Section + "." + k.Name
}

// EnvName is the environment variable that sets k: BITVERSE_NODE_MINE_TO,
// BITVERSE_NETWORK.
func (k Key) EnvName() string {
	return "BITVERSE_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(k.Path()))
}

// Value is a key's value read from the file: Text for a scalar (TOML
// written back as text: "true", "12", "abc"), List for an array.
type Value struct {
	Key  Key
	Text string
	List []string
	Line int // 1-based line of the key in the file (0: not found)
}

// Error is a problem in the file, at a line and key when known.
type Error struct {
	File string
	Line int    // 0: unknown
	Key  string // dotted; "" for a syntax error
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "config file %s", e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ", line %d", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ", key %s", e.Key)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

// ErrNoFile is returned by Load for a file that does not exist.
var ErrNoFile = errors.New("no configuration file")

// Load reads and parses the file at path (see Parse). A missing file is
// ErrNoFile (wrapped with the path).
func Load(path string, schema []Key) (map[string]Value, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s", ErrNoFile, path)
	}
	if err != nil {
		return nil, fmt.Errorf("read config file %s: %w", path, err)
	}
	return Parse(path, data, schema)
}

// Parse checks data against schema and returns the values it sets, by
// dotted key. name labels errors. Every problem is an *Error; the first
// one found (in file order) is returned.
func Parse(name string, data []byte, schema []Key) (map[string]Value, error) {
	var doc map[string]any
	md, err := toml.Decode(string(data), &doc)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: name, Line: pe.Position.Line, Msg: pe.Message + " (TOML syntax)"}
		}
		return nil, &Error{File: name, Msg: err.Error()}
	}
	known := make(map[string]Key, len(schema))
	sections := map[string]bool{}
	for _, k := range schema {
		known[k.Path()] = k
		if k.Section != "" {
			sections[k.Section] = true
		}
	}
	lines := keyLines(data)
	var errs []*Error
	out := map[string]Value{}
	for _, mk := range md.Keys() {
		path := mk.String()
		line := lines[path]
		bad := func(msg string) { errs = append(errs, &Error{File: name, Line: line, Key: path, Msg: msg}) }
		switch {
		case len(mk) == 1 && sections[path]:
			if _, ok := doc[path].(map[string]any); !ok {
				bad("must be a table: [" + path + "]")
			}
			continue
		case len(mk) > 2 || len(mk) == 2 && !sections[mk[0]]:
			continue // inside a key reported already
		}
		k, ok := known[path]
		if !ok {
			bad("unknown key" + suggest(path, known))
			continue
		}
		raw := doc[mk[0]]
		if len(mk) == 2 {
			tbl, ok := raw.(map[string]any)
			if !ok {
				continue // its table is reported
			}
			raw = tbl[mk[1]]
		}
		v, msg := convert(k, raw)
		if msg != "" {
			bad(msg)
			continue
		}
		v.Line = line
		out[path] = v
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return nil, errs[0]
	}
	return out, nil
}

// convert checks raw against k's kind and check.
func convert(k Key, raw any) (Value, string) {
	v := Value{Key: k}
	want := "want " + k.Kind.String()
	switch k.Kind {
	case Bool:
		b, ok := raw.(bool)
		if !ok {
			return v, fmt.Sprintf("%s, not %s", want, show(raw))
		}
		v.Text = strconv.FormatBool(b)
	case Int, Uint:
		n, ok := raw.(int64)
		if !ok || (k.Kind == Uint && n < 0) {
			return v, fmt.Sprintf("%s, not %s", want, show(raw))
		}
		v.Text = strconv.FormatInt(n, 10)
	case String:
		s, ok := raw.(string)
		if !ok {
			return v, fmt.Sprintf("%s, not %s", want, show(raw))
		}
		v.Text = s
	case List:
		arr, ok := raw.([]any)
		if !ok {
			return v, fmt.Sprintf("%s, not %s", want, show(raw))
		}
		v.List = []string{}
		for _, e := range arr {
			s, ok := e.(string)
			if !ok {
				return v, fmt.Sprintf("%s, but an element is %s", want, show(e))
			}
			v.List = append(v.List, s)
		}
	}
	if k.Check != nil {
		vals := v.List
		if k.Kind != List {
			vals = []string{v.Text}
		}
		for _, s := range vals {
			if err := k.Check(s); err != nil {
				return v, err.Error()
			}
		}
	}
	return v, ""
}

func show(raw any) string {
	switch x := raw.(type) {
	case string:
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	default:
		return fmt.Sprintf("%v", raw)
	}
}

// suggest names a known key close to path, for a typo.
func suggest(path string, known map[string]Key) string {
	best, bestD := "", 3
	for k := range known {
		if d := distance(path, k); d < bestD || d == bestD && best != "" && k < best {
			best, bestD = k, d
		}
	}
	if best == "" {
		return " (see `bitverse config init` for the keys)"
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev = cur
	}
	return prev[len(b)]
}

var (
	tableRe = regexp.MustCompile(`^\s*\[\[?\s*([A-Za-z0-9_.\-" ]+?)\s*\]`)
	keyRe   = regexp.MustCompile(`^\s*([A-Za-z0-9_\-."]+?)\s*=`)
)

// keyLines maps each dotted key to the line that sets it, from a plain
// scan of the text (TOML's decoder does not say where a key was): table
// headers and bare or dotted keys, which is what a config file holds.
func keyLines(data []byte) map[string]int {
	out := map[string]int{}
	table := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := tableRe.FindStringSubmatch(line); m != nil {
			table = unquote(m[1])
			if _, ok := out[table]; !ok {
				out[table] = n
			}
			continue
		}
		if m := keyRe.FindStringSubmatch(line); m != nil {
			k := unquote(m[1])
			if table != "" {
				k = table + "." + k
			}
			if _, ok := out[k]; !ok {
				out[k] = n
			}
			// A dotted key also defines its table.
			if i := strings.IndexByte(k, '.'); i > 0 {
				if _, ok := out[k[:i]]; !ok {
					out[k[:i]] = n
				}
			}
		}
	}
	return out
}

func unquote(s string) string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"`)
	}
	return strings.Join(parts, ".")
}

// Template is a commented configuration file with every key of schema
// commented out at its default: uncomment a line to set it.
func Template(schema []Key) string {
	var b strings.Builder
	b.WriteString(`# Bitverse configuration (TOML). Every key is named like the flag it
# stands for; uncomment a line to set it. Precedence: a flag on the command
# line, then the environment variable named beside each key, then this
# file, then the default shown. Unknown keys and bad values are refused.
# See the effective settings with: bitverse config show
`)
	section := "\x00"
	for _, k := range schema {
		if k.Section != section {
			section = k.Section
			if section != "" {
				fmt.Fprintf(&b, "\n[%s]\n", section)
			} else {
				b.WriteString("\n")
			}
		}
		fmt.Fprintf(&b, "# %s (%s)\n", k.Doc, k.EnvName())
		fmt.Fprintf(&b, "# %s = %s\n", k.Name, literal(k))
	}
	return b.String()
}

// literal is k's default written as TOML.
func literal(k Key) string {
	switch k.Kind {
	case Bool:
		if k.Default == "" {
			return "false"
		}
		return k.Default
	case Int, Uint:
		if k.Default == "" {
			return "0"
		}
		return k.Default
	case List:
		var parts []string
		for _, s := range strings.Split(k.Default, ",") {
			if s = strings.TrimSpace(s); s != "" {
				parts = append(parts, strconv.Quote(s))
			}
		}
		return "[" + strings.Join(parts, ", ") + "]"
	default:
		return strconv.Quote(k.Default)
	}
}

// ExpandHome replaces a leading "~" or "~/" in a path with the user's home
// directory, as a shell would: a file or an environment variable is not
// read by a shell, and `--datadir=~/x` is not expanded by one either.
// Anything else ("~user/x", a relative or absolute path) is returned as is.
func ExpandHome(path string) string {
	if path != "~" && !strings.HasPrefix(path, "~/") {
		return path
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return path
	}
	return filepath.Join(home, path[1:])
}
