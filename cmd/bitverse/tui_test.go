package main

import "testing"

// TestTUITakesNoMDNS: `bitverse tui --no-mdns` and `bitverse --no-mdns`
// (the TUI with no command) take --no-mdns as `node` does, and the
// embedded node gets it; without the flag mDNS stays on.
func TestTUITakesNoMDNS(t *testing.T) {
	cases := []struct {
		args []string
		want bool
	}{
		{[]string{"tui", "--no-mdns"}, true},
		{[]string{"tui"}, false},
		{[]string{"--no-mdns"}, true},
		{nil, false},
	}
	for i, c := range cases {
		root := newRoot()
		cmd, rest, err := root.Find(c.args)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Fatalf("case %d (%v): %v", i, c.args, err)
		}
		if got, err := cmd.Flags().GetBool("no-mdns"); err != nil || got != c.want {
			t.Errorf("case %d (%v): --no-mdns is %v (%v), want %v", i, c.args, got, err, c.want)
		}
	}
	for _, on := range []bool{false, true} {
		f := tuiFlags{follow: "01", noMDNS: on}.embedded()
		if f.noMDNS != on || f.follow != "01" || f.rpc != "127.0.0.1:0" {
			t.Errorf("embedded node flags %+v from --no-mdns=%v", f, on)
		}
	}
}
