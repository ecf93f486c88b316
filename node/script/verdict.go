package script

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Code says which rule decided a verdict, so callers and tests can tell a
// script's own refusal from a resource limit.
type Code uint8

// Verdict codes. Every code up to CodeInvalidWrite is decided by the script's
// own steps and fuel: the same on every machine. The codes after it come
// from the isolation guards (wall clock, OS memory limit, a crashed worker):
// a node that sees one of them while validating a block mined by others
// should treat it as "could not decide" (retry with more room) rather than
// as proof that the block is invalid.
const (
	CodeAllowed       Code = iota // validate returned true
	CodeReturned                  // validate returned something other than true
	CodeThrew                     // validate (or the script's top level) threw
	CodeOutOfFuel                 // the fuel budget ran out
	CodeLimit                     // a size or depth cap of the sandbox
	CodeStackOverflow             // the call depth cap
	CodeNoValidate                // the script defines no validate function
	CodeInvalidWrite              // the write itself is outside what scripts are given
	CodeTooSlow                   // guard: the wall-clock limit
	CodeOutOfMemory               // guard: the worker's memory limit
	CodeCrashed                   // guard: the sandbox process or runtime crashed
)

var codeNames = [...]string{
	CodeAllowed:       "allowed",
	CodeReturned:      "returned",
	CodeThrew:         "threw",
	CodeOutOfFuel:     "out of fuel",
	CodeLimit:         "limit",
	CodeStackOverflow: "stack overflow",
	CodeNoValidate:    "no validate",
	CodeInvalidWrite:  "invalid write",
	CodeTooSlow:       "too slow",
	CodeOutOfMemory:   "out of memory",
	CodeCrashed:       "crashed",
}

func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("code(%d)", uint8(c))
}

// Deterministic reports whether every node reaches this code for the same
// script and write. It is false only for the isolation guards.
func (c Code) Deterministic() bool { return c <= CodeInvalidWrite }

func allowed(fuel uint64) Verdict {
	return Verdict{Allowed: true, Fuel: fuel, Code: CodeAllowed}
}

func rejected(code Code, fuel uint64, format string, args ...any) Verdict {
	return Verdict{Code: code, Fuel: fuel, Reason: cleanReason(fmt.Sprintf(format, args...))}
}

// maxReasonLen bounds a reason in bytes; longer ones are cut at a rune
// boundary and end in "…".
const maxReasonLen = 300

// cleanReason makes a script-provided message safe to print: valid UTF-8,
// no control characters (a hostile script must not drive the writer's
// terminal), bounded length.
func cleanReason(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r) || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Bidi_Control, r):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
		if b.Len() > maxReasonLen {
			break
		}
	}
	out := strings.TrimSpace(b.String())
	if len(out) > maxReasonLen {
		cut := maxReasonLen
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = out[:cut] + "…"
	}
	if out == "" {
		out = "the script refused the write without a reason"
	}
	return out
}
