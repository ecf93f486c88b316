package pool

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

// A prefix pool keeps a listing: every key under a prefix on one chain,
// with its value, in key order, as of one block of that chain. The pool's
// target hash names that block (its ID), so that any node storing the
// chain rebuilds exactly the same bytes from its own state (the key
// history keeps every value with the height that wrote it, and keys are
// never deleted) and checks them against the pool's size and segment root.

// Entry is one key of a listing and its value.
type Entry struct {
	Key   string
	Value []byte
}

// listPage is how many keys a listing reads from the node at a time.
const listPage = 1000

// AppendEntry appends one entry's encoding (key string ‖ value varbytes)
// to b.
func AppendEntry(b []byte, e Entry) []byte {
	w := wire.NewWriter(len(e.Key) + len(e.Value) + 8)
	w.String(e.Key)
	w.VarBytes(e.Value)
	return append(b, w.Bytes()...)
}

// EncodeListing is the listing of entries, which must be in strictly
// increasing key order (DecodeListing refuses anything else).
func EncodeListing(entries []Entry) []byte {
	var b []byte
	for _, e := range entries {
		b = AppendEntry(b, e)
	}
	return b
}

// DecodeListing decodes a listing of the keys under prefix: every key
// valid and under prefix, in strictly increasing order, every value at
// most wire.MaxValueSize bytes. A listing has exactly one encoding, so
// bytes that decode re-encode to themselves. It never panics on junk and
// allocates at most about len(b).
func DecodeListing(b []byte, prefix string) ([]Entry, error) {
	r := wire.NewReader(b)
	var out []Entry
	prev := ""
	for r.Err() == nil && r.Remaining() > 0 {
		k := r.String(wire.MaxKeySize, "listing key")
		v := r.VarBytes(wire.MaxValueSize, "listing value")
		if r.Err() != nil {
			break
		}
		if err := wire.ValidKey(k); err != nil {
			return nil, fmt.Errorf("listing entry %d: %w", len(out), err)
		}
		if !strings.HasPrefix(k, prefix) {
			return nil, fmt.Errorf("%w: listing entry %d: key %q is not under %q", wire.ErrMalformed, len(out), k, prefix)
		}
		if len(out) > 0 && k <= prev {
			return nil, fmt.Errorf("%w: listing entry %d: key %q does not follow %q (keys in increasing order, each once)", wire.ErrMalformed, len(out), k, prev)
		}
		if v == nil {
			v = []byte{}
		}
		out = append(out, Entry{Key: k, Value: v})
		prev = k
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("listing: %w", err)
	}
	return out, nil
}

// ListingInfo says what a listing is of.
type ListingInfo struct {
	Chain  wire.ChainID
	Prefix string
	Block  wire.Hash // the block of Chain whose state is listed (the pool's target hash)
	Height uint64    // its height on Chain
	Keys   int       // entries listed
}

func (l ListingInfo) String() string {
	return fmt.Sprintf("the listing of %q on chain %s at height %d (block %s)", l.Prefix, l.Chain, l.Height, l.Block.Short())
}

// Listing builds the listing of the keys under prefix on chain as of the
// block ref of that chain ("" its tip, a height, or a block ID), from
// this node's own state: the keys under prefix that live on chain (a key
// lives on the chain at its depth that its path falls under), each with
// the last value written at or below the block's height. The block must
// be on the node's main line of the chain, which it must store in full
// (ErrNoData otherwise); the listing is at most max bytes (ErrTooLarge).
func Listing(ctx context.Context, c Chain, chain wire.ChainID, prefix, ref string, max uint64) ([]byte, ListingInfo, error) {
	info := ListingInfo{Chain: chain, Prefix: prefix}
	if prefix == "" {
		return nil, info, errors.New("a listing needs a prefix (a whole keyspace is \"NAME/\")")
	}
	blk, err := c.ChainBlock(ctx, chain, ref)
	if err != nil {
		return nil, info, err
	}
	info.Block, info.Height = blk.ID, blk.Height
	if err := blk.usable(chain); err != nil {
		return nil, info, err
	}
	var data []byte
	after := ""
	for {
		keys, err := c.Keys(ctx, prefix, after, listPage)
		if err != nil {
			return nil, info, fmt.Errorf("list the keys under %q: %w", prefix, err)
		}
		for _, k := range keys {
			if !chain.Contains(wire.KeyPath(k)) {
				continue // the key lives on another chain of that depth
			}
			hist, err := c.ValueHistory(ctx, chain, k)
			if errors.Is(err, node.ErrNotFound) {
				continue // written on another chain only
			}
			if err != nil {
				return nil, info, fmt.Errorf("the history of %q on chain %s: %w", k, chain, err)
			}
			v, ok := valueAt(hist, blk.Height)
			if !ok {
				continue // first written after the block
			}
			data = AppendEntry(data, Entry{Key: k, Value: v})
			info.Keys++
			if uint64(len(data)) > max {
				return nil, info, fmt.Errorf("%w: %s is over %d bytes", ErrTooLarge, info, max)
			}
		}
		if len(keys) < listPage {
			break
		}
		after = keys[len(keys)-1]
	}
	// The state read must still be that of the block's line: a
	// reorganisation while listing would mix two lines.
	again, err := c.ChainBlock(ctx, chain, blk.ID.String())
	if err != nil {
		return nil, info, err
	}
	if err := again.usable(chain); err != nil {
		return nil, info, err
	}
	return data, info, nil
}

// valueAt is the last value of hist (oldest first) written at or below
// height.
func valueAt(hist []Written, height uint64) ([]byte, bool) {
	var v []byte
	ok := false
	for _, w := range hist {
		if w.Height > height {
			break
		}
		v, ok = w.Value, true
	}
	return v, ok
}

func (b BlockRef) usable(chain wire.ChainID) error {
	switch {
	case b.HeadersOnly:
		return fmt.Errorf("%w: this node keeps chain %s as headers only, so it cannot list its keys (follow the chain to store it in full)", ErrNoData, chain)
	case !b.Main:
		return fmt.Errorf("%w: block %s at height %d is not on this node's chain %s (a reorganisation dropped it): the listing it names cannot be rebuilt", ErrWrongData, b.ID.Short(), b.Height, chain)
	}
	return nil
}

// prefixData is the data of a prefix pool: the listing as of the block
// its target hash names.
func prefixData(ctx context.Context, c Chain, t node.PoolTarget, max uint64) ([]byte, error) {
	chain, err := targetChain(t.Chain)
	if err != nil {
		return nil, err
	}
	data, info, err := Listing(ctx, c, chain, t.Key, t.Hash.String(), max)
	if err != nil {
		if errors.Is(err, node.ErrNotFound) {
			return nil, fmt.Errorf("%w: block %s of chain %s, whose state the pool lists, is not known to this node (is it synced?): %v", ErrNoData, t.Hash.Short(), chain, err)
		}
		return nil, err
	}
	if uint64(len(data)) != t.Size || wire.SegmentRoot(data) != t.SegmentRoot {
		got := "no keys"
		if len(data) > 0 {
			got = fmt.Sprintf("%d keys, %d bytes, segment root %s", info.Keys, len(data), wire.SegmentRoot(data).Short())
		}
		return nil, fmt.Errorf("%w: %s, rebuilt from this node's state, has %s; the pool says %d bytes, segment root %s: the funder listed other keys or values than the chain holds, so nobody can answer for it",
			ErrWrongData, info, got, t.Size, t.SegmentRoot.Short())
	}
	return data, nil
}

func targetChain(s string) (wire.ChainID, error) {
	if s == "" || s == "/" {
		return wire.RootChain, nil
	}
	return wire.ParseChainID(s)
}
