//go:build long

package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/wire"
)

// TestBountyCommands drives the on-chain bounty commands on a lone mining
// node: fund a bounty nobody takes, see it in show and bounties (--open,
// --mine, --json), have settle and dispute refused in a sentence, refund
// it at the deadline, and read a reputation record. It waits for some
// twenty blocks (long); TestBountyReadsWithoutBlocks is its fast part.
func TestBountyCommands(t *testing.T) {
	t.Parallel() // a lone node of its own: it mostly waits for block intervals
	dir := t.TempDir()
	restoreTestWallet(t, dir)
	startNode(t, dir, "--mine")
	waitBalance(t, dir, "", 10*100_000_000)

	ok := func(args ...string) string {
		t.Helper()
		out, stderr, code := cli(t, dir, nil, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		return out
	}
	refused := func(want string, args ...string) {
		t.Helper()
		_, stderr, code := cli(t, dir, nil, args...)
		if code == 0 || !strings.Contains(stderr, want) || strings.Contains(stderr, "goroutine") {
			t.Fatalf("%v: exit %d, stderr %q; want a refusal mentioning %q", args, code, stderr, want)
		}
	}
	height := func() uint64 {
		var st struct{ Height uint64 }
		json.Unmarshal([]byte(ok("status", "--json")), &st)
		return st.Height
	}
	me := strings.TrimSpace(ok("wallet", "address"))

	// fund returns the ID of a new bounty of 2 BVS with the deadline given.
	fund := func(request string, deadline uint64) string {
		t.Helper()
		var sent struct{ ID wire.Hash } // the confirmed tx: its ID is the bounty's
		if err := json.Unmarshal([]byte(ok("bounty", "fund", request, "2", "--deadline", strconv.FormatUint(deadline, 10), "--wait", "--json")), &sent); err != nil {
			t.Fatal(err)
		}
		return sent.ID.String()
	}
	request := wire.Sum([]byte("(public/hello)")).String()
	soon := height() + 12
	near := fund(request, soon)
	far := height() + 1000
	id := fund(request, far)

	var b struct {
		ID, State, Requester, Worker string
		Amount, Deadline             uint64
	}
	json.Unmarshal([]byte(ok("bounty", "show", id, "--json")), &b)
	if b.ID != id || b.State != "open" || b.Requester != me || b.Worker != "" || b.Amount != 2*wire.Unit || b.Deadline != far {
		t.Fatalf("bounty show: %+v", b)
	}
	if human := ok("bounty", "show", id); !strings.Contains(human, "any (open)") || !strings.Contains(human, "bitverse bounty refund "+id) {
		t.Fatalf("bounty show:\n%s", human)
	}
	for _, args := range [][]string{{"bounties", "--open", "--json"}, {"bounties", "--mine", "--json"}} {
		var list []struct{ ID string }
		json.Unmarshal([]byte(ok(args...)), &list)
		if len(list) != 2 || list[0].ID != id || list[1].ID != near {
			t.Fatalf("%v: %+v, want the two bounties newest first", args, list)
		}
	}
	if out := ok("bounties", "--state", "settled", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("settled bounties: %s", out)
	}
	refused("unknown bounty state", "bounties", "--state", "paid")
	refused("is open; only a committed bounty can be settled", "bounty", "settle", id, "--yes")
	refused("is open; only a committed result can be disputed", "bounty", "dispute", id, "--yes")
	refused(fmt.Sprintf("can be refunded from its deadline, block %d", far), "bounty", "refund", id, "--yes")
	refused("is not a bounty ID", "bounty", "show", "erik")
	refused("no bounty", "bounty", "show", wire.Sum([]byte("nothing")).String())

	testutil.Eventually(t, 120*time.Second, "the first bounty's deadline", func() error {
		if h := height(); h+1 < soon {
			return fmt.Errorf("height %d, deadline %d", h, soon)
		}
		return nil
	})
	ok("bounty", "refund", near, "--yes", "--wait")
	json.Unmarshal([]byte(ok("bounty", "show", near, "--json")), &b)
	if b.State != "refunded" {
		t.Fatalf("after refund: %+v", b)
	}

	var rep map[string]any
	json.Unmarshal([]byte(ok("reputation", me, "--json")), &rep)
	if rep["address"] != me || rep["done"] != float64(0) || rep["disputes_raised"] != float64(0) {
		t.Fatalf("reputation: %v", rep)
	}
	refused("neither an address nor", "reputation", "erik")
}
