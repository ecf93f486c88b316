package wire

import (
	"fmt"
	"strings"
)

// MaxChainDepth bounds the blocktree's depth in any network.
const MaxChainDepth = 32

// ChainID names a chain of the blocktree by a bit-string prefix of key paths.
// The root is depth 0, shown as "/"; its children are "0" and "1", then
// "00"…"11", and so on. Bits holds the prefix in its low Depth bits, most
// significant first.
type ChainID struct {
	Depth uint8
	Bits  uint32
}

// RootChain is the root of the blocktree.
var RootChain = ChainID{}

// ParseChainID parses "/" or a string of 0s and 1s (a leading "/" is allowed).
func ParseChainID(s string) (ChainID, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "/")
	if len(s) > MaxChainDepth {
		return ChainID{}, fmt.Errorf("%w: %q is deeper than %d", ErrBadChain, s, MaxChainDepth)
	}
	var c ChainID
	for _, ch := range s {
		c.Bits <<= 1
		switch ch {
		case '0':
		case '1':
			c.Bits |= 1
		default:
			return ChainID{}, fmt.Errorf("%w: %q (a chain is / or a string of 0s and 1s)", ErrBadChain, s)
		}
		c.Depth++
	}
	return c, nil
}

// String returns "/" for the root, else the bit string.
func (c ChainID) String() string {
	if c.Depth == 0 {
		return "/"
	}
	var b strings.Builder
	for i := int(c.Depth) - 1; i >= 0; i-- {
		if c.Bits>>uint(i)&1 == 1 {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	return b.String()
}

// IsRoot reports whether c is the root chain.
func (c ChainID) IsRoot() bool { return c.Depth == 0 }

// Parent returns the chain one level up (the root is its own parent).
func (c ChainID) Parent() ChainID {
	if c.Depth == 0 {
		return c
	}
	return ChainID{Depth: c.Depth - 1, Bits: c.Bits >> 1}
}

// Child returns the child chain on side bit (0 or 1). It panics below
// MaxChainDepth, which no network reaches.
func (c ChainID) Child(bit uint32) ChainID {
	if c.Depth >= MaxChainDepth {
		panic("wire: ChainID.Child below MaxChainDepth")
	}
	return ChainID{Depth: c.Depth + 1, Bits: c.Bits<<1 | bit&1}
}

// ForPath returns the chain at depth d that holds key path p: the first d
// bits of p.
func ForPath(p Hash, d uint8) ChainID {
	d = min(d, MaxChainDepth)
	var bits uint32
	for i := 0; i < int(d); i++ {
		bit := uint32(p[i/8]>>(7-uint(i%8))) & 1
		bits = bits<<1 | bit
	}
	return ChainID{Depth: d, Bits: bits}
}

// TreeChains lists every chain of a tree d levels deep, root first, then
// by depth and prefix (parents before children).
func TreeChains(d uint8) []ChainID {
	out := []ChainID{RootChain}
	for i := 0; i < len(out); i++ {
		if out[i].Depth < d {
			out = append(out, out[i].Child(0), out[i].Child(1))
		}
	}
	return out
}

// Contains reports whether key path p falls under chain c.
func (c ChainID) Contains(p Hash) bool { return ForPath(p, c.Depth) == c }

// valid reports whether Bits fits in Depth bits.
func (c ChainID) valid() bool {
	return c.Depth <= MaxChainDepth && (c.Depth == 32 || c.Bits>>c.Depth == 0)
}

func (w *Writer) chainID(c ChainID) {
	w.U8(c.Depth)
	w.U32(c.Bits)
}

func (r *Reader) chainID() ChainID {
	c := ChainID{Depth: r.U8(), Bits: r.U32()}
	if r.err == nil && !c.valid() {
		r.Fail(fmt.Errorf("%w: %w: chain depth %d bits %#x", ErrMalformed, ErrBadChain, c.Depth, c.Bits))
	}
	return c
}
