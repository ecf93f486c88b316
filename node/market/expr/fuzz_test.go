package expr

import (
	"bytes"
	"testing"
)

// FuzzParse: Parse never panics, and whatever it accepts prints to a text
// that parses back to the same request with the same canonical encoding.
func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		f.Add(c.in)
	}
	for _, s := range []string{``, `(`, `)`, `("`, `("\`, `(a)(`, `(a"b)`, `("a" b)`, "(\xff)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("Parse(%q) accepted an invalid request: %v", s, err)
		}
		text := e.String()
		back, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(String) of %q → %q: %v", s, text, err)
		}
		if !back.Equal(e) || back.String() != text || !bytes.Equal(back.Canonical(), e.Canonical()) {
			t.Fatalf("round trip of %q changed the request: %q", s, back.String())
		}
		d, err := Decode(e.Canonical())
		if err != nil || !d.Equal(e) {
			t.Fatalf("Decode(Canonical) of %q: %v", s, err)
		}
	})
}

// FuzzDecode: Decode never panics, and what it accepts re-encodes to the
// same bytes.
func FuzzDecode(f *testing.F) {
	for _, c := range parseCases {
		f.Add(MustParse(c.in).Canonical())
	}
	f.Add([]byte{1, 0x81, 0x00, 'a'})
	f.Add([]byte{17})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Decode(b)
		if err != nil {
			return
		}
		if !bytes.Equal(e.Canonical(), b) {
			t.Fatalf("Decode(%x) re-encodes to %x", b, e.Canonical())
		}
		back, err := Parse(e.String())
		if err != nil || !back.Equal(e) {
			t.Fatalf("Parse(String) of decoded %x: %v", b, err)
		}
	})
}
