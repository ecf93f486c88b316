package node

import (
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// TestEditFollow follows and unfollows chains of the devnet tree (depth 3):
// more of everything is everything; unfollowing from everything starts
// from every branch; unfollowing a chain drops the chains below it.
func TestEditFollow(t *testing.T) {
	p := consensus.Devnet()
	ids := func(s string) []wire.ChainID {
		set, err := ParseFollow(s, p)
		if err != nil {
			t.Fatal(err)
		}
		return set
	}
	tests := []struct {
		cur, chains string
		add         bool
		want        string
	}{
		{"all", "01", true, "all"},
		{"1", "01", true, "1,01"},
		{"1,01", "01", true, "1,01"},
		{"all", "1", false, "0,00,01,000,001,010,011"},
		{"0,00,01,000,001,010,011", "00", false, "0,01,010,011"},
		{"01", "01", false, "0"},
		{"1,01,011", "0", false, "1"}, // 01 and 011 lie below 0
		{"1,10,011", "0", false, "1,10"},
	}
	for i, tc := range tests {
		got := FormatFollow(EditFollow(ids(tc.cur), ids(tc.chains), tc.add, p))
		if got != tc.want {
			t.Errorf("case %d: %s %v %s = %s, want %s", i, tc.cur, tc.add, tc.chains, got, tc.want)
		}
	}
}
