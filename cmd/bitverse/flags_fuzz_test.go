package main

import (
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// FuzzParseCaps: --caps of `relay register` never panics, names only the
// capabilities there are, and accepts exactly the lists made of them.
func FuzzParseCaps(f *testing.F) {
	for _, s := range []string{"", "recompute", "recompute,recompute", " recompute , ", "fly", "recompute,fly", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		caps, err := parseCaps(s)
		valid := true
		for _, name := range strings.Split(s, ",") {
			if n := strings.TrimSpace(name); n != "" && n != "recompute" {
				valid = false
			}
		}
		if (err == nil) != valid {
			t.Fatalf("parseCaps(%q): err %v, want valid=%v", s, err, valid)
		}
		if err != nil {
			if caps != 0 {
				t.Fatalf("parseCaps(%q) refused but returned caps %b", s, caps)
			}
			return
		}
		if caps&^wire.RelayCapRecompute != 0 {
			t.Fatalf("parseCaps(%q) = %b: a bit no capability has", s, caps)
		}
		if want := strings.Contains(s, "recompute"); (caps != 0) != want {
			t.Fatalf("parseCaps(%q) = %b, recompute named: %v", s, caps, want)
		}
	})
}

// FuzzParseBountyID: a bounty ID is exactly a hash the wire layer parses,
// and the refusal says what a bounty ID is.
func FuzzParseBountyID(f *testing.F) {
	for _, s := range []string{"", strings.Repeat("ab", 32), strings.Repeat("AB", 32), strings.Repeat("0", 63), strings.Repeat("g", 64), " " + strings.Repeat("1", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseBountyID(s)
		want, werr := wire.ParseHash(s)
		if (err == nil) != (werr == nil) {
			t.Fatalf("parseBountyID(%q) err %v, wire.ParseHash err %v", s, err, werr)
		}
		if err != nil {
			if !strings.Contains(err.Error(), "is not a bounty ID") {
				t.Fatalf("refusal %q does not say what is wrong", err)
			}
			return
		}
		if id != want {
			t.Fatalf("parseBountyID(%q) = %s, want %s", s, id, want)
		}
	})
}

// FuzzParsePoolID: a pool ID is exactly a hash the wire layer parses, and
// the refusal says what a pool ID is.
func FuzzParsePoolID(f *testing.F) {
	for _, s := range []string{"", strings.Repeat("cd", 32), strings.Repeat("0", 65), "pool"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parsePoolID(s)
		want, werr := wire.ParseHash(s)
		if (err == nil) != (werr == nil) {
			t.Fatalf("parsePoolID(%q) err %v, wire.ParseHash err %v", s, err, werr)
		}
		if err != nil {
			if !strings.Contains(err.Error(), "is not a pool id") {
				t.Fatalf("refusal %q does not say what is wrong", err)
			}
			return
		}
		if id != want {
			t.Fatalf("parsePoolID(%q) = %s, want %s", s, id, want)
		}
	})
}
