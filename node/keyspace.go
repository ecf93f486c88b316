package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// KeyspaceInfo describes a keyspace.
type KeyspaceInfo struct {
	Name       string `json:"name"`
	Exists     bool   `json:"exists"`
	Owner      string `json:"owner,omitempty"`
	Height     uint64 `json:"height,omitempty"` // block that bought it
	ScriptHash string `json:"script_hash,omitempty"`
	Script     string `json:"script,omitempty"` // access.js source; empty: only the owner writes
	Price      uint64 `json:"price"`            // what buying it costs (burned), base units
	// Parent is the keyspace a sub-keyspace is created under ("" for a
	// top-level name).
	Parent string `json:"parent,omitempty"`
}

// Keyspace implements API.
func (n *Node) Keyspace(ctx context.Context, name string) (*KeyspaceInfo, error) {
	if err := wire.ValidKeyspaceName(name); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	info := &KeyspaceInfo{Name: name, Price: state.KeyspacePrice(name)}
	if c := wire.KeyspaceCandidates(name); len(c) > 0 {
		info.Parent = c[0]
	}
	err := n.chain.View(func(tx *bbolt.Tx, _ chain.TipInfo, _ state.Roots) error {
		ks, src, err := state.GetKeyspace(tx, name)
		if errors.Is(err, state.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		n.fillKeyspace(info, ks, src)
		return nil
	})
	return info, err
}

// Keyspaces implements API.
func (n *Node) Keyspaces(ctx context.Context, owner string) ([]KeyspaceInfo, error) {
	pk, err := wire.ParseAddress(n.cfg.Params.Net, owner)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	var out []KeyspaceInfo
	err = n.chain.View(func(tx *bbolt.Tx, _ chain.TipInfo, _ state.Roots) error {
		list, err := state.KeyspacesOwnedBy(tx, pk)
		if err != nil {
			return err
		}
		for _, ks := range list {
			_, src, err := state.GetKeyspace(tx, ks.Name)
			if err != nil {
				return err
			}
			info := KeyspaceInfo{Name: ks.Name, Price: state.KeyspacePrice(ks.Name)}
			n.fillKeyspace(&info, ks, src)
			out = append(out, info)
		}
		return nil
	})
	return out, err
}

func (n *Node) fillKeyspace(info *KeyspaceInfo, ks *state.Keyspace, src []byte) {
	info.Exists = true
	info.Owner = wire.EncodeAddress(n.cfg.Params.Net, ks.Owner)
	info.Height = ks.Height
	if !ks.Script.IsZero() {
		info.ScriptHash = ks.Script.String()
		info.Script = string(src)
	}
}
