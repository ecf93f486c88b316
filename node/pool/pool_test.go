package pool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

// stubChain stands in for the chain's pool state in the unit tests of
// this package (the devnet tests use a real node): a key's value, pools,
// challenges and confirmed transactions, and what was submitted.
type stubChain struct {
	mu        sync.Mutex
	height    uint64
	values    map[string][]byte
	pools     map[wire.Hash]*node.PoolInfo
	chals     []node.ChallengeInfo
	txs       map[wire.Hash]*wire.Tx
	submitted []wire.Body
	blocks    chan uint64
}

func newStubChain() *stubChain {
	return &stubChain{values: map[string][]byte{}, pools: map[wire.Hash]*node.PoolInfo{},
		txs: map[wire.Hash]*wire.Tx{}, blocks: make(chan uint64, 16)}
}

func (c *stubChain) Height(context.Context) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.height, nil
}
func (c *stubChain) Pool(_ context.Context, id wire.Hash) (*node.PoolInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pools[id]
	if !ok {
		return nil, fmt.Errorf("%w: no pool", node.ErrNotFound)
	}
	cp := *p
	return &cp, nil
}
func (c *stubChain) Pools(_ context.Context, f node.PoolFilter) ([]node.PoolInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []node.PoolInfo
	for _, p := range c.pools {
		if f.Member == "" || isMember(p, f.Member) {
			out = append(out, *p)
		}
	}
	return out, nil
}
func (c *stubChain) Challenges(context.Context, wire.PubKey) ([]node.ChallengeInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]node.ChallengeInfo(nil), c.chals...), nil
}
func (c *stubChain) Value(_ context.Context, _, key string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.values[key]
	if !ok {
		return nil, node.ErrNotFound
	}
	return v, nil
}
func (c *stubChain) Tx(_ context.Context, id wire.Hash) (*wire.Tx, uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	tx, ok := c.txs[id]
	if !ok {
		return nil, 0, node.ErrNotFound
	}
	return tx, 1, nil
}
func (c *stubChain) Submit(_ context.Context, k wire.PrivKey, body wire.Body) (wire.Hash, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.submitted = append(c.submitted, body)
	tx := wire.NewTx(wire.RootChain, body, uint64(len(c.submitted)), 0)
	tx.Sign(wire.Devnet, k)
	return tx.ID(), nil
}
func (c *stubChain) Blocks(context.Context) (<-chan uint64, error) { return c.blocks, nil }

func (c *stubChain) answers() []wire.PoolAnswer {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []wire.PoolAnswer
	for _, b := range c.submitted {
		if a, ok := b.(wire.PoolAnswer); ok {
			out = append(out, a)
		}
	}
	return out
}

func key(t testing.TB, seed byte) wire.PrivKey {
	k, err := wire.PrivKeyFromBytes(bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed)}).Read(b)
	return b
}

// keyPool adds a key pool over value at key with the given members.
func (c *stubChain) keyPool(key string, value []byte, members ...wire.PubKey) *node.PoolInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.values[key] = value
	p := &node.PoolInfo{ID: wire.Sum([]byte(key)), Target: node.PoolTarget{Kind: "key", Chain: "/", Key: key,
		Hash: KeyHash(value), Size: uint64(len(value)), SegmentRoot: wire.SegmentRoot(value)}, Replicas: 3, Tier: 3}
	for _, m := range members {
		p.Members = append(p.Members, node.PoolMemberInfo{PubKey: hexKey(m), Tier: 3})
	}
	c.pools[p.ID] = p
	return p
}

func newHost(t testing.TB) host.Host {
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"), libp2p.DisableRelay())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// TestDataChecksSegmentRoot: Data returns a key pool's value only when it
// has the pool's size and segment root, refuses data beyond MaxData and
// a kind it does not serve; Answer builds an answer the chain's rule
// (wire.VerifySegment) accepts for every segment.
func TestDataChecksSegmentRoot(t *testing.T) {
	c := newStubChain()
	value := randomBytes(5000, 1)
	p := c.keyPool("public/v", value)
	ctx := context.Background()
	data, tree, err := Data(ctx, c, nil, p, DefaultMaxData, false)
	if err != nil || !bytes.Equal(data, value) {
		t.Fatalf("Data = %d bytes, %v", len(data), err)
	}
	for i := range uint32(5) {
		ans, err := Answer(node.ChallengeInfo{Pool: p.ID, Epoch: 7, Segment: i}, data, tree)
		if err != nil || !wire.VerifySegment(p.Target.SegmentRoot, p.Target.Size, i, ans.Segment, ans.Branch) || ans.Epoch != 7 {
			t.Fatalf("segment %d: answer %v does not verify", i, err)
		}
	}
	if _, err := Answer(node.ChallengeInfo{Segment: 5}, data, tree); err == nil {
		t.Fatal("answered a segment past the end")
	}
	wrong := *p
	wrong.Target.SegmentRoot[0] ^= 1
	if _, _, err := Data(ctx, c, nil, &wrong, DefaultMaxData, false); !errors.Is(err, ErrWrongData) {
		t.Fatalf("wrong root: %v", err)
	}
	wrong = *p
	wrong.Target.Size++
	if _, _, err := Data(ctx, c, nil, &wrong, DefaultMaxData, false); !errors.Is(err, ErrWrongData) {
		t.Fatalf("wrong size: %v", err)
	}
	if _, _, err := Data(ctx, c, nil, p, 4000, false); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	wrong = *p
	wrong.Target.Kind = "other"
	if _, _, err := Data(ctx, c, nil, &wrong, DefaultMaxData, false); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("unknown kind: %v", err)
	}
}

// TestServiceAnswersOpenChallenges: the service answers each open,
// unanswered challenge of its identity once (not again while the answer
// has blocks to be mined), skips answered and expired ones, and records
// them in the served pool's history; when the data is gone it answers
// nothing and records why.
func TestServiceAnswersOpenChallenges(t *testing.T) {
	c := newStubChain()
	me := key(t, 1)
	value := randomBytes(3000, 2)
	p := c.keyPool("public/v", value, me.PubKey())
	c.height = 10
	c.chals = []node.ChallengeInfo{
		{Pool: p.ID, Epoch: 2, Segment: 1, Deadline: 20},
		{Pool: p.ID, Epoch: 1, Segment: 0, Deadline: 9},                  // expired
		{Pool: p.ID, Epoch: 3, Segment: 2, Deadline: 30, Answered: true}, // done
	}
	s, err := New(Config{Key: &me, Poll: time.Hour}, Deps{Net: wire.Devnet, Chain: c})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	waitFor(t, "an answer", func() bool { return len(c.answers()) == 1 })
	a := c.answers()[0]
	if a.Pool != p.ID || a.Epoch != 2 || a.Index != 1 || !wire.VerifySegment(p.Target.SegmentRoot, p.Target.Size, 1, a.Segment, a.Branch) {
		t.Fatalf("answer %+v", a)
	}
	c.blocks <- 11
	sv := servedNow(t, s)
	if len(sv) != 1 || len(sv[0].History) != 1 || sv[0].History[0].Tx.IsZero() || len(c.answers()) != 1 {
		t.Fatalf("served %+v, %d answers", sv, len(c.answers()))
	}
	// The data is gone: the next challenge cannot be answered.
	c.mu.Lock()
	c.values["public/v"] = []byte("other")
	c.chals = append(c.chals, node.ChallengeInfo{Pool: p.ID, Epoch: 4, Segment: 0, Deadline: 40})
	c.mu.Unlock()
	c.blocks <- 12
	waitFor(t, "the failure in the history", func() bool {
		sv := servedNow(t, s)
		return len(sv) == 1 && len(sv[0].History) == 2 && sv[0].History[1].Error != ""
	})
	if len(c.answers()) != 1 {
		t.Fatalf("answered without the data: %d answers", len(c.answers()))
	}
}

func servedNow(t testing.TB, s *Service) []Served {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sv, err := s.Served(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

func waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRedeemOverRealHosts: a member serves the data of a confirmed
// redemption over /bitverse/<net>/pool/2 and the redeemer checks it;
// without a redemption on chain it refuses unsigned; a member that lost
// its data signs a refusal the redeemer verifies and reports.
func TestRedeemOverRealHosts(t *testing.T) {
	c := newStubChain()
	me, redeemer := key(t, 1), key(t, 2)
	value := randomBytes(40_000, 3)
	p := c.keyPool("public/v", value, me.PubKey())
	mh, rh := newHost(t), newHost(t)
	rh.Peerstore().AddAddrs(mh.ID(), mh.Addrs(), time.Hour)
	s, err := New(Config{Key: &me, Poll: time.Hour}, Deps{Net: wire.Devnet, Chain: c, Host: mh})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	ctx := context.Background()
	red := wire.NewTx(wire.RootChain, wire.TokenRedeem{Pool: p.ID, Epoch: 1}, 0, 0)
	red.Sign(wire.Devnet, redeemer)
	var got bytes.Buffer
	if _, _, err := Redeem(ctx, rh, wire.Devnet, mh.ID(), p, red.ID(), 0, &got); !errors.Is(err, ErrNoRedemption) {
		t.Fatalf("redeem before the redemption is on chain: %v", err)
	}
	c.mu.Lock()
	c.txs[red.ID()] = red
	c.mu.Unlock()
	next, ref, err := Redeem(ctx, rh, wire.Devnet, mh.ID(), p, red.ID(), 0, &got)
	if err != nil || ref != nil || next != 1 || !bytes.Equal(got.Bytes(), value) {
		t.Fatalf("redeem: %d bytes, next block %d, %v, %v", got.Len(), next, ref, err)
	}
	// A redemption of another pool does not count.
	other := c.keyPool("public/w", []byte("w"), me.PubKey())
	if _, _, err := Redeem(ctx, rh, wire.Devnet, mh.ID(), other, red.ID(), 0, io.Discard); !errors.Is(err, ErrNoRedemption) {
		t.Fatalf("redeem of another pool: %v", err)
	}
	// The member loses its data: it signs a refusal.
	c.mu.Lock()
	c.values["public/v"] = []byte("lost")
	c.mu.Unlock()
	_, ref, err = Redeem(ctx, rh, wire.Devnet, mh.ID(), p, red.ID(), 0, io.Discard)
	if !errors.Is(err, ErrRefused) || ref == nil || ref.Member != me.PubKey() {
		t.Fatalf("refusal: %v, %+v", err, ref)
	}
	if wire.Verify(ref.Member, wire.RefusalHash(wire.Devnet, p.ID, red.ID()), ref.Sig) != nil {
		t.Fatal("the refusal's signature does not verify")
	}
	if _, err := Report(ctx, c, redeemer, p.ID, red.ID(), ref); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	rep, ok := c.submitted[len(c.submitted)-1].(wire.PoolReport)
	c.mu.Unlock()
	if !ok || rep.Member != me.PubKey() || rep.Redemption != red.ID() || !bytes.Equal(rep.Evidence, ref.Sig[:]) {
		t.Fatalf("report %+v", rep)
	}
}

// TestFetchSaysWhyNoMemberServed: Fetch checks the redemption on chain
// before asking anyone, finds a connected member that speaks the pool
// protocol by itself, returns the data it serves, and says which failure
// it met: not confirmed, no member, every member refused in writing (with
// the refusal, checked, to report).
func TestFetchSaysWhyNoMemberServed(t *testing.T) {
	c := newStubChain()
	me, redeemer := key(t, 1), key(t, 2)
	value := randomBytes(30_000, 4)
	p := c.keyPool("public/f", value, me.PubKey())
	mh, rh := newHost(t), newHost(t)
	s, err := New(Config{Key: &me, Poll: time.Hour}, Deps{Net: wire.Devnet, Chain: c, Host: mh})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	ctx := context.Background()
	deps := Deps{Net: wire.Devnet, Chain: c, Host: rh}
	red := wire.NewTx(wire.RootChain, wire.TokenRedeem{Pool: p.ID, Epoch: 1}, 0, 0)
	red.Sign(wire.Devnet, redeemer)
	if _, err := Fetch(ctx, deps, p.ID, red.ID(), io.Discard); !errors.Is(err, ErrNotConfirmed) {
		t.Fatalf("fetch before the redemption is on chain: %v", err)
	}
	c.mu.Lock()
	c.txs[red.ID()] = red
	c.mu.Unlock()
	var fe *FetchError
	if _, err := Fetch(ctx, deps, p.ID, red.ID(), io.Discard); !errors.Is(err, ErrNoMember) || !errors.As(err, &fe) || fe.Asked != 0 {
		t.Fatalf("fetch with no member reachable: %v", err)
	}
	if err := rh.Connect(ctx, peer.AddrInfo{ID: mh.ID(), Addrs: mh.Addrs()}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 30*time.Second, "the member's protocols known", func() error {
		if ps, _ := rh.Peerstore().SupportsProtocols(mh.ID(), Proto(wire.Devnet)); len(ps) == 0 {
			return errors.New("not yet")
		}
		return nil
	})
	var got bytes.Buffer
	f, err := Fetch(ctx, deps, p.ID, red.ID(), &got)
	if err != nil || !bytes.Equal(got.Bytes(), value) || f.Size != uint64(len(value)) || f.Peer != mh.ID() || len(f.Refusals) != 0 {
		t.Fatalf("fetch from the connected member: %+v, %v", f, err)
	}
	c.mu.Lock()
	c.values["public/f"] = []byte("lost")
	c.mu.Unlock()
	_, err = Fetch(ctx, deps, p.ID, red.ID(), io.Discard)
	if !errors.Is(err, ErrAllRefused) || !errors.As(err, &fe) || len(fe.Refusals) != 1 || fe.Refusals[0].Member != me.PubKey() {
		t.Fatalf("fetch from a member that lost the data: %v", err)
	}
	back, err := fe.Refusals[0].Info().Parse()
	if err != nil || back != fe.Refusals[0] {
		t.Fatalf("refusal through its hex form: %+v, %v", back, err)
	}
}
