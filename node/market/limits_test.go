package market

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/market/expr"
	"github.com/bitverse/bitverse/node/wire"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// bountyBook is a chain that knows a fixed set of bounties: what these
// tests check is the service's own judgement (limits, result checks);
// the chain's rules are node/state's, and the end-to-end tests run them.
type bountyBook struct{ bounties map[wire.Hash]*Bounty }

func (c bountyBook) Height(context.Context) (uint64, error) { return 1, nil }
func (c bountyBook) Bounty(_ context.Context, id wire.Hash) (*Bounty, error) {
	if b := c.bounties[id]; b != nil {
		cp := *b
		return &cp, nil
	}
	return nil, fmt.Errorf("bounty %s: %w", id.Short(), node.ErrNotFound)
}
func (c bountyBook) Bounties(context.Context, wire.PubKey) ([]Bounty, error) { return nil, nil }
func (c bountyBook) Record(context.Context, wire.PubKey) (Record, error)     { return Record{}, nil }
func (c bountyBook) Value(context.Context, string) ([]byte, error) {
	return nil, node.ErrNotFound
}
func (c bountyBook) Accept(context.Context, wire.PrivKey, wire.Hash, uint32) error { return nil }
func (c bountyBook) Commit(context.Context, wire.PrivKey, wire.Hash, wire.Hash, wire.Hash) error {
	return nil
}
func (c bountyBook) Settle(context.Context, wire.PrivKey, wire.Hash) error { return nil }
func (c bountyBook) Countersign(context.Context, wire.PrivKey, wire.Hash, uint8, wire.Hash, wire.Hash) error {
	return nil
}
func (c bountyBook) RelayMiss(context.Context, wire.PrivKey, wire.Hash, uint8) error { return nil }
func (c bountyBook) Dispute(context.Context, wire.PrivKey, wire.Hash) error          { return nil }
func (c bountyBook) Relayed(context.Context, wire.PubKey) ([]Bounty, error)          { return nil, nil }
func (c bountyBook) Drawn(context.Context) ([]Bounty, error)                         { return nil, nil }
func (c bountyBook) Relays(context.Context) ([]RelayRecord, error)                   { return nil, nil }
func (c bountyBook) Relay(context.Context, wire.PubKey) (*RelayRecord, error)        { return nil, nil }
func (c bountyBook) Terms() RelayTerms                                               { return RelayTerms{} }
func (c bountyBook) Blocks(context.Context) (<-chan uint64, error) {
	return make(chan uint64), nil
}

func newTestService(t *testing.T, chain Chain, clock func() time.Time) *Service {
	t.Helper()
	s, err := New(Config{}, Deps{Net: wire.Devnet, DataDir: t.TempDir(), Chain: chain, Now: clock,
		Transform: func(context.Context, string, []byte, string, wire.Hash, uint64) ([]byte, string, uint64, error) {
			return nil, "", 0, errors.New("none")
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return s
}

func testPeer(t testing.TB, i int) peer.ID {
	t.Helper()
	seed := make([]byte, 32)
	seed[0], seed[1] = byte(i), byte(i>>8)
	k, err := crypto.UnmarshalEd25519PrivateKey(append(seed, seed...)[:64])
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func gossipRequest(t testing.TB, key string, requester peer.ID, expires int64) []byte {
	e := expr.Fetch(key)
	r := Request{Net: wire.Devnet.ID, Expr: e.Canonical(), Peer: []byte(requester), Expires: expires, Nonce: 1}
	return r.Encode()
}

func TestGossipedRequestsAreRateLimitedPerPeer(t *testing.T) {
	at := time.Unix(now, 0)
	s := newTestService(t, bountyBook{}, func() time.Time { return at })
	flooder, other := testPeer(t, 1), testPeer(t, 2)
	accepted := 0
	for i := range requestBurst + 10 {
		if s.validateRequest(flooder, gossipRequest(t, fmt.Sprintf("public/k%d", i), flooder, now+60)) == pubsub.ValidationAccept {
			accepted++
		}
	}
	if accepted != requestBurst {
		t.Fatalf("a flooder got %d requests through, the burst is %d", accepted, requestBurst)
	}
	if got := s.validateRequest(other, gossipRequest(t, "public/other", other, now+60)); got != pubsub.ValidationAccept {
		t.Fatalf("another peer is limited too: %v", got)
	}
	at = at.Add(3 * time.Second) // three tokens back
	accepted = 0
	for i := range 5 {
		if s.validateRequest(flooder, gossipRequest(t, fmt.Sprintf("public/later%d", i), flooder, now+60)) == pubsub.ValidationAccept {
			accepted++
		}
	}
	if accepted != 3 {
		t.Fatalf("after 3 s the flooder got %d through, want 3", accepted)
	}
}

func TestGossipedRequestVerdicts(t *testing.T) {
	s := newTestService(t, bountyBook{}, func() time.Time { return time.Unix(now, 0) })
	p := testPeer(t, 3)
	wrongNet := Request{Net: wire.Mainnet.ID, Expr: expr.Fetch("public/a").Canonical(), Peer: []byte(p), Expires: now + 60}
	badExpr := Request{Net: wire.Devnet.ID, Expr: []byte{0}, Peer: []byte(p), Expires: now + 60}
	badPeer := Request{Net: wire.Devnet.ID, Expr: expr.Fetch("public/a").Canonical(), Peer: []byte("nobody"), Expires: now + 60}
	for name, c := range map[string]struct {
		data []byte
		want pubsub.ValidationResult
	}{
		"fresh":          {gossipRequest(t, "public/a", p, now+60), pubsub.ValidationAccept},
		"expired":        {gossipRequest(t, "public/a", p, now), pubsub.ValidationIgnore},
		"too far ahead":  {gossipRequest(t, "public/a", p, now+MaxTTL+1), pubsub.ValidationIgnore},
		"wrong network":  {wrongNet.Encode(), pubsub.ValidationReject},
		"bad expression": {badExpr.Encode(), pubsub.ValidationReject},
		"bad peer":       {badPeer.Encode(), pubsub.ValidationReject},
		"garbage":        {[]byte("garbage"), pubsub.ValidationReject},
		"oversize":       {make([]byte, MaxRequestSize+1), pubsub.ValidationReject},
	} {
		if got := s.validateRequest(p, c.data); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}

func TestLiveRequestsAreBounded(t *testing.T) {
	s := newTestService(t, bountyBook{}, func() time.Time { return time.Unix(now, 0) })
	for i := range MaxLiveRequests + 20 {
		p := testPeer(t, 100+i)
		s.validateRequest(p, gossipRequest(t, fmt.Sprintf("public/k%d", i), p, now+60+int64(i)))
	}
	rs, err := s.Requests(context.Background())
	if err != nil || len(rs) != MaxLiveRequests {
		t.Fatalf("%d live requests (%v), bound %d", len(rs), err, MaxLiveRequests)
	}
}

// A delivered result is taken only when it is what the bounty committed.
func TestReceivedResultIsCheckedAgainstTheCommitment(t *testing.T) {
	worker := testKey(t, 9)
	e := expr.Fetch("public/x")
	request := e.ID()
	value := []byte("the result")
	env := &Envelope{Bounty: wire.Sum([]byte("b1")), Request: request, Kind: KindString, Fuel: 5}
	env.Seal(wire.Devnet, worker, value)
	committed := &Bounty{ID: env.Bounty, Request: request, Worker: worker.PubKey(), State: StateCommitted, Envelope: env.Hash()}
	book := bountyBook{bounties: map[wire.Hash]*Bounty{env.Bounty: committed}}
	s := newTestService(t, book, func() time.Time { return time.Unix(now, 0) })
	ctx := context.Background()

	if err := s.receive(ctx, env, value); err == nil {
		t.Fatal("a result for a request this node never quoted was taken")
	}
	if err := markQuoted(s.db, request); err != nil {
		t.Fatal(err)
	}
	if err := s.receive(ctx, env, []byte("the resulT")); err == nil {
		t.Fatal("a value that is not the envelope's was taken")
	}
	other := *env
	other.Fuel = 6
	other.Seal(wire.Devnet, worker, value)
	if err := s.receive(ctx, &other, value); err == nil {
		t.Fatal("a validly signed envelope the bounty did not commit was taken")
	}
	committed.State = StateAccepted
	if err := s.receive(ctx, env, value); err == nil {
		t.Fatal("a result was taken before the commit")
	}
	committed.State = StateCommitted
	if _, err := s.Result(ctx, env.Bounty); !errors.Is(err, ErrNoResult) {
		t.Fatalf("result before delivery: %v", err)
	}
	if err := s.receive(ctx, env, value); err != nil {
		t.Fatalf("the committed result was refused: %v", err)
	}
	r, err := s.Result(ctx, env.Bounty)
	if err != nil || string(r.Value) != "the result" || r.Envelope != env.Hash() || r.Kind != KindString || r.Fuel != 5 {
		t.Fatalf("result %+v %v", r, err)
	}
	// Results survive a restart.
	s.Stop()
	s2, err := New(Config{}, s.deps)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Start(); err != nil {
		t.Fatal(err)
	}
	defer s2.Stop()
	if r, err := s2.Result(ctx, env.Bounty); err != nil || string(r.Value) != "the result" {
		t.Fatalf("after restart: %+v %v", r, err)
	}
}
