package node

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
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

var errEnough = errors.New("enough relays listed")

func (n *Node) relayInfo(tx *bbolt.Tx, r *state.Relay) (RelayInfo, error) {
	rep, err := state.GetReputation(tx, r.Key)
	if err != nil {
		return RelayInfo{}, err
	}
	return RelayInfo{
		Address: wire.EncodeAddress(n.net(), r.Key), PubKey: hex.EncodeToString(r.Key[:]),
		Fee: r.Fee, Stake: r.Stake, Caps: r.Caps, Active: r.Active, Registered: r.Registered,
		Reputation: reputationInfo(n.net(), r.Key, rep),
	}, nil
}

// Relay implements API.
func (n *Node) Relay(ctx context.Context, id string) (*RelayInfo, error) {
	pk, err := ParseIdentity(n.net(), id)
	if err != nil {
		return nil, err
	}
	var info *RelayInfo
	err = n.chain.View(func(tx *bbolt.Tx, _ chain.TipInfo, _ state.Roots) error {
		r, err := state.GetRelay(tx, pk)
		if err != nil || r == nil {
			return err
		}
		ri, err := n.relayInfo(tx, r)
		info = &ri
		return err
	})
	if err == nil && info == nil {
		err = fmt.Errorf("%w: %s is not a registered relay (register with a relay-register transaction)", ErrNotFound, wire.EncodeAddress(n.net(), pk))
	}
	return info, err
}

// Relays implements API: registered relays in public-key order.
func (n *Node) Relays(ctx context.Context, limit int) ([]RelayInfo, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, MaxRelayList)
	out := []RelayInfo{}
	err := n.chain.View(func(tx *bbolt.Tx, _ chain.TipInfo, _ state.Roots) error {
		return state.ForEachRelay(tx, func(r *state.Relay) error {
			if len(out) >= limit {
				return errEnough
			}
			ri, err := n.relayInfo(tx, r)
			if err != nil {
				return err
			}
			out = append(out, ri)
			return ctx.Err()
		})
	})
	if errors.Is(err, errEnough) {
		err = nil
	}
	return out, err
}
