package pool

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/blob"
	"github.com/bitverse/bitverse/node/wire"
)

// Errors.
var (
	// ErrWrongData: the data this node holds (or fetched) for a pool does
	// not have the pool's size and segment root.
	ErrWrongData = errors.New("pool: the data does not match the pool's segment root")
	// ErrTooLarge: the pool's data is larger than this node keeps
	// (Config.MaxData).
	ErrTooLarge = errors.New("pool: the pool's data is larger than this node keeps for a pool")
	// ErrUnsupported: a target kind this node does not serve.
	ErrUnsupported = errors.New("pool: target kind not served by this node")
	// ErrNoData: this node does not hold the pool's data.
	ErrNoData = errors.New("pool: this node does not hold the pool's data")
)

// DefaultMaxData is the largest pool data a node keeps and answers for,
// read whole into memory to build the segment tree of an answer.
const DefaultMaxData = 256 << 20

// Data reads a pool's data: a key's value from the chain, a blob from the
// blob store, a prefix's listing rebuilt from the chain's key history
// (listing.go). With fetch set, a blob's missing chunks are first fetched
// from peers (pool members and providers first); without it, only what
// this node holds is read (ErrNoData otherwise). The data is checked
// against the pool's size and segment root (ErrWrongData) and capped at
// max bytes (ErrTooLarge) before anything is read.
func Data(ctx context.Context, c Chain, blobs node.BlobAPI, p *node.PoolInfo, max uint64, fetch bool) ([]byte, *wire.SegmentTree, error) {
	t := p.Target
	if t.Size > max {
		return nil, nil, fmt.Errorf("%w: %d bytes, this node keeps at most %d", ErrTooLarge, t.Size, max)
	}
	var data []byte
	var value []byte
	if t.Kind == "key" || t.Kind == "blob" {
		v, err := c.Value(ctx, t.Chain, t.Key)
		if err != nil {
			return nil, nil, fmt.Errorf("read the pool's key %s: %w", t.Key, err)
		}
		value = v
	}
	switch t.Kind {
	case "key":
		data = value
	case "prefix":
		// Built from this node's own copy of the chain: there is nothing
		// to fetch, and building it is the check.
		d, err := prefixData(ctx, c, t, max)
		if err != nil {
			return nil, nil, err
		}
		data = d
	case "blob":
		m, err := blob.DecodeManifest(value)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: the value at %s is no blob manifest: %v", ErrWrongData, t.Key, err)
		}
		if m.Size != t.Size {
			return nil, nil, fmt.Errorf("%w: the blob at %s has %d bytes, the pool %d", ErrWrongData, t.Key, m.Size, t.Size)
		}
		if blobs == nil {
			return nil, nil, fmt.Errorf("%w: the node has no blob store", ErrNoData)
		}
		if fetch {
			if _, err := blobs.FetchBlob(ctx, value); err != nil {
				return nil, nil, fmt.Errorf("fetch %s: %w", m, err)
			}
		}
		var buf bytes.Buffer
		buf.Grow(int(m.Size))
		if _, err := blobs.ReadBlob(ctx, value, &buf); err != nil {
			if errors.Is(err, node.ErrNotFound) {
				return nil, nil, fmt.Errorf("%w: %v", ErrNoData, err)
			}
			return nil, nil, err
		}
		data = buf.Bytes()
	default:
		return nil, nil, fmt.Errorf("%w: %q", ErrUnsupported, t.Kind)
	}
	if uint64(len(data)) != t.Size {
		return nil, nil, fmt.Errorf("%w: %d bytes, the pool says %d", ErrWrongData, len(data), t.Size)
	}
	tree := wire.NewSegmentTree(data)
	if tree.Root() != t.SegmentRoot {
		return nil, nil, fmt.Errorf("%w: root %s, the pool's %s", ErrWrongData, tree.Root().Short(), t.SegmentRoot.Short())
	}
	return data, tree, nil
}

// Answer builds the answer to a challenge from the data and its tree.
func Answer(ch node.ChallengeInfo, data []byte, tree *wire.SegmentTree) (wire.PoolAnswer, error) {
	seg := wire.Segment(data, ch.Segment)
	if seg == nil {
		return wire.PoolAnswer{}, fmt.Errorf("%w: no segment %d in %d bytes", ErrWrongData, ch.Segment, len(data))
	}
	branch, err := tree.Branch(ch.Segment)
	if err != nil {
		return wire.PoolAnswer{}, err
	}
	return wire.PoolAnswer{Pool: ch.Pool, Epoch: ch.Epoch, Index: ch.Segment, Segment: bytes.Clone(seg), Branch: branch}, nil
}

// BlobHash is the target hash of a blob pool: SHA-256 of the 52-byte
// manifest (the put value). KeyHash is a key pool's: SHA-256 of the value.
// A prefix pool's is the ID of the block whose state it lists (Listing).
func BlobHash(manifest []byte) wire.Hash { return wire.Sum(manifest) }

// KeyHash is the target hash of a key pool: SHA-256 of the value.
func KeyHash(value []byte) wire.Hash { return wire.Sum(value) }
