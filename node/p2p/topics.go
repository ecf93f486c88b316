package p2p

import (
	"context"
	"errors"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Validator judges one message of a joined topic: Accept relays it,
// Ignore drops it, Reject drops it and counts against the sender in
// gossipsub's peer score. It runs on pubsub's validation goroutines, for
// the node's own publications too (from is then this host's ID).
type Validator func(from peer.ID, data []byte) pubsub.ValidationResult

// Topic is a gossip topic a service joined besides the node's own.
type Topic struct{ t *pubsub.Topic }

// Publish sends data to the topic's peers (every peer on the topic: flood
// publishing), through the validator first.
func (t *Topic) Publish(ctx context.Context, data []byte) error { return t.t.Publish(ctx, data) }

// JoinTopic joins a gossip topic for a service that lives above p2p (the
// market's requests): everything the service needs happens in validate,
// as for the node's own topics, and the host relays what it accepts. The
// host knows nothing of what the topic carries. Call it after Start.
func (x *Host) JoinTopic(name string, validate Validator) (*Topic, error) {
	if !x.started.Load() || x.gossip.ps == nil {
		return nil, errors.New("p2p: join a topic after the host started")
	}
	ps := x.gossip.ps
	if err := ps.RegisterTopicValidator(name, func(_ context.Context, from peer.ID, m *pubsub.Message) pubsub.ValidationResult {
		return validate(from, m.Data)
	}); err != nil {
		return nil, err
	}
	t, err := ps.Join(name)
	if err != nil {
		ps.UnregisterTopicValidator(name)
		return nil, err
	}
	if _, err := t.Relay(); err != nil {
		t.Close()
		ps.UnregisterTopicValidator(name)
		return nil, err
	}
	return &Topic{t}, nil
}
