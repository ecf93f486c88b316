package node

import (
	"context"
	"errors"
)

// RelayInfo is one relay's registry record. Fee is the least it relays
// for, Stake its escrowed stake, Caps its capability bits, Active the
// slots it holds in unclosed bounties (lineup or jury), Registered the
// height it first registered at.
type RelayInfo struct {
	Address    string         `json:"address"`
	PubKey     string         `json:"pubkey"`
	Fee        uint64         `json:"fee"`
	Stake      uint64         `json:"stake"`
	Caps       uint32         `json:"caps"`
	Active     uint32         `json:"active"`
	Registered uint64         `json:"registered"`
	Reputation ReputationInfo `json:"reputation"`
}

// MaxRelayList bounds one Relays answer.
const MaxRelayList = 1000

var errRelaysNotYet = errors.New("this node does not read the relay registry yet")

// Relay implements API.
func (n *Node) Relay(ctx context.Context, id string) (*RelayInfo, error) {
	if _, err := ParseIdentity(n.net(), id); err != nil {
		return nil, err
	}
	return nil, errRelaysNotYet
}

// Relays implements API.
func (n *Node) Relays(ctx context.Context, limit int) ([]RelayInfo, error) {
	return nil, errRelaysNotYet
}
