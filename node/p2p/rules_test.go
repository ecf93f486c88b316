package p2p

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/mempool"
	"github.com/bitverse/bitverse/node/store"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

func TestFaults(t *testing.T) {
	rule := func(c consensus.ErrorCode) error { return consensus.Rule(c, "x") }
	blocks := []struct {
		err  error
		want fault
	}{
		{errors.New("disk full"), faultNone},
		{rule(consensus.ErrTimeTooNew), faultNone},
		{rule(consensus.ErrHighHash), faultBan},
		{rule(consensus.ErrBadTxRoot), faultBan},
		{rule(consensus.ErrBadSignature), faultBan},
		{rule(consensus.ErrMalformed), faultBan},
		{rule(consensus.ErrBadStateRoot), faultPenalty},
		{rule(consensus.ErrInvalidAncestor), faultPenalty},
		{rule(consensus.ErrScriptRejected), faultPenalty},
		{fmt.Errorf("wrapped: %w", rule(consensus.ErrBadBits)), faultBan},
	}
	for i, tc := range blocks {
		if got := blockFault(tc.err); got != tc.want {
			t.Errorf("block case %d: %v → %d, want %d", i, tc.err, got, tc.want)
		}
	}
	txs := []struct {
		err  error
		want fault
	}{
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrBadSignature)), faultBan},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrFeeTooLow)), faultBan},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrBadNonce)), faultNone},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrInsufficientFunds)), faultNone},
		{mempool.ErrNonceGap, faultNone},
		// Keyspace state and script verdicts depend on the state: a relayer
		// at another tip may have seen the write allowed.
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrScriptRejected)), faultNone},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrKeyspaceTaken)), faultNone},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrNoKeyspace)), faultNone},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrNotOwner)), faultNone},
		// A bounty's state, deadline and parties, the registry and the
		// lineups drawn depend on the tip: a relay's countersign that
		// crossed the requester's dispute is nobody's fault.
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrBountyState)), faultNone},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrNoBounty)), faultNone},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrSettleWindow)), faultNone},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrNoSlot)), faultNone},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrSlotOrder)), faultNone},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrRelayWindow)), faultNone},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrNotInLineup)), faultNone},
		// Reserved relay caps bits or too many hops never become valid.
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrBadRelay)), faultBan},
		// A script that does not compile never will.
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrBadScript)), faultBan},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrBadKeyspaceName)), faultBan},
		// Pools: an answer for the epoch a peer ahead already opened, a
		// redemption or report of another epoch, a member that left.
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrNoChallenge)), faultNone},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrBadAnswer)), faultNone},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrPoolEpoch)), faultNone},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrNoToken)), faultNone},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrNotMember)), faultNone},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrPoolState)), faultNone},
		// A pool's or a tumble's shape never becomes valid.
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrBadPool)), faultBan},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrTumbleKey)), faultBan},
		{fmt.Errorf("%w: %w", mempool.ErrBadTx, rule(consensus.ErrTumbleSum)), faultBan},
	}
	for i, tc := range txs {
		if got := txFault(tc.err); got != tc.want {
			t.Errorf("tx case %d: %v → %d, want %d", i, tc.err, got, tc.want)
		}
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(10, 20)
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	p := peer.ID("a")
	for i := 0; i < 20; i++ {
		if !l.take(p, 1) {
			t.Fatalf("burst: request %d refused", i)
		}
	}
	if l.take(p, 1) {
		t.Fatal("over the burst: accepted")
	}
	if !l.take(peer.ID("b"), 1) {
		t.Fatal("another peer is limited by the first one's bucket")
	}
	now = now.Add(500 * time.Millisecond) // 5 tokens back
	for i := 0; i < 5; i++ {
		if !l.take(p, 1) {
			t.Fatalf("refill: request %d refused", i)
		}
	}
	if l.take(p, 1) {
		t.Fatal("refill gave more than the rate")
	}
}

func TestBansPersist(t *testing.T) {
	db, err := store.OpenBuckets(filepath.Join(t.TempDir(), PeersFile), store.Peers)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Unix(5000, 0)
	clock := func() time.Time { return now }
	b, _ := loadBans(db, clock)
	_, pub, _ := crypto.GenerateEd25519Key(nil)
	id, _ := peer.IDFromPublicKey(pub)
	_, pub2, _ := crypto.GenerateEd25519Key(nil)
	id2, _ := peer.IDFromPublicKey(pub2)
	b.add(id, time.Hour, "sent junk")
	b.add(id2, time.Minute, "short")
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	b2, err := loadBans(db, clock)
	if err != nil {
		t.Fatal(err)
	}
	if info, ok := b2.banned(id); !ok || info.Reason != "sent junk" || !info.Until.Equal(now.Add(time.Hour)) {
		t.Fatalf("ban not reloaded: %+v %v", info, ok)
	}
	if !b2.Contains(id2) || len(b2.list()) != 2 {
		t.Fatalf("list %v", b2.list())
	}
	now = now.Add(2 * time.Minute) // id2's ban expires
	if b2.Contains(id2) || len(b2.list()) != 1 {
		t.Fatalf("expired ban still in force: %v", b2.list())
	}
	if ok, _ := b2.remove(id); !ok {
		t.Fatal("remove reported no ban")
	}
	b3, _ := loadBans(db, clock)
	if len(b3.list()) != 0 {
		t.Fatalf("bans after unban and expiry: %v", b3.list())
	}
}

func TestParseListen(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
		bad  bool
	}{
		{[]string{"/ip4/127.0.0.1/tcp/4001"}, []string{"/ip4/127.0.0.1/tcp/4001"}, false},
		{[]string{":4001"}, []string{"/ip4/127.0.0.1/tcp/4001", "/ip4/127.0.0.1/udp/4001/quic-v1"}, false},
		{[]string{"0.0.0.0:9"}, []string{"/ip4/0.0.0.0/tcp/9", "/ip4/0.0.0.0/udp/9/quic-v1"}, false},
		{[]string{"[::1]:9"}, []string{"/ip6/::1/tcp/9", "/ip6/::1/udp/9/quic-v1"}, false},
		{[]string{"localhost:9"}, nil, true},
		{[]string{"127.0.0.1:99999"}, nil, true},
		{[]string{"/ip4/nonsense"}, nil, true},
	}
	for i, tc := range tests {
		got, err := ParseListen(tc.in)
		if tc.bad {
			if !errors.Is(err, ErrBadAddr) {
				t.Errorf("case %d: err %v, want ErrBadAddr", i, err)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("case %d: got %v %v, want %v", i, got, err, tc.want)
		}
	}
}

func TestLoadIdentityPersists(t *testing.T) {
	dir := t.TempDir()
	_, id1, err := LoadIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, id2, err := LoadIdentity(dir)
	if err != nil || id1 != id2 {
		t.Fatalf("peer id changed across loads: %s %s %v", id1, id2, err)
	}
}

// TestBanWritesAreBatched: a storm of bans is written in a few
// transactions, not one fsync'd commit per ban, and all of them are on
// disk once flushed.
func TestBanWritesAreBatched(t *testing.T) {
	db, err := store.OpenBuckets(filepath.Join(t.TempDir(), PeersFile), store.Peers)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b, _ := loadBans(db, time.Now)
	const n = 200
	var ids []peer.ID
	for i := 0; i < n; i++ {
		_, pub, _ := crypto.GenerateEd25519Key(nil)
		id, _ := peer.IDFromPublicKey(pub)
		ids = append(ids, id)
	}
	st := db.Stats()
	before := st.TxStats.GetWrite()
	for _, id := range ids {
		b.add(id, time.Hour, "storm")
		if !b.Contains(id) {
			t.Fatal("a ban is not in force when add returns")
		}
	}
	if err := b.flush(); err != nil {
		t.Fatal(err)
	}
	st = db.Stats()
	writes := st.TxStats.GetWrite() - before
	t.Logf("%d bans: %d page writes", n, writes)
	if writes >= n {
		t.Fatalf("%d bans took %d page writes: one commit per ban", n, writes)
	}
	b2, _ := loadBans(db, time.Now)
	if len(b2.list()) != n {
		t.Fatalf("%d bans on disk, want %d", len(b2.list()), n)
	}
}

// FuzzParseListen: any spec list is either refused with ErrBadAddr or
// turned into multiaddrs that parse, two (TCP and QUIC) per host:port.
func FuzzParseListen(f *testing.F) {
	for _, s := range []string{"", ":0", "127.0.0.1:4001", "[::1]:9", "/ip4/127.0.0.1/tcp/0", "/ip4/1.2.3.4/udp/5/quic-v1",
		"localhost:1", ":99999", "/not/a/multiaddr", "1.2.3.4", "[::1", "::1:80"} {
		f.Add(s, "")
		f.Add(s, ":0")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		out, err := ParseListen([]string{a, b})
		if err != nil {
			if !errors.Is(err, ErrBadAddr) {
				t.Fatalf("ParseListen(%q, %q): error %v does not wrap ErrBadAddr", a, b, err)
			}
			return
		}
		want := 0
		for _, s := range []string{a, b} {
			switch {
			case s == "":
			case s[0] == '/':
				want++
			default:
				want += 2
			}
		}
		if len(out) != want {
			t.Fatalf("ParseListen(%q, %q) = %d addresses %v, want %d", a, b, len(out), out, want)
		}
		for _, s := range out {
			if _, err := ma.NewMultiaddr(s); err != nil {
				t.Fatalf("ParseListen(%q, %q) gave %q, which does not parse: %v", a, b, s, err)
			}
		}
	})
}

// TestFreeRefusals: a used nonce is never charged; a market move refused
// by the bounty's state is free staleFree times a root block per peer,
// then charged; a refusal for funds, a bad signature or a script is never
// free.
func TestFreeRefusals(t *testing.T) {
	rule := func(c consensus.ErrorCode) error {
		return fmt.Errorf("%w: %w", mempool.ErrBadTx, consensus.Rule(c, "x"))
	}
	g := &gossip{stale: map[peer.ID]int{}}
	for i := 0; i < 3*staleFree; i++ {
		if !g.freeRefusal("p", rule(consensus.ErrBadNonce)) {
			t.Fatalf("used nonce %d charged", i)
		}
	}
	for i := 0; i < staleFree; i++ {
		if !g.freeRefusal("p", rule(consensus.ErrBountyState)) {
			t.Fatalf("stale market refusal %d charged", i)
		}
	}
	if g.freeRefusal("p", rule(consensus.ErrRelayWindow)) {
		t.Fatalf("stale market refusal %d free", staleFree)
	}
	if !g.freeRefusal("q", rule(consensus.ErrNoSlot)) {
		t.Fatal("another peer's first stale refusal charged")
	}
	if !g.freeRefusal("q", rule(consensus.ErrNoChallenge)) {
		t.Fatal("a pool answer for the next epoch charged")
	}
	for _, c := range []consensus.ErrorCode{consensus.ErrInsufficientFunds, consensus.ErrBadSignature, consensus.ErrScriptRejected} {
		if g.freeRefusal("r", rule(c)) {
			t.Fatalf("%v free", c)
		}
	}
}
