//go:build long

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

// TestDevnetNewNodeExploresWhatItNeverFollowed is the acceptance of
// network discovery with real processes: node A writes in three keyspaces
// (music on a branch), posts a bounty and stores a transform (on a
// branch); a new node N, started with only A's address and following no
// branch (--follow /), lists all of it with explore --json, every entry
// saying where it was proven (the branch ones: blocks fetched from A,
// checked against their headers). The time from N's start to the first
// complete listing is logged (the target is 10 s; BenchmarkTimeToFirstDiscovery
// measures it in process). The lying peer half of the acceptance is
// TestExploreBansPeerServingBlockNotMatchingItsHeader (package p2p),
// which needs a hostile host.
func TestDevnetNewNodeExploresWhatItNeverFollowed(t *testing.T) {
	a := fundedDataDir(t)
	startNode(t, a, "--mine")
	waitBalance(t, a, "", wire.Unit)
	ok := func(dir string, args ...string) string {
		t.Helper()
		out, stderr, code := cli(t, dir, nil, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		return out
	}
	script := filepath.Join(t.TempDir(), "music.js")
	os.WriteFile(script, []byte("// Songs, one key per track\nfunction validate(write, ctx) { return write.signer === ctx.owner; }\n"), 0o600)
	ok(a, "keyspace", "buy", "gallery", "--yes")
	ok(a, "keyspace", "buy", "notes", "--yes")
	ok(a, "keyspace", "buy", "music", "--script", script, "--yes", "--wait")
	ok(a, "put", "gallery/sunset", "orange")
	ok(a, "put", "notes/todo", "buy milk", "--wait")
	branch := map[string]string{}
	for key, value := range map[string]string{
		"music/track-1": "la la la",
		"public/bw":     "/* Black and white: drops the colours */\nfunction transform(input, ctx) { return input; }\n",
	} {
		var ti node.TxInfo
		if err := json.Unmarshal([]byte(ok(a, "put", key, value, "--depth", "1", "--wait", "--json")), &ti); err != nil || ti.Chain == "" {
			t.Fatalf("put %s --depth 1: %v %+v", key, err, ti)
		}
		branch[key] = ti.Chain
	}
	var st struct{ Height uint64 }
	json.Unmarshal([]byte(ok(a, "status", "--json")), &st)
	ok(a, "bounty", "fund", wire.Sum([]byte("(public/bw)(gallery/sunset)")).String(), "1",
		"--deadline", strconv.FormatUint(st.Height+500, 10), "--yes", "--wait")
	aInfo := netInfoOf(t, a)

	n := t.TempDir()
	start := time.Now()
	startNode(t, n, "--follow", "/", "--bootstrap", tcpAddr(t, aInfo))
	var ex node.Explore
	testutil.Eventually(t, 120*time.Second, "N's explore to list what A wrote", func() error {
		out, stderr, code := cli(t, n, nil, "explore", "--json")
		if code != 0 {
			return errors.New(stderr)
		}
		ex = node.Explore{}
		if err := json.Unmarshal([]byte(out), &ex); err != nil {
			return err
		}
		var miss []string
		names := map[string]string{}
		for _, k := range ex.Keyspaces {
			names[k.Name] = k.Proven
		}
		for _, name := range []string{"gallery", "notes", "music"} {
			if !strings.HasPrefix(names[name], "root state at height ") {
				miss = append(miss, "keyspace "+name)
			}
		}
		writes := map[string]node.ExploreWrite{}
		for _, w := range ex.Writes {
			writes[w.Key] = w
		}
		for _, k := range []string{"gallery/sunset", "notes/todo"} {
			if w := writes[k]; w.Chain != "/" || w.Proven != node.ProvenStored {
				miss = append(miss, "root write "+k)
			}
		}
		for k, c := range branch {
			if w := writes[k]; w.Chain != c || w.Proven != fmt.Sprintf("block %s of %s fetched from %s, checked against its header", w.Block.Short(), c, aInfo.ID) {
				miss = append(miss, fmt.Sprintf("branch write %s (%+v)", k, w))
			}
		}
		tr := false
		for _, x := range ex.Transforms {
			tr = tr || (x.Key == "public/bw" && x.Chain == branch["public/bw"] && x.Description == "Black and white: drops the colours" && strings.Contains(x.Proven, "fetched from"))
		}
		if !tr {
			miss = append(miss, "transform public/bw")
		}
		if len(ex.Bounties) == 0 || ex.Bounties[0].Amount != wire.Unit || !strings.HasPrefix(ex.Bounties[0].Proven, "root state") {
			miss = append(miss, "bounty")
		}
		if len(miss) > 0 {
			return errors.New("missing: " + strings.Join(miss, "; "))
		}
		return nil
	})
	t.Logf("N listed everything %s after it was started (fetch: %+v)", time.Since(start).Round(time.Millisecond), ex.Fetch)
	if d := time.Since(start); d > 10*time.Second {
		t.Logf("over the 10 s target: %s (a loaded machine?)", d)
	}
	human := ok(n, "explore")
	if !strings.Contains(human, "fetched from") || !strings.Contains(human, "music/track-1") {
		t.Fatalf("explore's text on N:\n%s", human)
	}
}
