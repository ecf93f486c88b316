package wire

import (
	"errors"
	"strings"
	"testing"
)

func TestParseChainID(t *testing.T) {
	tests := []struct {
		in      string
		want    ChainID
		str     string
		wantErr bool
	}{
		{"/", RootChain, "/", false},
		{"", RootChain, "/", false},
		{"  /  ", RootChain, "/", false},
		{"0", ChainID{1, 0}, "0", false},
		{"1", ChainID{1, 1}, "1", false},
		{"/1", ChainID{1, 1}, "1", false},
		{"01", ChainID{2, 1}, "01", false},
		{"10", ChainID{2, 2}, "10", false},
		{"0001", ChainID{4, 1}, "0001", false},
		{"1101", ChainID{4, 13}, "1101", false},
		{strings.Repeat("1", MaxChainDepth), ChainID{MaxChainDepth, 0xffffffff}, strings.Repeat("1", MaxChainDepth), false},
		{"/" + strings.Repeat("0", MaxChainDepth), ChainID{MaxChainDepth, 0}, strings.Repeat("0", MaxChainDepth), false},

		{strings.Repeat("0", MaxChainDepth+1), ChainID{}, "", true},
		{"2", ChainID{}, "", true},
		{"0/1", ChainID{}, "", true},
		{"//", ChainID{}, "", true},
		{"01 1", ChainID{}, "", true},
		{"x", ChainID{}, "", true},
		{"٠", ChainID{}, "", true}, // Arabic-Indic zero
	}
	for i, tc := range tests {
		got, err := ParseChainID(tc.in)
		if tc.wantErr {
			if !errors.Is(err, ErrBadChain) {
				t.Errorf("case %d: ParseChainID(%q) = %v, %v; want ErrBadChain", i, tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("case %d: ParseChainID(%q) = %+v, %v; want %+v", i, tc.in, got, err, tc.want)
			continue
		}
		if s := got.String(); s != tc.str {
			t.Errorf("case %d: String = %q, want %q", i, s, tc.str)
		}
		if back, err := ParseChainID(got.String()); err != nil || back != got {
			t.Errorf("case %d: String does not parse back: %v, %v", i, back, err)
		}
		if got.IsRoot() != (got.Depth == 0) {
			t.Errorf("case %d: IsRoot = %v", i, got.IsRoot())
		}
	}
}

func TestChainIDFamily(t *testing.T) {
	if RootChain.Parent() != RootChain {
		t.Error("root's parent is not the root")
	}
	tests := []struct {
		parent string
		bit    uint32
		child  string
	}{
		{"/", 0, "0"},
		{"/", 1, "1"},
		{"0", 1, "01"},
		{"1", 0, "10"},
		{"101", 1, "1011"},
		{"101", 3, "1011"}, // only the low bit counts
		{"101", 2, "1010"},
		{strings.Repeat("1", MaxChainDepth-1), 0, strings.Repeat("1", MaxChainDepth-1) + "0"},
	}
	for i, tc := range tests {
		p, _ := ParseChainID(tc.parent)
		c := p.Child(tc.bit)
		if c.String() != tc.child {
			t.Errorf("case %d: %s.Child(%d) = %s, want %s", i, tc.parent, tc.bit, c, tc.child)
		}
		if !c.valid() {
			t.Errorf("case %d: child %+v is not a valid chain", i, c)
		}
		if c.Parent() != p {
			t.Errorf("case %d: %s.Parent() = %s, want %s", i, c, c.Parent(), p)
		}
	}
}

func TestForPath(t *testing.T) {
	var p Hash
	p[0], p[1], p[2], p[3], p[4] = 0b1011_0000, 0xff, 0x00, 0x5a, 0x80
	tests := []struct {
		depth uint8
		want  string
	}{
		{0, "/"},
		{1, "1"},
		{2, "10"},
		{4, "1011"},
		{8, "10110000"},
		{9, "101100001"},
		{16, "1011000011111111"},
		{MaxChainDepth, "10110000111111110000000001011010"},
	}
	for i, tc := range tests {
		c := ForPath(p, tc.depth)
		if c.String() != tc.want || c.Depth != tc.depth {
			t.Errorf("case %d: ForPath(depth %d) = %s, want %s", i, tc.depth, c, tc.want)
		}
		if !c.Contains(p) {
			t.Errorf("case %d: %s does not contain its own path", i, c)
		}
		if !RootChain.Contains(p) {
			t.Errorf("case %d: root does not contain the path", i)
		}
		if tc.depth > 0 {
			// The sibling never contains the path.
			sib := c.Parent().Child(c.Bits&1 ^ 1)
			if sib.Contains(p) {
				t.Errorf("case %d: sibling %s contains the path", i, sib)
			}
		}
	}
	// Each key lands in exactly one chain per depth.
	key := KeyPath("erik/photos/3j903")
	for d := uint8(1); d <= 6; d++ {
		n := 0
		for b := uint32(0); b < 1<<d; b++ {
			if (ChainID{Depth: d, Bits: b}).Contains(key) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("depth %d: %d chains contain the key", d, n)
		}
	}
}

func TestChainIDValid(t *testing.T) {
	tests := []struct {
		c  ChainID
		ok bool
	}{
		{RootChain, true},
		{ChainID{1, 1}, true},
		{ChainID{31, 1<<31 - 1}, true},
		{ChainID{32, 0xffffffff}, true},
		{ChainID{0, 1}, false},
		{ChainID{1, 2}, false},
		{ChainID{31, 1 << 31}, false},
		{ChainID{33, 0}, false},
	}
	for i, tc := range tests {
		if tc.c.valid() != tc.ok {
			t.Errorf("case %d: %+v valid = %v, want %v", i, tc.c, tc.c.valid(), tc.ok)
		}
		w := NewWriter(0)
		w.chainID(tc.c)
		r := NewReader(w.Bytes())
		got := r.chainID()
		err := r.Done()
		if tc.ok && (err != nil || got != tc.c) {
			t.Errorf("case %d: decode %+v = %+v, %v", i, tc.c, got, err)
		}
		if !tc.ok && !errors.Is(err, ErrBadChain) {
			t.Errorf("case %d: decode %+v: err = %v, want ErrBadChain", i, tc.c, err)
		}
	}
}
