package expr

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// SyntaxError says where a request stops making sense and what would have.
type SyntaxError struct {
	Offset   int    // byte offset into the text
	Column   int    // 1-based column, in characters
	Expected string // what the parser wanted there
	Found    string // what it saw ("end of text" at the end)
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("request syntax: at column %d expected %s, found %s", e.Column, e.Expected, e.Found)
}

// Unwrap makes errors.Is(err, ErrSyntax) hold.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

type parser struct {
	s   string
	pos int
}

func (p *parser) fail(expected string) error {
	found := "end of text"
	if p.pos < len(p.s) {
		r, _ := utf8.DecodeRuneInString(p.s[p.pos:])
		found = fmt.Sprintf("%q", r)
	}
	return &SyntaxError{Offset: p.pos, Column: utf8.RuneCountInString(p.s[:p.pos]) + 1, Expected: expected, Found: found}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.s) && isSpace(p.s[p.pos]) {
		p.pos++
	}
}

// Parse reads a request expression. See the package comment for the
// grammar; errors say the column and what was expected.
func Parse(s string) (*Expr, error) {
	if len(s) > MaxText {
		return nil, fmt.Errorf("%w: %d bytes (max %d)", ErrTooLong, len(s), MaxText)
	}
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("%w: the text is not UTF-8", ErrSyntax)
	}
	p := &parser{s: s}
	var keys []string
	p.skipSpace()
	if p.pos == len(s) {
		return nil, fmt.Errorf("%w: write a key in parentheses, as in (erik/photos/1)", ErrEmpty)
	}
	for p.pos < len(s) {
		if len(keys) == MaxDepth {
			return nil, fmt.Errorf("%w: more than %d (transforms plus the fetched key)", ErrTooDeep, MaxDepth)
		}
		start := p.pos
		k, err := p.term()
		if err != nil {
			return nil, err
		}
		if err := validKey(k); err != nil {
			return nil, fmt.Errorf("%w (term at column %d)", err, utf8.RuneCountInString(s[:start])+1)
		}
		keys = append(keys, k)
		p.skipSpace()
	}
	return fromTerms(keys), nil
}

// MustParse is Parse for tests and constants; it panics on an error.
func MustParse(s string) *Expr {
	e, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return e
}

func (p *parser) term() (string, error) {
	if p.pos >= len(p.s) || p.s[p.pos] != '(' {
		return "", p.fail(`"(" to start a term`)
	}
	p.pos++
	p.skipSpace()
	var key string
	if p.pos < len(p.s) && p.s[p.pos] == '"' {
		k, err := p.quoted()
		if err != nil {
			return "", err
		}
		key = k
		p.skipSpace()
		if p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return "", p.fail(`")" after the quoted key`)
		}
	} else {
		start := p.pos
		for p.pos < len(p.s) && !strings.ContainsRune("()\"\\", rune(p.s[p.pos])) {
			p.pos++
		}
		if p.pos >= len(p.s) {
			return "", p.fail(`")" to close the term`)
		}
		switch p.s[p.pos] {
		case ')':
		case '(':
			return "", p.fail(`")" to close the term (a key with "(" must be quoted: ("a(b"))`)
		default:
			return "", p.fail(`")" to close the term (a key with '"' or '\' must be quoted, as in ("a\"b"))`)
		}
		key = strings.TrimRight(p.s[start:p.pos], " \t\r\n")
		if key == "" {
			return "", p.fail("a key")
		}
	}
	p.pos++ // ')'
	return key, nil
}

func (p *parser) quoted() (string, error) {
	p.pos++ // opening quote
	var b strings.Builder
	for {
		if p.pos >= len(p.s) {
			return "", p.fail(`'"' to close the quoted key`)
		}
		c := p.s[p.pos]
		switch c {
		case '"':
			p.pos++
			return b.String(), nil
		case '\\':
			p.pos++
			if p.pos >= len(p.s) || (p.s[p.pos] != '"' && p.s[p.pos] != '\\') {
				return "", p.fail(`'"' or '\' after '\' (the only escapes)`)
			}
			b.WriteByte(p.s[p.pos])
			p.pos++
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
}
