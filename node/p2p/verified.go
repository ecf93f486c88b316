package p2p

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Errors of verified reads.
var (
	// ErrNoProvider: no peer storing the chain gave an answer that verified.
	ErrNoProvider = errors.New("remote read failed")
	// ErrForgedProof: a peer's answer contradicts a header this node
	// verified (wrong key, a record or path that does not hash to the
	// state root, a header that differs from ours under the same id). The
	// peer is banned.
	ErrForgedProof = errors.New("forged")
	// ErrUntrustedHeader: the peer proved against a block this node has not
	// verified among the last node.TrustWindow blocks of its best chain.
	// Not proof of lying (the peer may be ahead or behind), so it costs the
	// peer a point only.
	ErrUntrustedHeader = errors.New("untrusted block")
	// errNoAnswer: the peer does not store the chain, was busy, or the
	// exchange failed (timeout, reset, protocol not supported). No blame.
	errNoAnswer = errors.New("gave no proof")
)

const (
	maxProvidersAsked = 16              // peers asked per verified read
	maxLiars          = 1024            // liars remembered
	aheadWait         = 3 * time.Second // how long to wait for a block a peer proved against but we lack
)

// TrustSource says which headers a proof may be checked against;
// *node.Node is one (node.TrustedHeader).
type TrustSource interface {
	TrustedHeader(chain wire.ChainID, id wire.Hash) (wire.Header, bool)
}

// VerifiedRead is a key's value on a chain, as a peer proved it against a
// header this node verified itself.
type VerifiedRead struct {
	Peer   peer.ID      // who answered
	Chain  wire.ChainID // the chain read
	Key    string
	Header wire.Header   // this node's own copy of the header the proof verified against (its height: where the value was proven)
	Record *state.Record // nil: the proof shows the key is absent
}

// Found reports whether the key holds a value.
func (r *VerifiedRead) Found() bool { return r.Record != nil }

// reads is the host's state for the proof protocol: the source it serves
// from, the peers that lied to it, and the peers that recently answered
// for each chain (asked first next time).
type reads struct {
	mu    sync.Mutex
	src   ProofSource
	liars map[peer.ID]string
	good  map[wire.ChainID][]peer.ID
	// blame, if set, replaces Host.blameReader (tests count bad answers
	// instead of banning the peer that sent them).
	blame func(p peer.ID, err error)
}

func (r *reads) setSource(src ProofSource) {
	r.mu.Lock()
	r.src = src
	r.mu.Unlock()
}

func (r *reads) source(def ProofSource) ProofSource {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.src != nil {
		return r.src
	}
	return def
}

func (r *reads) isLiar(p peer.ID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.liars[p]
	return ok
}

func (r *reads) addLiar(p peer.ID, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.liars == nil {
		r.liars = map[peer.ID]string{}
	}
	if len(r.liars) >= maxLiars {
		for k := range r.liars { // forget one at random: they are banned anyway
			delete(r.liars, k)
			break
		}
	}
	r.liars[p] = reason
}

// answered moves p to the front of chain's good providers (or drops it).
func (r *reads) answered(c wire.ChainID, p peer.ID, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.good == nil {
		r.good = map[wire.ChainID][]peer.ID{}
	}
	list := r.good[c][:0:0]
	if ok {
		list = append(list, p)
	}
	for _, q := range r.good[c] {
		if q != p && len(list) < maxProvidersAsked {
			list = append(list, q)
		}
	}
	r.good[c] = list
}

func (r *reads) goodFor(c wire.ChainID) []peer.ID {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]peer.ID(nil), r.good[c]...)
}

// Liars lists the peers caught sending forged proofs, with why.
func (x *Host) Liars() map[peer.ID]string {
	x.reads.mu.Lock()
	defer x.reads.mu.Unlock()
	out := make(map[peer.ID]string, len(x.reads.liars))
	for k, v := range x.reads.liars {
		out[k] = v
	}
	return out
}

// GetVerified reads key on chain from a peer that stores the chain and
// checks the answer against a header this node verified itself (one of the
// last node.TrustWindow blocks of its best chain for that chain). Peers
// are asked one at a time: those that answered before, then connected
// peers whose status lists the chain as stored, then providers
// found in the DHT, then every other connected peer (a young network's DHT
// may know nobody). A peer whose answer is forged or malformed is banned
// and remembered as a liar; the next one is asked. A key that is absent is
// a VerifiedRead with a nil Record, proven like a value.
func (x *Host) GetVerified(ctx context.Context, chain wire.ChainID, key string) (*VerifiedRead, error) {
	if err := checkReadKey(chain, key); err != nil {
		return nil, err
	}
	asked := map[peer.ID]bool{}
	var fails []string
	var ahead []pending
	fresh := x.newFreshest(chain)
	stages := []func() []peer.ID{
		func() []peer.ID { return x.reads.goodFor(chain) },
		func() []peer.ID { return x.peersStoring(chain) },
		func() []peer.ID { return x.dhtProviders(ctx, chain) },
		func() []peer.ID { return x.h.Network().Peers() },
	}
	for _, stage := range stages {
		var peers []peer.ID
		for _, p := range stage() {
			if !asked[p] && p != x.h.ID() && !x.reads.isLiar(p) && !x.Banned(p) && len(asked)+len(peers) < maxProvidersAsked {
				peers = append(peers, p)
			}
		}
		for _, p := range peers {
			asked[p] = true
			res, pend, err := x.readFrom(ctx, p, chain, key)
			if err == nil {
				if fresh.add(res) {
					return fresh.best, nil
				}
				continue
			}
			if pend != nil {
				ahead = append(ahead, *pend)
			}
			fails = append(fails, err.Error())
			if ctx.Err() != nil {
				if fresh.best != nil {
					return fresh.best, nil
				}
				return nil, fmt.Errorf("%w: chain %s, key %q: %w", ErrNoProvider, chain, key, ctx.Err())
			}
		}
	}
	if res := x.retryAhead(ctx, ahead); res != nil {
		return res, nil
	}
	if fresh.best != nil {
		return fresh.best, nil
	}
	if len(asked) == 0 {
		return nil, fmt.Errorf("%w: no peer storing chain %s is known or connected", ErrNoProvider, chain)
	}
	return nil, fmt.Errorf("%w: no peer storing chain %s answered for %q (asked %d: %s)",
		ErrNoProvider, chain, key, len(asked), strings.Join(fails, "; "))
}

// peersStoring lists the connected peers whose last status says they
// store chain c in full, in peer id order.
func (x *Host) peersStoring(c wire.ChainID) []peer.ID {
	var out []peer.ID
	x.book.each(func(id peer.ID, ps *peerState) {
		if ps.status != nil && ps.status.Stores(c) {
			out = append(out, id)
		}
	})
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// checkReadKey refuses a key that is invalid or does not belong to chain
// (a proof of its absence there would say nothing).
func checkReadKey(c wire.ChainID, key string) error {
	if err := wire.ValidKey(key); err != nil {
		return fmt.Errorf("%w: %w", node.ErrBadRequest, err)
	}
	if !c.Contains(wire.KeyPath(key)) {
		return fmt.Errorf("%w: key %q belongs to chain %s, not %s", node.ErrBadRequest, key, wire.ForPath(wire.KeyPath(key), c.Depth), c)
	}
	return nil
}

// GetVerifiedFrom is GetVerified asking exactly peers, in order.
func (x *Host) GetVerifiedFrom(ctx context.Context, chain wire.ChainID, key string, peers []peer.ID) (*VerifiedRead, error) {
	if err := checkReadKey(chain, key); err != nil {
		return nil, err
	}
	var fails []string
	var ahead []pending
	fresh := x.newFreshest(chain)
	for _, p := range peers {
		res, pend, err := x.readFrom(ctx, p, chain, key)
		if err == nil {
			if fresh.add(res) {
				return fresh.best, nil
			}
			continue
		}
		if pend != nil {
			ahead = append(ahead, *pend)
		}
		fails = append(fails, err.Error())
	}
	// An answer ahead of our tip is fresher than any we could check now:
	// wait a moment for its block before settling for an older one.
	if res := x.retryAhead(ctx, ahead); res != nil {
		return res, nil
	}
	if fresh.best != nil {
		return fresh.best, nil
	}
	return nil, fmt.Errorf("%w: no peer storing chain %s answered for %q (asked %d: %s)",
		ErrNoProvider, chain, key, len(peers), strings.Join(fails, "; "))
}

// freshest keeps the newest verified answer of a read. An answer proven
// at this node's tip of the chain (or beyond) ends the read: nothing
// fresher can be checked here. An older one (its provider is behind, or
// serves stale state on purpose: any of the last node.TrustWindow headers
// verifies) is kept while one more provider is asked, and the newer of the
// two wins; the answer says the height it was proven at either way.
type freshest struct {
	tip  uint64
	n    int
	best *VerifiedRead
}

func (x *Host) newFreshest(c wire.ChainID) *freshest {
	f := &freshest{}
	if ch := x.node.Forest().Chain(c); ch != nil {
		f.tip = ch.Tip().Height
	}
	return f
}

// add records r and reports whether the read is done.
func (f *freshest) add(r *VerifiedRead) bool {
	f.n++
	if f.best == nil || r.Header.Height > f.best.Header.Height {
		f.best = r
	}
	return f.best.Header.Height >= f.tip || f.n >= 2
}

// pending is an answer proven against a block this node did not know yet
// but that may arrive in a moment (the peer mined or heard of it first).
type pending struct {
	p   peer.ID
	a   node.KeyProof
	key string
	c   wire.ChainID
	id  wire.Hash
}

// retryAhead waits up to aheadWait for one of the blocks peers proved
// against to join our best chain, then checks that answer.
func (x *Host) retryAhead(ctx context.Context, ahead []pending) *VerifiedRead {
	if len(ahead) == 0 {
		return nil
	}
	deadline := time.Now().Add(aheadWait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		for _, pd := range ahead {
			if _, ok := x.trust().TrustedHeader(pd.c, pd.id); !ok {
				continue
			}
			res, _, err := x.judge(pd.p, pd.c, pd.key, pd.a)
			if err == nil {
				return res
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

func (x *Host) trust() TrustSource { return x.node }

// readFrom asks p for a proof of key against this node's tip of the chain
// (the newest header it can check a proof against) and, if p is not on
// that block, against p's own tip; then judges the answer. An answer
// against a block newer than our tip comes back as pending.
func (x *Host) readFrom(ctx context.Context, p peer.ID, chain wire.ChainID, key string) (*VerifiedRead, *pending, error) {
	q := &ProofRequest{Chain: chain, Key: key}
	if c := x.node.Forest().Chain(chain); c != nil {
		tip := c.Tip().ID
		q.At = &tip
	}
	a, err := x.AskProof(ctx, p, q)
	if err == nil && a.Status == node.ProofNotAt && q.At != nil {
		a, err = x.AskProof(ctx, p, &ProofRequest{Chain: chain, Key: key})
	}
	if err != nil {
		x.reads.answered(chain, p, false)
		if errors.Is(err, ErrProtocol) {
			x.chargeReader(p, err)
			return nil, nil, fmt.Errorf("peer %s broke the proof protocol (%w); asked another", p, err)
		}
		return nil, nil, fmt.Errorf("peer %s %w: %v", p, errNoAnswer, err)
	}
	if a.Status != node.ProofOK {
		x.reads.answered(chain, p, false)
		return nil, nil, fmt.Errorf("peer %s %w: %s", p, errNoAnswer, a.Status)
	}
	return x.judge(p, chain, key, a)
}

// judge checks an OK answer and charges p for a bad one.
func (x *Host) judge(p peer.ID, chain wire.ChainID, key string, a node.KeyProof) (*VerifiedRead, *pending, error) {
	res, pend, err := x.checkProof(chain, key, a)
	if err != nil {
		x.reads.answered(chain, p, false)
		if pend != nil {
			pend.p = p
		}
		x.chargeReader(p, err)
		return nil, pend, fmt.Errorf("peer %s %w; asked another", p, err)
	}
	res.Peer = p
	x.reads.answered(chain, p, true)
	x.guard.reward(p)
	return res, nil, nil
}

// checkProof verifies an OK answer for key on chain. Every failure is an
// error that says what was wrong; all but ErrUntrustedHeader wrap
// ErrForgedProof or ErrProtocol, which prove the peer lied.
func (x *Host) checkProof(chain wire.ChainID, key string, a node.KeyProof) (*VerifiedRead, *pending, error) {
	h, err := wire.DecodeHeader(a.Header)
	if err != nil {
		return nil, nil, fmt.Errorf("sent a header that does not decode: %v (%w)", err, ErrProtocol)
	}
	id := h.ID()
	if h.Chain != chain {
		return nil, nil, fmt.Errorf("sent header %s of chain %s for chain %s (%w)", id.Short(), h.Chain, chain, ErrForgedProof)
	}
	trusted, ok := x.trust().TrustedHeader(chain, id)
	if !ok {
		var pend *pending
		if c := x.node.Forest().Chain(chain); c != nil && h.Height > c.Tip().Height && h.Height <= c.Tip().Height+node.TrustWindow {
			pend = &pending{a: a, key: key, c: chain, id: id}
		}
		return nil, pend, fmt.Errorf("proved against block %s at height %d, which is not among the last %d blocks of this node's best chain (%w)",
			id.Short(), h.Height, node.TrustWindow, ErrUntrustedHeader)
	}
	if !bytes.Equal(a.Header, trusted.Encode()) {
		return nil, nil, fmt.Errorf("sent header %s that differs from this node's copy (%w)", id.Short(), ErrForgedProof)
	}
	pr, err := state.DecodeProof(a.Proof)
	if err != nil {
		return nil, nil, fmt.Errorf("sent a proof that does not decode: %v (%w)", err, ErrProtocol)
	}
	if !bytes.Equal(pr.Encode(), a.Proof) {
		return nil, nil, fmt.Errorf("sent a proof in a non-canonical encoding (%w)", ErrProtocol)
	}
	if pr.Key != key {
		return nil, nil, fmt.Errorf("sent a proof of key %q when asked for %q (%w)", pr.Key, key, ErrForgedProof)
	}
	if err := pr.Verify(trusted.StateRoot); err != nil {
		return nil, nil, fmt.Errorf("sent a proof that does not match header %s: %v (%w)", id.Short(), err, ErrForgedProof)
	}
	return &VerifiedRead{Chain: chain, Key: key, Header: trusted, Record: pr.Record}, nil, nil
}

// chargeReader charges p through the blame hook if a test set one, else
// through blameReader.
func (x *Host) chargeReader(p peer.ID, err error) {
	x.reads.mu.Lock()
	blame := x.reads.blame
	x.reads.mu.Unlock()
	if blame == nil {
		blame = x.blameReader
	}
	blame(p, err)
}

// blameReader charges p for a bad answer: a forged or malformed one bans p
// (it is provably lying) and marks it a liar; one against a block we do
// not trust costs a point (an honest peer a block ahead sends those).
func (x *Host) blameReader(p peer.ID, err error) {
	switch {
	case errors.Is(err, ErrForgedProof), errors.Is(err, ErrProtocol):
		x.reads.addLiar(p, err.Error())
		x.guard.ban(p, 0, "verified read: "+err.Error())
	case errors.Is(err, ErrUntrustedHeader):
		x.guard.penalize(p, penaltyUseless, "verified read: "+err.Error())
	}
}
