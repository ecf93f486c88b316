package expr

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bitverse/bitverse/node/wire"
)

// Bounds on a request. They keep a gossiped request small and a chain of
// transforms short enough to price.
const (
	MaxDepth = 16   // terms in one expression: transforms plus the fetch
	MaxText  = 4096 // bytes of text Parse reads, and of the canonical text
)

// IDTag is the domain tag of a request ID.
const IDTag = "bitverse/request/v1"

// Sentinel errors.
var (
	ErrSyntax  = errors.New("request syntax")
	ErrBadKey  = errors.New("invalid key in request")
	ErrTooDeep = errors.New("request has too many terms")
	ErrTooLong = errors.New("request is too long")
	ErrEmpty   = errors.New("request is empty")
)

// Expr is a request expression: a fetch of Key, or the transform stored at
// Transform applied to the value of Arg. Exactly one of Key and
// (Transform, Arg) is set.
type Expr struct {
	Key       string
	Transform string
	Arg       *Expr
}

// Fetch returns the expression that fetches key.
func Fetch(key string) *Expr { return &Expr{Key: key} }

// Apply returns the expression that applies the transform at key to arg.
func Apply(transform string, arg *Expr) *Expr { return &Expr{Transform: transform, Arg: arg} }

// IsFetch reports whether e fetches a key (rather than applying a transform).
func (e *Expr) IsFetch() bool { return e.Arg == nil }

// terms returns the keys of e in text order: outermost transform first, the
// fetched key last.
func (e *Expr) terms() []string {
	var out []string
	for x := e; x != nil; x = x.Arg {
		if x.Arg == nil {
			out = append(out, x.Key)
			break
		}
		out = append(out, x.Transform)
	}
	return out
}

func fromTerms(keys []string) *Expr {
	e := Fetch(keys[len(keys)-1])
	for i := len(keys) - 2; i >= 0; i-- {
		e = Apply(keys[i], e)
	}
	return e
}

// Depth is the number of terms: transforms applied plus one for the fetch.
func (e *Expr) Depth() int {
	n := 0
	for x := e; x != nil; x = x.Arg {
		n++
	}
	return n
}

// Inputs returns every key the request reads, in text order without
// repeats: the transforms' code and the fetched value.
func (e *Expr) Inputs() []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range e.terms() {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// Validate checks a built or decoded expression against the rules Parse
// applies: shape, keys, depth and length.
func (e *Expr) Validate() error {
	if e == nil {
		return ErrEmpty
	}
	n := 0
	for x := e; x != nil; x = x.Arg {
		n++
		if n > MaxDepth {
			return fmt.Errorf("%w: more than %d (transforms plus the fetched key)", ErrTooDeep, MaxDepth)
		}
		k := x.Key
		if x.Arg != nil {
			if x.Key != "" {
				return fmt.Errorf("%w: a term has both a key and an argument", ErrSyntax)
			}
			k = x.Transform
		} else if x.Transform != "" {
			return fmt.Errorf("%w: transform %q has no argument", ErrSyntax, x.Transform)
		}
		if err := validKey(k); err != nil {
			return err
		}
	}
	if l := len(e.String()); l > MaxText {
		return fmt.Errorf("%w: %d bytes of canonical text (max %d)", ErrTooLong, l, MaxText)
	}
	return nil
}

// Equal reports whether a and b are the same request.
func (e *Expr) Equal(o *Expr) bool {
	a, b := e.terms(), o.terms()
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// String is the canonical text: no spaces between terms, each key bare
// when it can be, else quoted with \" and \\ escapes.
func (e *Expr) String() string {
	var b strings.Builder
	for _, k := range e.terms() {
		b.WriteByte('(')
		if needsQuotes(k) {
			b.WriteByte('"')
			for i := 0; i < len(k); i++ {
				if k[i] == '"' || k[i] == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(k[i])
			}
			b.WriteByte('"')
		} else {
			b.WriteString(k)
		}
		b.WriteByte(')')
	}
	return b.String()
}

// needsQuotes reports whether k cannot be written bare: it holds a
// character the bare form forbids, or starts or ends with a space the bare
// form would trim, or is empty.
func needsQuotes(k string) bool {
	if k == "" || isSpace(k[0]) || isSpace(k[len(k)-1]) {
		return true
	}
	return strings.ContainsAny(k, "()\"\\")
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// Canonical is the binary encoding the ID hashes:
//
//	terms varint ‖ terms × (len varint ‖ key bytes)
//
// with the terms in text order (outermost transform first, fetched key last).
func (e *Expr) Canonical() []byte {
	keys := e.terms()
	w := wire.NewWriter(64)
	w.Uvarint(uint64(len(keys)))
	for _, k := range keys {
		w.String(k)
	}
	return w.Bytes()
}

// MaxCanonical bounds the binary encoding: MaxDepth keys of the largest size.
const MaxCanonical = 1 + MaxDepth*(2+wire.MaxKeySize)

// Decode reads a canonical binary encoding and validates it.
func Decode(b []byte) (*Expr, error) {
	if len(b) > MaxCanonical {
		return nil, fmt.Errorf("%w: request of %d bytes (max %d)", wire.ErrMalformed, len(b), MaxCanonical)
	}
	r := wire.NewReader(b)
	n := r.Len(MaxDepth, 2, "request terms")
	if r.Err() == nil && n == 0 {
		return nil, fmt.Errorf("%w: request with no terms", wire.ErrMalformed)
	}
	keys := make([]string, 0, n)
	for i := 0; i < n; i++ {
		keys = append(keys, r.String(wire.MaxKeySize, "request key"))
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	e := fromTerms(keys)
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", wire.ErrMalformed, err)
	}
	return e, nil
}

// ID is the request ID: SHA-256(IDTag ‖ Canonical).
func (e *Expr) ID() wire.Hash { return wire.TaggedSum(IDTag, e.Canonical()) }
