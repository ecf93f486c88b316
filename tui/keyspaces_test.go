package tui

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/mempool"
	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// blogScript is erik's access script in the fixtures: long enough to
// scroll at 80×24.
const blogScript = `// access.js of erik: a microblog.
//
// Keys:    erik/<handle>/<post>
// Values:  the post, 1 to 140 characters.
//
// A handle belongs to whoever registered the sub-keyspace
// erik/<handle>; only its owner may post under it.

const MAX_CHARS = 140;

function validate(write, ctx) {
  const prefix = ctx.keyspace + '/';
  const parts = write.key.slice(prefix.length).split('/');
  if (parts.length !== 2) {
    throw 'keys here look like ' + prefix + '<handle>/<post>';
  }
  const owner = ctx.ownerOf(prefix + parts[0]);
  if (owner === null) {
    throw '@' + parts[0] + ' is not registered yet';
  }
  if (owner !== write.signer) {
    throw '@' + parts[0] + ' belongs to ' + owner;
  }
  if (Array.from(write.value).length > MAX_CHARS) {
    throw 'posts are at most ' + MAX_CHARS + ' characters';
  }
  return true;
}
`

// editedScript is what the test editor saves.
const editedScript = `// access.js: only the owner, and posts of at most 280 bytes.
function validate(write, ctx) {
  if (write.signer !== ctx.owner) {
    throw 'only the owner of ' + ctx.keyspace + ' may write here';
  }
  if (write.size > 280) {
    throw 'at most 280 bytes';
  }
  return true;
}
`

// ownedKeyspaces: the wallet owns erik (with a script), erik/blog and
// games (without); alice belongs to someone else, and her script refuses
// every write that is not alice/<handle>/<post>.
func ownedKeyspaces(api *fakeAPI) {
	richChain(api)
	api.addKeyspace("erik", testAddr, 9_870, blogScript)
	api.addKeyspace("erik/blog", testAddr, 9_950, "")
	api.addKeyspace("games", testAddr, 9_990, "")
	api.addKeyspace("alice", otherAddr, 9_000, blogScript)
	api.refuse = func(tx *wire.Tx) error {
		if p, ok := tx.Body.(wire.Put); ok && wire.KeyspaceOf(p.Key) == "alice" && strings.Count(p.Key, "/") != 2 {
			return fmt.Errorf("%w: %w", mempool.ErrBadTx, consensus.Rule(consensus.ErrScriptRejected,
				"keyspace %q refused the write: %s", "alice", "keys here look like alice/<handle>/<post>"))
		}
		return nil
	}
}

func TestFixtureScriptsCompile(t *testing.T) {
	t.Parallel()
	for i, src := range []string{blogScript, editedScript} {
		if _, err := script.Compile([]byte(src)); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
	}
}

// newKeyspaceHarness is ready on the keyspaces view with ownedKeyspaces
// and 100 BVS to spend.
func newKeyspaceHarness(t *testing.T, w, ht int) *harness {
	t.Helper()
	h := newReadyHarness(t, 9_999, w, ht)
	ownedKeyspaces(h.api)
	h.api.accounts[testAddr] = node.AccountInfo{Balance: 100 * wire.Unit, NextNonce: 7}
	h.exec(h.a.requestBalances())
	h.press("5", "K")
	h.mustSee("owned by", "erik/blog")
	return h
}

func (h *harness) keyspaces() *keyspacesView { return h.a.screens[tabData].(*dataScreen).ks }

func TestKeyspaceListAndShow(t *testing.T) {
	t.Parallel()
	h := newKeyspaceHarness(t, 80, 24)
	h.mustSee("erik", "erik/blog", "games", "#9,870", "none")
	h.mustNotSee("alice") // not ours
	h.press("enter")
	h.mustSee("owner", "you", "block #9,870 · 130 confirmations", "16 BVS to buy it today", "access.js", "lines 1–")
	h.mustNotSee("return true;")
	h.press("G")
	h.mustSee("return true;")
	h.press("esc", "down", "enter")
	h.mustSee("erik/blog", "inside", "none · only the owner may write", "0.01 BVS")
	h.press("esc", "K")
	h.mustSee("prefix")
}

func TestKeyspaceOpenAnyName(t *testing.T) {
	t.Parallel()
	h := newKeyspaceHarness(t, 80, 24)
	h.press("o")
	h.typeText("alice")
	h.press("enter")
	h.mustSee("alice", otherAddr[:12], "access.js")
	h.mustNotSee("e edits it") // not ours
	h.press("e")
	h.mustSee("Only the owner of alice may change its script")
	h.press("esc", "o")
	h.typeText("zed")
	h.press("enter")
	h.mustSee("free", "nobody owns it", "32 BVS", "b buys it")
	h.press("b")
	h.mustSee("Buy a keyspace", "zed")
}

func TestKeyspaceBuyRefusesInvalidNames(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, want string }{
		{"", "Enter the name of a keyspace"},
		{"public", "public is open to everyone"},
		{"public/mine", "public is open to everyone"},
		{"/erik", "Not a keyspace name: key \"/erik\" starts or ends with /."},
		{"a//b", "has an empty segment"},
		{"erik/", "starts or ends with /"},
		{"erik", "erik is taken: it belongs to you"},
		{"alice", otherAddr + "."}, // wrapped after "alice is taken: it belongs to"
	}
	for i, c := range cases {
		h := newKeyspaceHarness(t, 80, 24)
		h.press("b")
		h.typeText(c.name)
		h.press("enter")
		if m := h.keyspaces().mode; m != ksBuy {
			t.Fatalf("case %d: %q left the form (mode %d):\n%s", i, c.name, m, h.screen())
		}
		if f := h.keyspaces().buy.focus; f != 0 {
			t.Fatalf("case %d: %q moved on to the script field", i, c.name)
		}
		h.mustSee(c.want)
		if h.api.Submitted() != nil {
			t.Fatalf("case %d: submitted", i)
		}
	}
}

func TestKeyspaceBuyNeedsConfirmation(t *testing.T) {
	t.Parallel()
	h := newKeyspaceHarness(t, 80, 24)
	h.press("b")
	h.typeText("bitverse")
	h.mustSee("enter asks the node whether it is free, and its price")
	h.press("enter")
	h.mustSee("✓ free", "1 BVS")
	if f := h.keyspaces().buy.focus; f != 1 {
		t.Fatalf("a free name did not move on to the script field")
	}
	h.typeText("testdata/keyspaces/broken.js")
	h.press("enter")
	h.mustSee("The script broken.js does not compile: syntax error at line 2")
	if h.keyspaces().mode != ksBuy || h.api.Submitted() != nil {
		t.Fatalf("a script that does not compile went on:\n%s", h.screen())
	}
	h.press("ctrl+u")
	h.typeText("testdata/keyspaces/owner-only.js")
	h.press("enter")
	h.mustSee("Buy this keyspace?", "bitverse", "1 BVS", "fee", "total", "owner-only.js")
	if h.api.Submitted() != nil {
		t.Fatal("submitted before the confirmation")
	}
	h.press("n") // back to the form, values kept
	h.mustSee("Buy a keyspace", "owner-only.js")
	h.press("enter")
	h.mustSee("Buy this keyspace?")
	h.press("y")
	raw := h.api.Submitted()
	if raw == nil {
		t.Fatal("y did not submit")
	}
	tx, err := wire.DecodeTx(raw)
	if err != nil {
		t.Fatal(err)
	}
	b, ok := tx.Body.(wire.KeyspaceBuy)
	if !ok || b.Name != "bitverse" || b.MaxPrice != wire.Unit || !strings.Contains(string(b.Script), "only the owner") || tx.Nonce != 7 {
		t.Fatalf("wrong purchase: %+v nonce %d", tx.Body, tx.Nonce)
	}
	if want := h.a.s.params.MinFee(tx.Size()); tx.Fee != want {
		t.Fatalf("fee %d, want the minimum %d", tx.Fee, want)
	}
	h.mustSee("Bought bitverse")
	if h.keyspaces().mode != ksList {
		t.Fatalf("mode %d after buying", h.keyspaces().mode)
	}
}

func TestKeyspaceBuyNeedsFunds(t *testing.T) {
	t.Parallel()
	h := newKeyspaceHarness(t, 80, 24)
	h.api.accounts[testAddr] = node.AccountInfo{Balance: wire.Unit / 2, NextNonce: 7}
	h.press("b")
	h.typeText("bitverse")
	h.press("enter", "enter")
	h.mustSee("This needs 1.000", "but only 0.5 BVS is")
	if h.api.Submitted() != nil {
		t.Fatal("submitted without the funds")
	}
}

func TestKeyspaceEditScript(t *testing.T) {
	t.Parallel()
	h := newKeyspaceHarness(t, 80, 24)
	h.press("e") // erik, the first: the test editor saves editedScript
	h.mustSee("Replace the access script of erik?", view.Bytes(len(blogScript))+" → "+view.Bytes(len(editedScript)))
	if h.api.Submitted() != nil {
		t.Fatal("submitted before the confirmation")
	}
	h.press("y")
	tx, err := wire.DecodeTx(h.api.Submitted())
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := tx.Body.(wire.KeyspaceScript); !ok || b.Name != "erik" || string(b.Script) != editedScript {
		t.Fatalf("wrong script tx: %+v", tx.Body)
	}
	h.mustSee("New script of erik sent")
}

func TestKeyspaceEditUnchangedSendsNothing(t *testing.T) {
	t.Parallel()
	h := newKeyspaceHarness(t, 80, 24)
	h.a.s.runExec = testEditor(nil) // saved as it was
	h.press("e")
	h.mustSee("access.js of erik is unchanged; nothing was sent.")
	h.press("down", "e") // erik/blog has no script: the template opens
	h.mustSee("access.js of erik/blog is unchanged")
	if h.api.Submitted() != nil {
		t.Fatal("an unchanged script was sent")
	}
}

func TestKeyspaceEditThatDoesNotCompileIsKept(t *testing.T) {
	t.Parallel()
	h := newKeyspaceHarness(t, 80, 24)
	broken := "function validate(write, ctx) { return (; }\n"
	h.a.s.runExec = testEditor([]byte(broken))
	h.press("e")
	h.mustSee("The new access.js of erik does not compile: syntax error", "Press e to go on editing")
	if d := h.keyspaces().draft; string(d) != broken {
		t.Fatalf("the broken edit was not kept: %q", d)
	}
	// The next edit opens the draft; the editor fixes it.
	var opened string
	h.a.s.runExec = func(c *exec.Cmd, fn tea.ExecCallback) tea.Cmd {
		return func() tea.Msg {
			path := c.Args[len(c.Args)-1]
			b, _ := os.ReadFile(path)
			opened = string(b)
			os.WriteFile(path, []byte(editedScript), 0o600)
			return fn(nil)
		}
	}
	h.press("e")
	if opened != broken {
		t.Fatalf("the editor opened %q, want the draft", opened)
	}
	h.mustSee("Replace the access script of erik?")
}

func TestPutShowsTheScriptsReason(t *testing.T) {
	t.Parallel()
	h := newKeyspaceHarness(t, 80, 24)
	h.press("K", "p")
	h.typeText("alice/hello")
	h.press("tab")
	h.typeText("hi")
	h.press("enter") // the node's verdict comes with the plan: nothing is signed
	h.mustSee("The access script of alice refused this write:", "keys here look like alice/<handle>/<post>")
	if h.api.Submitted() != nil {
		t.Fatal("a refused write was submitted")
	}
	if h.a.screens[tabData].(*dataScreen).mode != dmPut {
		t.Fatal("a refused put left the form")
	}
	h.typeText("x") // typing clears it
	h.mustNotSee("refused this write")
}

func TestPutIntoAKeyspaceNobodyOwns(t *testing.T) {
	t.Parallel()
	h := newKeyspaceHarness(t, 80, 24)
	h.api.refuse = func(tx *wire.Tx) error {
		return fmt.Errorf("%w: %w", mempool.ErrBadTx, consensus.Rule(consensus.ErrNoKeyspace,
			"keyspace %q has not been bought (buy it with `bitverse keyspace buy %s`, or write under public/)", "zed", "zed"))
	}
	h.press("K", "p")
	h.typeText("zed/x")
	h.press("tab")
	h.typeText("hi")
	h.press("enter")
	h.mustSee("Nobody owns the keyspace zed yet.", "Buy it (esc, then K, then b)")
}

func TestKeyspaceScriptRefusedByTheCurrentScript(t *testing.T) {
	t.Parallel()
	h := newKeyspaceHarness(t, 80, 24)
	h.api.refuse = func(tx *wire.Tx) error {
		if _, ok := tx.Body.(wire.KeyspaceScript); ok {
			return fmt.Errorf("%w: %w", mempool.ErrBadTx, consensus.Rule(consensus.ErrScriptRejected,
				"keyspace %q refused the write: %s", "erik", "keys here look like erik/<handle>/<post>"))
		}
		return nil
	}
	h.press("e") // the node's verdict comes with the plan: no review, nothing signed
	h.mustSee("The access script of erik refused the new script of erik: “keys here look", "like erik/<handle>/<post>”.", "erik/access.js", "Press e to go on")
	if d := h.keyspaces().draft; string(d) != editedScript {
		t.Fatalf("the refused edit was not kept: %q", d)
	}
}

// Keyspace transactions fit the 9-cell type column of the history and the
// block's transaction list.
func TestTxKindFitsTheColumn(t *testing.T) {
	t.Parallel()
	for i, ty := range []wire.TxType{wire.TxCoinbase, wire.TxTransfer, wire.TxPut, wire.TxKeyspaceBuy, wire.TxKeyspaceScript, wire.TxKeyspaceTransfer} {
		if k := txKind(ty.String()); len(k) > 9 || k == "" {
			t.Errorf("case %d: %s shows as %q", i, ty, k)
		}
	}
}

// An editor that returns at once still takes execSettle, as Bubble Tea sees
// it (the renderer race of charmbracelet/bubbletea#1778), and its error
// comes through.
func TestSettledCmdTakesAtLeastExecSettle(t *testing.T) {
	t.Parallel()
	for i, name := range []string{"true", "false"} {
		start := time.Now()
		err := settledCmd{exec.Command(name)}.Run()
		if d := time.Since(start); d < execSettle {
			t.Fatalf("case %d: %s returned after %v", i, name, d)
		}
		if (err != nil) != (name == "false") {
			t.Fatalf("case %d: %s: err %v", i, name, err)
		}
	}
}
