package node

import (
	"sync"

	"github.com/bitverse/bitverse/node/wire"
)

// EventKind says what happened.
type EventKind string

// Event kinds.
const (
	EventBlockConnected    EventKind = "block_connected"
	EventBlockDisconnected EventKind = "block_disconnected"
	EventTxAdded           EventKind = "tx_added"
	EventMining            EventKind = "mining"
	EventPeers             EventKind = "peers"
)

// Event is one notification from the node.
type Event struct {
	Kind   EventKind `json:"kind"`
	Height uint64    `json:"height,omitempty"`
	Block  wire.Hash `json:"block,omitempty"`
	Tx     wire.Hash `json:"tx,omitempty"`
	Time   int64     `json:"time,omitempty"`  // ms
	Chain  string    `json:"chain,omitempty"` // branch events: which chain
	// Undone is, on a branch event that moved the tip back, the block
	// disconnected (its transactions went back to the chain's mempool).
	Undone wire.Hash `json:"undone,omitempty"`
}

// Broker fans events out to subscribers without ever blocking the
// publisher: a full subscriber channel drops the event.
type Broker struct {
	mu   sync.Mutex
	subs map[chan Event]struct{}
}

// NewBroker returns an empty broker.
func NewBroker() *Broker { return &Broker{subs: map[chan Event]struct{}{}} }

// Subscribe returns a channel of events and a cancel function.
func (b *Broker) Subscribe(buf int) (<-chan Event, func()) {
	ch := make(chan Event, buf)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, ch)
			b.mu.Unlock()
			close(ch)
		})
	}
}

// Publish delivers e to every subscriber that has room.
func (b *Broker) Publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- e:
		default:
		}
	}
}
