package script

import (
	"fmt"
	"sort"
	"strings"
)

// The instrumenter needs to know where a few tokens are: grouping
// parentheses (goja's AST drops them, so node offsets can sit inside them),
// the semicolon that ends a statement, and the operator after an operand.
// This is a small JavaScript tokenizer for that purpose only. It runs after
// goja has parsed the source and after regular expression literals have been
// refused, so every '/' outside strings, templates and comments is division
// or a comment.

type tokKind uint8

const (
	tokPunct    tokKind = iota // operator or punctuator; text in lexer.src[start:end]
	tokWord                    // identifier, keyword or number
	tokString                  // '...' or "..."
	tokTemplate                // a template chunk: `...${, }...${, }...` or `...`
	tokPrivate                 // #name
)

type lexToken struct {
	start, end int // byte offsets, end exclusive
	kind       tokKind
}

type lexer struct {
	src   string
	toks  []lexToken
	match map[int]int // token index of '(' <-> token index of ')'
}

// punctuators, longest first so the scan is greedy.
var punctuators = []string{
	">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=",
	"=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=",
	"/=", "%=", "&=", "|=", "^=", "<<", ">>", "**",
	"{", "}", "(", ")", "[", "]", ";", ",", "<", ">", "+", "-", "*", "/", "%", "&",
	"|", "^", "!", "~", "?", ":", "=", ".", "@",
}

func lex(src string) (*lexer, error) {
	lx := &lexer{src: src, match: map[int]int{}}
	if err := lx.run(); err != nil {
		return nil, err
	}
	return lx, nil
}

func (lx *lexer) errAt(off int, format string, args ...any) error {
	line := 1 + strings.Count(lx.src[:off], "\n")
	col := off - strings.LastIndex(lx.src[:off], "\n")
	return fmt.Errorf("line %d:%d: %s", line, col, fmt.Sprintf(format, args...))
}

// lineTerminatorAt reports the byte length of a line terminator at i, or 0.
func lineTerminatorAt(s string, i int) int {
	switch {
	case s[i] == '\n' || s[i] == '\r':
		return 1
	case strings.HasPrefix(s[i:], "\u2028"), strings.HasPrefix(s[i:], "\u2029"):
		return 3
	}
	return 0
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func (lx *lexer) run() error {
	s := lx.src
	var braces []bool // true: this '{' level is a template substitution
	var parens []int  // token indexes of open '('
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			i++
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			for i < len(s) && lineTerminatorAt(s, i) == 0 {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return lx.errAt(i, "unterminated comment")
			}
			i += 2 + end + 2
		case c == '\'' || c == '"':
			start := i
			i++
			for {
				if i >= len(s) {
					return lx.errAt(start, "unterminated string")
				}
				if s[i] == '\\' {
					i += 2
					continue
				}
				if s[i] == c {
					i++
					break
				}
				i++
			}
			lx.toks = append(lx.toks, lexToken{start, i, tokString})
		case c == '`':
			end, err := lx.templateChunk(i + 1)
			if err != nil {
				return err
			}
			lx.toks = append(lx.toks, lexToken{i, end, tokTemplate})
			if strings.HasSuffix(s[:end], "${") {
				braces = append(braces, true)
			}
			i = end
		case c == '}' && len(braces) > 0 && braces[len(braces)-1]:
			braces = braces[:len(braces)-1]
			end, err := lx.templateChunk(i + 1)
			if err != nil {
				return err
			}
			lx.toks = append(lx.toks, lexToken{i, end, tokTemplate})
			if strings.HasSuffix(s[:end], "${") {
				braces = append(braces, true)
			}
			i = end
		case c == '#':
			start := i
			i++
			for i < len(s) && isWordByte(s[i]) {
				i++
			}
			lx.toks = append(lx.toks, lexToken{start, i, tokPrivate})
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			start := i
			hex := c == '0' && i+1 < len(s) && strings.ContainsRune("xXoObB", rune(s[i+1]))
			for i < len(s) {
				d := s[i]
				if isWordByte(d) || d == '.' && !hex {
					i++
					continue
				}
				if (d == '+' || d == '-') && !hex && (s[i-1] == 'e' || s[i-1] == 'E') {
					i++
					continue
				}
				break
			}
			lx.toks = append(lx.toks, lexToken{start, i, tokWord})
		case isWordByte(c) || c == '\\':
			start := i
			for i < len(s) && (isWordByte(s[i]) || s[i] == '\\') {
				i++
			}
			lx.toks = append(lx.toks, lexToken{start, i, tokWord})
		case c >= 0x80:
			return lx.errAt(i, "non-ASCII character outside strings, templates and comments")
		default:
			p := ""
			for _, cand := range punctuators {
				if strings.HasPrefix(s[i:], cand) {
					p = cand
					break
				}
			}
			if p == "" {
				return lx.errAt(i, "unexpected character %q", c)
			}
			idx := len(lx.toks)
			lx.toks = append(lx.toks, lexToken{i, i + len(p), tokPunct})
			switch p {
			case "{":
				braces = append(braces, false)
			case "}":
				if len(braces) > 0 {
					braces = braces[:len(braces)-1]
				}
			case "(":
				parens = append(parens, idx)
			case ")":
				if len(parens) == 0 {
					return lx.errAt(i, "unbalanced ')'")
				}
				open := parens[len(parens)-1]
				parens = parens[:len(parens)-1]
				lx.match[open] = idx
				lx.match[idx] = open
			}
			i += len(p)
		}
	}
	if len(parens) != 0 {
		return lx.errAt(lx.toks[parens[0]].start, "unbalanced '('")
	}
	return nil
}

// templateChunk scans template characters from i and returns the offset just
// after the closing '`' or after the "${" that opens a substitution.
func (lx *lexer) templateChunk(i int) (int, error) {
	s := lx.src
	start := i
	for i < len(s) {
		switch {
		case s[i] == '\\':
			i += 2
		case s[i] == '`':
			return i + 1, nil
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			return i + 2, nil
		default:
			i++
		}
	}
	return 0, lx.errAt(start, "unterminated template literal")
}

func (lx *lexer) text(t int) string { return lx.src[lx.toks[t].start:lx.toks[t].end] }

func (lx *lexer) isPunct(t int, p string) bool {
	return t >= 0 && t < len(lx.toks) && lx.toks[t].kind == tokPunct && lx.text(t) == p
}

// next returns the index of the first token starting at or after off, or len(toks).
func (lx *lexer) next(off int) int {
	return sort.Search(len(lx.toks), func(i int) bool { return lx.toks[i].start >= off })
}

// prev returns the index of the last token ending at or before off, or -1.
func (lx *lexer) prev(off int) int {
	return sort.Search(len(lx.toks), func(i int) bool { return lx.toks[i].end > off }) - 1
}
