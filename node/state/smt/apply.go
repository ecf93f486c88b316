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
// last one wins. Apply only adds records to s: it never changes or deletes
// one, so root and every older root stay readable and provable.
//
// The result depends only on the set of (key, value) pairs in the final
// tree, never on how updates were ordered or split into batches.
//
// On error, records already put may remain in s; they are unreachable from
// any root Apply returned, and the caller normally rolls the transaction
// back.
func Apply(s NodeStore, root wire.Hash, ups []Update) (wire.Hash, error) {
	if len(ups) == 0 {
		return root, nil
	}
	a := getArena()
	defer putArena(a)
	ap := applier{s: s, a: a}
	start := a.ref(root)
	r, err := ap.update(start, 0, sortUpdates(ups))
	if err != nil {
		return root, err
	}
	n := &a.nodes[r]
	newRoot := n.hash // empty, or the root page
	switch {
	case r == start:
		return root, nil
	case n.kind == kindLeaf:
		// A tree of one leaf is stored as a leaf record.
		newRoot = a.hashOf(r)
		off := len(a.recs)
		a.recs = append(a.recs, tagLeaf)
		a.recs = append(a.recs, n.key[:]...)
		a.recs = append(a.recs, n.value[:]...)
		a.out = append(a.out, record{newRoot, off, len(a.recs)})
	}
	if err := ap.flush(); err != nil {
		return root, err
	}
	return newRoot, nil
}

// record is a page encoded by Apply and waiting to be put: its hash and its
// bytes, a[start:end] of arena.recs.
type record struct {
	hash       wire.Hash
	start, end int
}

// flush puts the batch's new records in hash order. Putting them all at the
// end, sorted, means the batch reads an unmodified tree, and the store
// (bbolt: a B+tree keyed by hash) inserts with better locality.
func (ap *applier) flush() error {
	a := ap.a
	slices.SortFunc(a.out, func(x, y record) int { return bytes.Compare(x.hash[:], y.hash[:]) })
	for _, r := range a.out {
		if err := ap.s.Put(r.hash, a.recs[r.start:r.end]); err != nil {
			return err
		}
	}
	return nil
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

// applier applies one sorted batch, recursing down the tree once and
// splitting the batch at each internal node. Each changed internal node is
// hashed once, and each changed page encoded once, bottom-up as the
// recursion returns; flush then puts the pages. Nothing it builds is read
// back from the store.
type applier struct {
	s NodeStore
	a *arena
}

// update applies ups to the subtree i at depth d and returns the new
// subtree, which is i itself when nothing changed. Every key in ups lies
// under the subtree (shares its first d bits), and ups is not empty.
func (ap *applier) update(i int32, d int, ups []Update) (int32, error) {
	a := ap.a
	switch a.nodes[i].kind {
	case kindEmpty:
		return ap.build(d, ups, empty)
	case kindRef:
		mark := len(a.nodes)
		j, err := a.load(ap.s, a.nodes[i].hash, d)
		if err != nil {
			return empty, err
		}
		r, err := ap.update(j, d, ups)
		if err != nil {
			return empty, err
		}
		if r == j {
			a.truncate(mark)
			return i, nil
		}
		return ap.compact(mark, r), nil
	case kindLeaf:
		n := &a.nodes[i]
		if len(ups) == 1 && ups[0].Key == n.key && ups[0].Value == n.value {
			return i, nil
		}
		if !samePrefix(&n.key, &ups[0].Key, d) {
			return empty, fmt.Errorf("%w: leaf %s at depth %d is off its key's path", ErrCorruptNode, n.key, d)
		}
		key := n.key
		j := sort.Search(len(ups), func(j int) bool { return bytes.Compare(ups[j].Key[:], key[:]) >= 0 })
		if j < len(ups) && ups[j].Key == key {
			return ap.build(d, ups, empty) // the batch overrides the leaf
		}
		return ap.build(d, ups, i)
	}
	left, right := a.nodes[i].left, a.nodes[i].right
	split := splitIndex(ups, d)
	l, r := left, right
	var err error
	if split > 0 {
		if l, err = ap.update(left, d+1, ups[:split]); err != nil {
			return empty, err
		}
	}
	if split < len(ups) {
		if r, err = ap.update(right, d+1, ups[split:]); err != nil {
			return empty, err
		}
	}
	if l == left && r == right {
		return i, nil
	}
	return ap.join(l, r, d)
}

// build returns the subtree at depth d holding the live (non-zero) updates
// in ups plus the leaf old, unless old is empty. No key in ups is old's.
func (ap *applier) build(d int, ups []Update, old int32) (int32, error) {
	live := 0
	if old != empty {
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
		return empty, nil
	case live == 1 && old != empty:
		return old, nil
	case live == 1:
		return ap.a.add(mnode{kind: kindLeaf, key: one.Key, value: one.Value}), nil
	}
	// Two or more distinct keys share the first d bits, so d < KeyBits.
	mark := len(ap.a.nodes)
	split := splitIndex(ups, d)
	oldL, oldR := empty, empty
	if old != empty {
		if bit(&ap.a.nodes[old].key, d) == 0 {
			oldL = old
		} else {
			oldR = old
		}
	}
	l, err := ap.build(d+1, ups[:split], oldL)
	if err != nil {
		return empty, err
	}
	r, err := ap.build(d+1, ups[split:], oldR)
	if err != nil {
		return empty, err
	}
	j, err := ap.join(l, r, d)
	if err != nil || d%pageHeight != 0 {
		return j, err
	}
	return ap.compact(mark, j), nil
}

// join returns the subtree whose children are l and r: empty if both are,
// the leaf itself if the only non-empty child is a leaf (a shortcut leaf
// moves up), and a new internal node otherwise. An internal node at a page
// boundary has its page encoded and stored, and becomes a kindRef.
func (ap *applier) join(l, r int32, d int) (int32, error) {
	a := ap.a
	lk, rk := a.nodes[l].kind, a.nodes[r].kind
	switch {
	case lk == kindEmpty && (rk == kindEmpty || rk == kindLeaf):
		return r, nil
	case rk == kindEmpty && lk == kindLeaf:
		return l, nil
	}
	h := innerHash(a.hashOf(l), a.hashOf(r))
	i := a.add(mnode{kind: kindInner, hashed: true, hash: h, left: l, right: r})
	if d%pageHeight != 0 {
		return i, nil
	}
	off := len(a.recs)
	a.recs = a.appendPage(a.recs, i)
	a.out = append(a.out, record{h, off, len(a.recs)})
	a.nodes[i].kind = kindRef
	return i, nil
}

// compact keeps the arena small: once the subtree at a page boundary is
// settled, its result r has no children in memory (it is empty, a leaf or a
// stored page), so every node added since mark can go.
func (ap *applier) compact(mark int, r int32) int32 {
	a := ap.a
	if int(r) < mark || a.nodes[r].kind == kindInner {
		return r
	}
	n := a.nodes[r]
	a.truncate(mark)
	return a.add(n)
}

// splitIndex returns the index of the first update whose key has bit d set.
// ups is sorted and its keys share their first d bits, so those with bit d
// clear come first.
func splitIndex(ups []Update, d int) int {
	return sort.Search(len(ups), func(i int) bool { return bit(&ups[i].Key, d) == 1 })
}
