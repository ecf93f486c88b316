package smt

import (
	"bytes"
	"fmt"
	"slices"
	"sort"

	"github.com/bitverse/bitverse/node/wire"
)

// Update sets Key to Value in a batch given to Apply. A zero Value deletes
// the key (deleting an absent key does nothing).
type Update struct {
	Key, Value wire.Hash
}

// Apply applies a batch of updates to the tree with the given root and
// returns the new root. When a batch holds several updates of one key, the
// last one wins. Apply only adds nodes to s: it never changes or deletes
// one, so root and every older root stay readable and provable.
//
// The result depends only on the set of (key, value) pairs in the final
// tree, never on how updates were ordered or split into batches.
//
// On error, nodes already put may remain in s; they are unreachable from any
// root Apply returned, and the caller normally rolls the transaction back.
func Apply(s NodeStore, root wire.Hash, ups []Update) (wire.Hash, error) {
	if len(ups) == 0 {
		return root, nil
	}
	a := applier{s: s}
	r, err := a.update(root, 0, sortUpdates(ups))
	if err != nil {
		return root, err
	}
	return r.hash, nil
}

// sortUpdates returns a copy of ups sorted by key, keeping only the last
// update of each key.
func sortUpdates(ups []Update) []Update {
	sorted := slices.Clone(ups)
	slices.SortStableFunc(sorted, func(a, b Update) int { return bytes.Compare(a.Key[:], b.Key[:]) })
	out := sorted[:0]
	for _, u := range sorted {
		if n := len(out); n > 0 && out[n-1].Key == u.Key {
			out[n-1] = u
			continue
		}
		out = append(out, u)
	}
	return out
}

// kind is what a subtree is, as far as the applier knows.
type kind uint8

const (
	kindEmpty   kind = iota // the zero hash
	kindLeaf                // a shortcut leaf
	kindInner               // an internal node
	kindUnknown             // not loaded: a leaf or an internal node
)

// ref is a subtree: its hash and, when known, its kind.
type ref struct {
	hash wire.Hash
	kind kind
}

// childRef is an untouched child of a loaded internal node.
func childRef(h wire.Hash) ref {
	if h.IsZero() {
		return ref{}
	}
	return ref{hash: h, kind: kindUnknown}
}

// applier applies one sorted batch. Each changed node is encoded, hashed and
// put exactly once, bottom-up, as the recursion returns.
type applier struct {
	s   NodeStore
	buf [innerSize]byte // encoding scratch; stores copy what they keep
}

// update applies ups to the subtree with hash h at depth d. Every key in ups
// lies under that subtree (shares its first d bits), and ups is non-empty.
func (a *applier) update(h wire.Hash, d int, ups []Update) (ref, error) {
	if h.IsZero() {
		return a.build(d, ups, nil)
	}
	n, err := load(a.s, h)
	if err != nil {
		return ref{}, err
	}
	if n.leaf {
		if len(ups) == 1 && ups[0].Key == n.key && ups[0].Value == n.value {
			return ref{hash: h, kind: kindLeaf}, nil
		}
		if !samePrefix(&n.key, &ups[0].Key, d) {
			return ref{}, fmt.Errorf("%w: leaf %s at depth %d is off its key's path", ErrCorruptNode, h, d)
		}
		old := &leafEntry{key: n.key, value: n.value, hash: h}
		i := sort.Search(len(ups), func(i int) bool { return bytes.Compare(ups[i].Key[:], n.key[:]) >= 0 })
		if i < len(ups) && ups[i].Key == n.key {
			old = nil // overridden by the batch
		}
		return a.build(d, ups, old)
	}
	if d >= KeyBits {
		return ref{}, fmt.Errorf("%w: internal node %s below depth %d", ErrCorruptNode, h, KeyBits)
	}
	split := splitIndex(ups, d)
	l, r := childRef(n.left), childRef(n.right)
	if split > 0 {
		if l, err = a.update(n.left, d+1, ups[:split]); err != nil {
			return ref{}, err
		}
	}
	if split < len(ups) {
		if r, err = a.update(n.right, d+1, ups[split:]); err != nil {
			return ref{}, err
		}
	}
	if l.hash == n.left && r.hash == n.right {
		return ref{hash: h, kind: kindInner}, nil
	}
	return a.join(l, r)
}

// leafEntry is the one leaf an existing subtree holds while the batch is
// merged into it.
type leafEntry struct {
	key, value, hash wire.Hash
}

// build returns the subtree at depth d holding the live (non-zero) updates
// in ups plus old, if not nil. Keys in ups are distinct from old's key.
func (a *applier) build(d int, ups []Update, old *leafEntry) (ref, error) {
	live := 0
	if old != nil {
		live = 1
	}
	var one *Update
	for i := range ups {
		if !ups[i].Value.IsZero() {
			live++
			one = &ups[i]
			if live > 1 {
				break
			}
		}
	}
	switch {
	case live == 0:
		return ref{}, nil
	case live == 1 && old != nil:
		return ref{hash: old.hash, kind: kindLeaf}, nil
	case live == 1:
		return a.putLeaf(one.Key, one.Value)
	}
	// Two or more distinct keys share the first d bits, so d < KeyBits.
	split := splitIndex(ups, d)
	var oldL, oldR *leafEntry
	if old != nil {
		if bit(&old.key, d) == 0 {
			oldL = old
		} else {
			oldR = old
		}
	}
	l, err := a.build(d+1, ups[:split], oldL)
	if err != nil {
		return ref{}, err
	}
	r, err := a.build(d+1, ups[split:], oldR)
	if err != nil {
		return ref{}, err
	}
	return a.join(l, r)
}

// join returns the subtree whose children are l and r: empty if both are,
// the leaf itself if the only non-empty child is a leaf (shortcut leaves
// move up), and a new internal node otherwise.
func (a *applier) join(l, r ref) (ref, error) {
	if l.kind == kindEmpty || r.kind == kindEmpty {
		only := l
		if l.kind == kindEmpty {
			only = r
		}
		if only.kind == kindEmpty {
			return ref{}, nil
		}
		if only.kind == kindUnknown {
			n, err := load(a.s, only.hash)
			if err != nil {
				return ref{}, err
			}
			only.kind = kindInner
			if n.leaf {
				only.kind = kindLeaf
			}
		}
		if only.kind == kindLeaf {
			return only, nil
		}
	}
	enc := appendInner(a.buf[:0], l.hash, r.hash)
	h := innerHash(l.hash, r.hash)
	if err := a.s.Put(h, enc); err != nil {
		return ref{}, err
	}
	return ref{hash: h, kind: kindInner}, nil
}

// putLeaf stores a leaf and returns it.
func (a *applier) putLeaf(key, value wire.Hash) (ref, error) {
	enc := appendLeaf(a.buf[:0], key, value)
	h := leafHash(key, value)
	if err := a.s.Put(h, enc); err != nil {
		return ref{}, err
	}
	return ref{hash: h, kind: kindLeaf}, nil
}

// splitIndex returns the index of the first update whose key has bit d set.
// ups is sorted and its keys share their first d bits, so those with bit d
// clear come first.
func splitIndex(ups []Update, d int) int {
	return sort.Search(len(ups), func(i int) bool { return bit(&ups[i].Key, d) == 1 })
}
