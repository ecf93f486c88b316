package p2p

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// peerState is what the host knows about a peer: its last status and its
// score.
type peerState struct {
	status   *Status
	statusAt time.Time
	score    int
	// offer says where offering this node's mempools to the peer stands
	// since it connected (see Host.offerPools).
	offer poolOffer
}

type poolOffer uint8

const (
	offerNone poolOffer = iota // no status since it connected
	offerOwed                  // offered while it was behind: again once it catches up
	offerDone
)

// peerBook is the peer store: each peer's last status and score, for
// connected peers and for disconnected ones with a negative score (so that
// reconnecting does not reset it). Its mutex guards the map and nothing
// else; callers never hold it while they do network work.
type peerBook struct {
	mu    sync.Mutex
	peers map[peer.ID]*peerState
}

func newPeerBook() *peerBook { return &peerBook{peers: map[peer.ID]*peerState{}} }

// get returns p's entry, creating it. Call with b.mu held.
func (b *peerBook) get(p peer.ID) *peerState {
	ps := b.peers[p]
	if ps == nil {
		ps = &peerState{}
		b.peers[p] = ps
	}
	return ps
}

// connected makes sure p has an entry.
func (b *peerBook) connected(p peer.ID) {
	b.mu.Lock()
	b.get(p)
	b.mu.Unlock()
}

// disconnected forgets p unless its score is negative, and, when more than
// maxPeerStates peers are remembered, every peer isConnected says is gone.
func (b *peerBook) disconnected(p peer.ID, isConnected func(peer.ID) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ps := b.peers[p]; ps != nil && ps.score >= 0 {
		delete(b.peers, p) // a negative score is kept: reconnecting does not reset it
	}
	if len(b.peers) > maxPeerStates {
		for id := range b.peers {
			if !isConnected(id) {
				delete(b.peers, id)
			}
		}
	}
}

// penalize lowers p's score by points and returns the new score.
func (b *peerBook) penalize(p peer.ID, points int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	ps := b.get(p)
	ps.score -= points
	return ps.score
}

// reward raises a known peer's score by a point, up to maxScore.
func (b *peerBook) reward(p peer.ID) {
	b.mu.Lock()
	if ps := b.peers[p]; ps != nil && ps.score < maxScore {
		ps.score++
	}
	b.mu.Unlock()
}

// setStatus records the status p just reported.
func (b *peerBook) setStatus(p peer.ID, st *Status, at time.Time) {
	b.mu.Lock()
	ps := b.get(p)
	ps.status, ps.statusAt = st, at
	b.mu.Unlock()
}

// status returns the last status p reported, or nil.
func (b *peerBook) status(p peer.ID) *Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ps := b.peers[p]; ps != nil {
		return ps.status
	}
	return nil
}

// lookup returns a copy of p's entry.
func (b *peerBook) lookup(p peer.ID) (peerState, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ps := b.peers[p]; ps != nil {
		return *ps, true
	}
	return peerState{}, false
}

// each calls fn for every remembered peer, with the book locked: fn must
// be quick and must not call back into the book.
func (b *peerBook) each(fn func(peer.ID, *peerState)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, ps := range b.peers {
		fn(id, ps)
	}
}

// nextOffer decides, on a status from p (behind: it shows less work than
// ours on a chain both store), whether to offer p the mempools now, and
// records the new state.
func (b *peerBook) nextOffer(p peer.ID, behind bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	ps := b.get(p)
	switch {
	case ps.offer == offerNone && behind:
		ps.offer = offerOwed
		return true // what it can judge already; the rest when it caught up
	case ps.offer == offerNone, ps.offer == offerOwed && !behind:
		ps.offer = offerDone
		return true
	}
	return false
}

// resetOffer forgets the offers made to p (it connected again).
func (b *peerBook) resetOffer(p peer.ID) {
	b.mu.Lock()
	b.get(p).offer = offerNone
	b.mu.Unlock()
}
