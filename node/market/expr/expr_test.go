package expr

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

var parseCases = []struct {
	in    string
	terms []string // outermost first
	canon string
}{
	{`(erik/photos/3j903)`, []string{"erik/photos/3j903"}, `(erik/photos/3j903)`},
	{`("photo filters/black and white")("erik/photos/3j903")`, []string{"photo filters/black and white", "erik/photos/3j903"}, `(photo filters/black and white)(erik/photos/3j903)`},
	{`(photo filters/black and white)(erik/photos/3j903)`, []string{"photo filters/black and white", "erik/photos/3j903"}, `(photo filters/black and white)(erik/photos/3j903)`},
	{"  ( f )\n\t( g )  (  k  ) ", []string{"f", "g", "k"}, `(f)(g)(k)`},
	{`("a(b)")`, []string{"a(b)"}, `("a(b)")`},
	{`("say \"hi\"")`, []string{`say "hi"`}, `("say \"hi\"")`},
	{`("back\\slash")`, []string{`back\slash`}, `("back\\slash")`},
	{`(" lead")`, []string{" lead"}, `(" lead")`},
	{`( "x" )`, []string{"x"}, `(x)`},
	{`(ünïcode/ключ)`, []string{"ünïcode/ключ"}, `(ünïcode/ключ)`},
}

func TestParseAcceptsAndCanonicalises(t *testing.T) {
	for i, c := range parseCases {
		e, err := Parse(c.in)
		if err != nil {
			t.Fatalf("case %d: Parse(%q): %v", i, c.in, err)
		}
		if got := e.terms(); strings.Join(got, "|") != strings.Join(c.terms, "|") {
			t.Fatalf("case %d: terms %q, want %q", i, got, c.terms)
		}
		if got := e.String(); got != c.canon {
			t.Fatalf("case %d: String %q, want %q", i, got, c.canon)
		}
		back, err := Parse(e.String())
		if err != nil || !back.Equal(e) {
			t.Fatalf("case %d: Parse(String) = %v, %v", i, back, err)
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("case %d: Validate: %v", i, err)
		}
	}
}

func TestChainsApplyRightToLeft(t *testing.T) {
	e := MustParse(`(F)(G)(X)`)
	if e.Transform != "F" || e.Arg.Transform != "G" || !e.Arg.Arg.IsFetch() || e.Arg.Arg.Key != "X" {
		t.Fatalf("(F)(G)(X) parsed as %+v", e)
	}
	if !e.Equal(Apply("F", Apply("G", Fetch("X")))) {
		t.Fatal("Equal disagrees with the built tree")
	}
	if e.Depth() != 3 {
		t.Fatalf("depth %d", e.Depth())
	}
}

func TestParseErrorsSayColumnAndExpectation(t *testing.T) {
	cases := []struct {
		in     string
		is     error
		column int
		want   string // substring of the message
	}{
		{``, ErrEmpty, 0, "write a key"},
		{`   `, ErrEmpty, 0, "write a key"},
		{`erik/x`, ErrSyntax, 1, `"(" to start a term`},
		{`(a)b`, ErrSyntax, 4, `"(" to start a term`},
		{`(a`, ErrSyntax, 3, `")" to close the term`},
		{`()`, ErrSyntax, 2, "a key"},
		{`(  )`, ErrSyntax, 4, "a key"},
		{`(a(b))`, ErrSyntax, 3, "must be quoted"},
		{`(a"b)`, ErrSyntax, 3, "must be quoted"},
		{`("abc)`, ErrSyntax, 7, "close the quoted key"},
		{`("a\nb")`, ErrSyntax, 5, "the only escapes"},
		{`("a" b)`, ErrSyntax, 6, `")" after the quoted key`},
		{`(é)(x`, ErrSyntax, 6, `")" to close the term`},
		{`(/a)`, ErrBadKey, 0, "starts or ends with /"},
		{`(a//b)`, ErrBadKey, 0, "empty segment"},
		{`("a` + "\x01" + `")`, ErrBadKey, 0, "control character"},
		{`("")`, ErrBadKey, 0, "empty key"},
		{"(" + strings.Repeat("k", 513) + ")", ErrBadKey, 0, "max 512"},
		{strings.Repeat("(a)", 17), ErrTooDeep, 0, "more than 16"},
		{strings.Repeat(" ", 4097), ErrTooLong, 0, "4097 bytes"},
		{"(\xff)", ErrSyntax, 0, "not UTF-8"},
	}
	for i, c := range cases {
		_, err := Parse(c.in)
		if !errors.Is(err, c.is) {
			t.Fatalf("case %d: Parse(%q) = %v, want %v", i, c.in, err, c.is)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Fatalf("case %d: message %q lacks %q", i, err, c.want)
		}
		var se *SyntaxError
		if c.column > 0 {
			if !errors.As(err, &se) || se.Column != c.column {
				t.Fatalf("case %d: %v: want column %d", i, err, c.column)
			}
		}
	}
}

func TestDepthSixteenAccepted(t *testing.T) {
	if _, err := Parse(strings.Repeat("(a)", MaxDepth)); err != nil {
		t.Fatal(err)
	}
}

func TestCanonicalTextBoundHolds(t *testing.T) {
	// 8 keys of 512 bytes are valid keys but 4 KiB of text plus parens.
	k := strings.Repeat("k", wire.MaxKeySize)
	e := fromTerms([]string{k, k, k, k, k, k, k, k})
	if err := e.Validate(); !errors.Is(err, ErrTooLong) {
		t.Fatalf("Validate = %v, want ErrTooLong", err)
	}
	if _, err := Decode(e.Canonical()); !errors.Is(err, wire.ErrMalformed) || !errors.Is(err, ErrTooLong) {
		t.Fatalf("Decode = %v", err)
	}
}

func TestCanonicalEncodingRoundTrips(t *testing.T) {
	for i, c := range parseCases {
		e := MustParse(c.in)
		b := e.Canonical()
		d, err := Decode(b)
		if err != nil {
			t.Fatalf("case %d: Decode: %v", i, err)
		}
		if !d.Equal(e) || !bytes.Equal(d.Canonical(), b) || d.ID() != e.ID() {
			t.Fatalf("case %d: round trip differs", i)
		}
	}
}

func TestCanonicalEncodingLayout(t *testing.T) {
	got := MustParse(`(f)(ab)`).Canonical()
	want := []byte{2, 1, 'f', 2, 'a', 'b'}
	if !bytes.Equal(got, want) {
		t.Fatalf("Canonical = %x, want %x", got, want)
	}
}

func TestDecodeRejects(t *testing.T) {
	cases := [][]byte{
		{},                   // no count
		{0},                  // no terms
		{1},                  // missing key
		{1, 0},               // empty key
		{1, 1, 'a', 0},       // trailing byte
		{1, 2, 'a'},          // short key
		{1, 0x81, 0x00, 'a'}, // non-minimal varint
		{17},                 // too many terms
		{1, 2, '/', 'a'},     // invalid key
		bytes.Repeat([]byte{1}, MaxCanonical+1),
	}
	for i, b := range cases {
		if _, err := Decode(b); !errors.Is(err, wire.ErrMalformed) {
			t.Fatalf("case %d: Decode(%x) = %v, want ErrMalformed", i, b, err)
		}
	}
}

func TestIDIgnoresSpellingAndSeparatesRequests(t *testing.T) {
	a := MustParse(`("photo filters/black and white")("erik/photos/3j903")`)
	b := MustParse(` (photo filters/black and white) ( erik/photos/3j903 )`)
	if a.ID() != b.ID() {
		t.Fatal("same request, different IDs")
	}
	if a.ID() != wire.TaggedSum("bitverse/request/v1", a.Canonical()) {
		t.Fatal("ID is not the tagged hash of the canonical encoding")
	}
	// Term boundaries are part of the encoding: (ab) ≠ (a)(b) ≠ (a/b).
	ids := map[wire.Hash]string{}
	for _, s := range []string{`(ab)`, `(a)(b)`, `(b)(a)`, `(a/b)`, `(a)(a)(b)`} {
		id := MustParse(s).ID()
		if prev, ok := ids[id]; ok {
			t.Fatalf("%s and %s share an ID", s, prev)
		}
		ids[id] = s
	}
}

func TestInputsListsTransformsAndFetchOnce(t *testing.T) {
	got := MustParse(`(f)(g)(f)(x)`).Inputs()
	if strings.Join(got, "|") != "f|g|x" {
		t.Fatalf("Inputs = %q", got)
	}
}

func TestValidateRejectsMisshapenTrees(t *testing.T) {
	cases := []*Expr{
		nil,
		{},
		{Transform: "f"},
		{Key: "k", Transform: "f", Arg: Fetch("x")},
		{Transform: "f", Arg: Fetch("/bad")},
	}
	for i, e := range cases {
		if err := e.Validate(); err == nil {
			t.Fatalf("case %d: Validate accepted %+v", i, e)
		}
	}
}
