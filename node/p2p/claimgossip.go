package p2p

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/wire"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Gossip of the tree's blocks, per chain.
//
// Root blocks travel on TopicBlocks, which every node joins. A branch
// chain's blocks travel on its own topic (TopicChainBlocks), joined only by
// the nodes that store that chain in full, so a node keeping a chain as
// headers only receives none of its bodies. It learns the chain's new
// blocks from the chain's claims topic (TopicChainClaims) instead: every
// node storing the chain in full publishes there the claim (chain.Claimed:
// header, coinbase, the coinbase's Merkle branch) of each block of it that
// it accepts, and every node joins the claims topic of every branch chain
// (full nodes to publish and relay, headers-only ones to learn). A claim is
// checked before it is relayed: the header's own rules (proof of work) and
// the coinbase proof; a headers-only node then stores it
// (Forest.ProcessClaimed) with the rules it applies to any block. A claim
// that breaks them is charged to its sender like the block would be.
const (
	maxHeaderBytes = wire.HeaderContentSize + 16 + wire.MaxMergeBranch*wire.HashSize
	// MaxClaimMessage bounds one claim on a claims topic.
	MaxClaimMessage = 4 + maxHeaderBytes + 4 + MaxCoinbaseSize + 2 + wire.MaxFirstBranch*wire.HashSize
)

// TopicChainBlocks is the block topic of chain c: TopicBlocks for the root.
func TopicChainBlocks(net wire.Network, c wire.ChainID) string {
	if c.IsRoot() {
		return TopicBlocks(net)
	}
	return TopicBlocks(net) + "/" + c.String()
}

// TopicChainClaims is the claims topic of branch chain c.
func TopicChainClaims(net wire.Network, c wire.ChainID) string {
	return "/bitverse/" + net.Name + "/claims/1/" + c.String()
}

// EncodeClaim is a claim's gossip message: header varbytes ‖ coinbase
// varbytes ‖ count uvarint ‖ hash × count.
func EncodeClaim(cl *chain.Claimed) []byte {
	w := wire.NewWriter(512)
	w.VarBytes(cl.Header.Encode())
	var cb []byte
	if cl.Coinbase != nil {
		cb = cl.Coinbase.Encode()
	}
	w.VarBytes(cb)
	w.Uvarint(uint64(len(cl.Branch)))
	for _, h := range cl.Branch {
		w.Hash(h)
	}
	return w.Bytes()
}

// DecodeClaim reads a claim message. The coinbase must be a canonical
// transaction; whether it is proven under the header is the receiver's
// check (chain.Chain.CheckClaimed).
func DecodeClaim(b []byte) (*chain.Claimed, error) {
	if len(b) > MaxClaimMessage {
		return nil, fmt.Errorf("claim of %d bytes (max %d)", len(b), MaxClaimMessage)
	}
	r := wire.NewReader(b)
	hraw := r.VarBytes(maxHeaderBytes, "header")
	cbraw := r.VarBytes(MaxCoinbaseSize, "coinbase")
	k := r.Len(wire.MaxFirstBranch, wire.HashSize, "branch")
	var branch []wire.Hash
	for j := 0; j < k && r.Err() == nil; j++ {
		branch = append(branch, r.Hash())
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	h, err := wire.DecodeHeader(hraw)
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	tx, err := wire.DecodeTx(cbraw)
	if err != nil {
		return nil, fmt.Errorf("coinbase: %w", err)
	}
	if !bytes.Equal(tx.Encode(), cbraw) {
		return nil, errors.New("the coinbase is not a canonical transaction")
	}
	return &chain.Claimed{Header: h, Coinbase: tx, Branch: branch}, nil
}

// chainTopics are the topics of one branch chain this node joined, and
// the cancels of their relays (to leave them).
type chainTopics struct {
	blocks, claims           *pubsub.Topic
	blocksRelay, claimsRelay pubsub.RelayCancelFunc
}

// topicSet holds the per-chain topics; mu guards it (the announcers,
// the validators and a follow-set change read or edit it).
type topicSet struct {
	mu     sync.Mutex
	chains map[wire.ChainID]*chainTopics
}

func (s *topicSet) get(c wire.ChainID) (blocks, claims *pubsub.Topic) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.chains[c]; t != nil {
		return t.blocks, t.claims
	}
	return nil, nil
}

// joinTree joins, for every branch chain of the forest, its claims topic
// and, if the chain is stored in full, its block topic; it leaves the
// block topic of a chain now kept as headers only. It is what a follow-set
// change calls too.
func (g *gossip) joinTree() error {
	x := g.x
	g.topics.mu.Lock()
	defer g.topics.mu.Unlock()
	if g.topics.chains == nil {
		g.topics.chains = map[wire.ChainID]*chainTopics{}
	}
	for _, c := range x.node.Forest().Chains() {
		id := c.ID()
		if id.IsRoot() {
			continue
		}
		t := g.topics.chains[id]
		if t == nil {
			t = &chainTopics{}
			g.topics.chains[id] = t
		}
		if t.claims == nil {
			topic, cancel, err := g.joinRelay(TopicChainClaims(x.net, id), g.claimValidator(id), 16)
			if err != nil {
				return err
			}
			t.claims, t.claimsRelay = topic, cancel
		}
		switch full := !c.HeadersOnly(); {
		case full && t.blocks == nil:
			topic, cancel, err := g.joinRelay(TopicChainBlocks(x.net, id), g.blockValidator(id), 16)
			if err != nil {
				return err
			}
			t.blocks, t.blocksRelay = topic, cancel
		case !full && t.blocks != nil:
			t.blocksRelay()
			t.blocks.Close()
			x.gossip.ps.UnregisterTopicValidator(TopicChainBlocks(x.net, id))
			t.blocks, t.blocksRelay = nil, nil
		}
	}
	return nil
}

// joinRelay registers validate on topic name, joins it and relays it.
func (g *gossip) joinRelay(name string, validate pubsub.ValidatorEx, conc int) (*pubsub.Topic, pubsub.RelayCancelFunc, error) {
	ps := g.ps
	if err := ps.RegisterTopicValidator(name, validate,
		pubsub.WithValidatorConcurrency(conc), pubsub.WithValidatorTimeout(time.Minute)); err != nil {
		return nil, nil, err
	}
	t, err := ps.Join(name)
	if err != nil {
		ps.UnregisterTopicValidator(name)
		return nil, nil, err
	}
	cancel, err := t.Relay()
	if err != nil {
		t.Close()
		ps.UnregisterTopicValidator(name)
		return nil, nil, err
	}
	return t, cancel, nil
}

// blockValidator is validateBlockOn for the topic of chain id: a block of
// another chain there is a protocol violation.
func (g *gossip) blockValidator(id wire.ChainID) pubsub.ValidatorEx {
	return func(ctx context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
		return g.validateBlockOn(ctx, id, from, msg)
	}
}

func (g *gossip) claimValidator(id wire.ChainID) pubsub.ValidatorEx {
	return func(_ context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
		return g.validateClaim(id, from, msg.Data)
	}
}

// validateClaim judges a claim of chain id: malformed, of another chain,
// or breaking the rules that need no other block (proof of work, the
// coinbase proof) bans its sender, as such a block would. A node storing
// the chain in full relays the claims of blocks it has; a headers-only
// node stores the claim (every rule of a headers-only chain) and relays
// it when it is new.
func (g *gossip) validateClaim(id wire.ChainID, from peer.ID, data []byte) pubsub.ValidationResult {
	x := g.x
	if from == x.h.ID() {
		return pubsub.ValidationAccept
	}
	if x.Banned(from) {
		return pubsub.ValidationReject
	}
	cl, err := DecodeClaim(data)
	if err != nil {
		x.rejectFrom(from, faultBan, "malformed claim: "+err.Error())
		return pubsub.ValidationReject
	}
	if cl.Header.Chain != id {
		x.rejectFrom(from, faultBan, fmt.Sprintf("claim of chain %s on the claims topic of chain %s", cl.Header.Chain, id))
		return pubsub.ValidationReject
	}
	c := x.node.Forest().Chain(id)
	if c == nil {
		return pubsub.ValidationIgnore
	}
	if err := c.CheckClaimed(cl); err != nil {
		return g.judgeBlock(from, err)
	}
	have := c.HasBlock(cl.ID())
	if !c.HeadersOnly() {
		if have {
			return pubsub.ValidationAccept
		}
		// Its block is on the way on the chain's block topic: this node
		// publishes the claim itself once it has accepted the block.
		x.counters.ignored.Add(1)
		return pubsub.ValidationIgnore
	}
	if have {
		x.counters.ignored.Add(1)
		return pubsub.ValidationIgnore
	}
	_, err = x.node.Forest().ProcessClaimed([]chain.Claimed{*cl})
	switch {
	case err == nil:
		x.counters.accepted.Add(1)
		x.counters.gossipClaims.Add(1)
		x.guard.reward(from)
		return pubsub.ValidationAccept
	case errors.Is(err, chain.ErrOrphan):
		// Its parent or anchor is missing: as for a held block, fetch what
		// it names from the sender (a claimed block is not held, so it is
		// taken again with its parent) and let sync pull.
		x.counters.ignored.Add(1)
		x.guard.chargeUseless(from, "orphan claims")
		x.deps.fetchForClaim(cl, from)
		x.syncer.poke()
		return pubsub.ValidationIgnore
	}
	return g.judgeBlock(from, err)
}

// announceClaim publishes b's claim on its chain's claims topic (a branch
// block this node stores in full and accepted).
func (g *gossip) announceClaim(b *wire.Block) {
	if b.Header.Chain.IsRoot() || len(b.Txs) == 0 {
		return
	}
	_, t := g.topics.get(b.Header.Chain)
	if t == nil {
		return
	}
	cl := chain.ClaimedOf(b)
	g.enqueue(t, EncodeClaim(&cl))
}

// TopicPeers lists the peers this node knows to be on gossip topic name.
func (x *Host) TopicPeers(name string) []peer.ID {
	if x.gossip.ps == nil {
		return nil
	}
	return x.gossip.ps.ListPeers(name)
}
