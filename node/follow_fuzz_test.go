package node

import (
	"slices"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
)

// FuzzParseFollow: ParseFollow never panics; what it accepts lies within
// the tree, formats back with FormatFollow and re-parses to the same set;
// what it refuses, it refuses with a --follow sentence.
func FuzzParseFollow(f *testing.F) {
	for _, c := range parseFollowCases {
		f.Add(c.in)
	}
	p := consensus.Devnet()
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := ParseFollow(s, p)
		if err != nil {
			if ids != nil || !strings.HasPrefix(err.Error(), "--follow: ") {
				t.Fatalf("ParseFollow(%q) = %v, %v; want no set and a --follow error", s, ids, err)
			}
			return
		}
		if ids != nil && len(ids) == 0 {
			t.Fatalf("ParseFollow(%q) = an empty set, not every chain (nil) nor an error", s)
		}
		for _, id := range ids {
			if id.Depth > p.MaxDepth || id.Bits>>id.Depth != 0 {
				t.Fatalf("ParseFollow(%q) gave %+v, outside the tree of depth %d", s, id, p.MaxDepth)
			}
		}
		text := FormatFollow(ids)
		again, err := ParseFollow(text, p)
		if err != nil || (ids == nil) != (again == nil) || !slices.Equal(ids, again) {
			t.Fatalf("ParseFollow(%q) = %v; formatted %q re-parses to %v, %v", s, ids, text, again, err)
		}
	})
}
