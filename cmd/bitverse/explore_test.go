package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

// TestExploreFindAndKeyspaceListAll runs the discovery commands on the
// shared funded chain: after a keyspace buy, writes, a transform and a
// bounty, explore lists each, find says where each match was proven, and
// keyspace list --all pages through every keyspace.
func TestExploreFindAndKeyspaceListAll(t *testing.T) {
	t.Parallel()
	dir := fundedDataDir(t)
	startNode(t, dir, "--mine")
	ok := func(args ...string) string {
		t.Helper()
		out, stderr, code := cli(t, dir, nil, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		return out
	}
	script := filepath.Join(t.TempDir(), "gallery.js")
	os.WriteFile(script, []byte("// Photos, only the owner adds\nfunction validate(write, ctx) { return write.signer === ctx.owner; }\n"), 0o600)
	ok("keyspace", "buy", "gallery", "--script", script, "--yes")
	ok("keyspace", "buy", "notes", "--yes", "--wait")
	ok("put", "gallery/sunset", "orange")
	ok("put", "public/bw", "// Black and white photos\nfunction transform(input, ctx) { return input; }\n")
	var st struct{ Height uint64 }
	json.Unmarshal([]byte(ok("status", "--json")), &st)
	ok("bounty", "fund", wire.Sum([]byte("(public/bw)(gallery/sunset)")).String(), "1", "--deadline", strconv.FormatUint(st.Height+100, 10), "--yes", "--wait")

	var ex node.Explore
	if err := json.Unmarshal([]byte(ok("explore", "--json")), &ex); err != nil {
		t.Fatal(err)
	}
	names := func() (s []string) {
		for _, k := range ex.Keyspaces {
			s = append(s, k.Name+"="+k.Description)
		}
		return s
	}()
	if !strings.Contains(strings.Join(names, ","), "gallery=Photos, only the owner adds") {
		t.Fatalf("explore keyspaces: %v", names)
	}
	if len(ex.Transforms) == 0 || ex.Transforms[0].Key != "public/bw" || ex.Transforms[0].Description != "Black and white photos" {
		t.Fatalf("explore transforms: %+v", ex.Transforms)
	}
	if len(ex.Bounties) == 0 || ex.Bounties[0].Amount != wire.Unit {
		t.Fatalf("explore bounties: %+v", ex.Bounties)
	}
	found := false
	for _, w := range ex.Writes {
		found = found || (w.Key == "gallery/sunset" && w.Chain == "/" && w.Height > 0)
	}
	if !found {
		t.Fatalf("explore writes lack gallery/sunset: %+v", ex.Writes)
	}
	human := ok("explore")
	for _, want := range []string{"KEYSPACES", "gallery", "TRANSFORMS", "public/bw", "OPEN BOUNTIES", "BUSIEST BRANCHES"} {
		if !strings.Contains(human, want) {
			t.Fatalf("explore's text lacks %q:\n%s", want, human)
		}
	}

	var res []node.FindResult
	if err := json.Unmarshal([]byte(ok("find", "gallery", "--json")), &res); err != nil {
		t.Fatal(err)
	}
	got := map[string]node.FindResult{}
	for _, r := range res {
		got[r.Kind+" "+r.Name] = r
	}
	if r := got["keyspace gallery"]; r.Chain != "/" || r.Height == 0 || r.Match != "prefix" {
		t.Fatalf("find gallery: %+v", res)
	}
	if r := got["key gallery/sunset"]; r.Chain != "/" || r.Height == 0 {
		t.Fatalf("find gallery: %+v", res)
	}
	if out := ok("find", "black and white"); !strings.Contains(out, "transform") || !strings.Contains(out, "public/bw") || !strings.Contains(out, "chain / at") {
		t.Fatalf("find by description:\n%s", out)
	}
	if out := ok("find", "zzz-nothing"); !strings.Contains(out, "nothing matches") {
		t.Fatalf("find of nothing:\n%s", out)
	}

	var page node.KeyspacePage
	json.Unmarshal([]byte(ok("keyspace", "list", "--all", "--limit", "1", "--json")), &page)
	if len(page.Keyspaces) != 1 || page.Keyspaces[0].Name != "gallery" || page.Next != "gallery" {
		t.Fatalf("first page: %+v", page)
	}
	if out := ok("keyspace", "list", "--all", "--after", page.Next); !strings.Contains(out, "notes") || strings.Contains(out, "gallery") {
		t.Fatalf("second page:\n%s", out)
	}
	if _, stderr, code := cli(t, dir, nil, "keyspace", "list", "--after", "x"); code == 0 || !strings.Contains(stderr, "add --all") {
		t.Fatalf("--after without --all: exit %d, %s", code, stderr)
	}
}
