package wire

import (
	"strings"
	"testing"
)

// Seeds: the inputs of the table tests (TestParseAmount, TestParseChainID,
// TestHashText), valid and invalid.
var (
	amountSeeds = []string{"0", "1", "12", "1.5", "1.50000000", "0.00000001", ".5", "007", "  2.25  ", "3 BVS", "3BVS",
		"150000000u", "0u", "18446744073709551615u", "184467440737.09551615", "184467440737", "", "   ", "BVS", "1.", ".",
		"0.000000001", "1.123456789", "-1", "+1", "1e8", "1,5", "1.5.0", "1.-5", "1.+5", "0x10", "1_000", "1 000", "1.٥",
		"abc", "1.5u", "u", "-5u", "18446744073709551616u", "184467440737.09551616", "184467440738", "99999999999999999999"}
	chainSeeds = []string{"/", "", "  /  ", "0", "1", "/1", "01", "10", "0001", "1101", "2", "0/1", "//", "01 1", "x", "٠",
		strings.Repeat("1", MaxChainDepth), strings.Repeat("0", MaxChainDepth+1)}
	hashSeeds = []string{strings.Repeat("a0", HashSize), strings.Repeat("A0", HashSize), "", strings.Repeat("0", 63),
		strings.Repeat("0", 65), "zz" + strings.Repeat("0", 62)}
)

// FuzzParseAmount: ParseAmount never panics, and an accepted amount
// formats to text that parses back to it (FormatAmount is its canonical
// form).
func FuzzParseAmount(f *testing.F) {
	for _, s := range amountSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseAmount(s)
		if err != nil {
			return
		}
		text := FormatAmount(v)
		back, err := ParseAmount(text)
		if err != nil || back != v {
			t.Fatalf("%q → %d → %q → %d, %v", s, v, text, back, err)
		}
		if FormatAmount(back) != text {
			t.Fatalf("FormatAmount is not canonical for %d", v)
		}
	})
}

// FuzzParseChainID: ParseChainID never panics, what it accepts is a chain
// of at most MaxChainDepth levels with no stray bits, and its name parses
// back to it.
func FuzzParseChainID(f *testing.F) {
	for _, s := range chainSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseChainID(s)
		if err != nil {
			return
		}
		if c.Depth > MaxChainDepth || (c.Depth < 32 && c.Bits>>c.Depth != 0) {
			t.Fatalf("%q → depth %d bits %b", s, c.Depth, c.Bits)
		}
		name := c.String()
		back, err := ParseChainID(name)
		if err != nil || back != c {
			t.Fatalf("%q → %v → %q → %v, %v", s, c, name, back, err)
		}
		if want := strings.TrimPrefix(strings.TrimSpace(s), "/"); name != want && !(want == "" && name == "/") {
			t.Fatalf("%q is named %q", s, name)
		}
	})
}

// FuzzParseHash: ParseHash never panics, and an accepted hash is the
// input read as hex (String gives it in lower case).
func FuzzParseHash(f *testing.F) {
	for _, s := range hashSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHash(s)
		if err != nil {
			return
		}
		if h.String() != strings.ToLower(s) {
			t.Fatalf("%q parsed to %s", s, h)
		}
		if back, err := ParseHash(h.String()); err != nil || back != h {
			t.Fatalf("round trip of %s: %v, %v", h, back, err)
		}
	})
}
