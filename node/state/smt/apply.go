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
	sorted := sortUpdates(ups)
	a.kvs = make([]byte, 0, leafKV*len(sorted)) // new leaves alias it: never reused
	a.chunk = min(recChunk, 8<<10*(1+len(sorted)))
	a.lend, _ = s.(lender)
	r, err := ap.update(start, 0, sorted)
	if err != nil {
		return root, err
	}
	if r == start {
		return root, nil
	}
	var newRoot wire.Hash
	switch n := &a.nodes[r]; n.kind {
	case kindLeaf:
		// A tree of one leaf is stored as a leaf record.
		newRoot = a.hashOf(r)
		a.reserve(1 + leafKV)
		start := len(a.recs)
		a.recs = append(a.recs, tagLeaf)
		a.recs = append(a.recs, n.raw...)
		a.out = append(a.out, record{newRoot, a.recs[start:len(a.recs):len(a.recs)]})
	case kindInner:
		newRoot = n.hash
		a.encodePage(r)
	}
	if err := ap.flush(); err != nil {
		return root, err
	}
	return newRoot, nil
}

// flush puts the batch's new records in hash order. Putting them all at the
// end, sorted, means the batch reads an unmodified tree, and the store
// (bbolt: a B+tree keyed by hash) inserts with better locality.
func (ap *applier) flush() error {
	a := ap.a
	slices.SortFunc(a.out, func(x, y record) int { return bytes.Compare(x.hash[:], y.hash[:]) })
	for _, r := range a.out {
		if err := ap.s.Put(r.hash, r.data); err != nil {
			return err
		}
	}
	return nil
}

// sortUpdates returns a copy of ups sorted by key, keeping only the last
// update of each key.
func sortUpdates(ups []Update) []Update {
	byKey := func(a, b Update) int { return bytes.Compare(a.Key[:], b.Key[:]) }
	sorted := slices.Clone(ups)
	slices.SortFunc(sorted, byKey)
	dup := false
	for i := 1; i < len(sorted) && !dup; i++ {
		dup = sorted[i].Key == sorted[i-1].Key
	}
	if !dup {
		return sorted
	}
	// A key updated twice: sort again, stably, so that the last one wins.
	copy(sorted, ups)
	slices.SortStableFunc(sorted, byKey)
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
// splitting the batch at each internal node. As the recursion returns, each
// changed internal node is hashed once, and each changed page is encoded
// once, when its parent is built (or, for the root, at the end); flush then
// puts them all. Nothing it builds is read back from the store.
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
	case kindLeaf:
		return ap.updateLeaf(i, d, ups)
	case kindRef:
		if a.nodes[i].raw == nil {
			if err := a.load(ap.s, i, d); err != nil {
				return empty, err
			}
			if a.nodes[i].kind == kindLeaf {
				return ap.updateLeaf(i, d, ups)
			}
		}
		// Work on a copy, so that an unchanged page stays a reference.
		n := a.nodes[i]
		n.kind = kindRaw
		j := a.add(n)
		r, err := ap.update(j, d, ups)
		if r == j {
			return i, err
		}
		return r, err
	case kindRaw:
		if err := a.expand(i, d); err != nil {
			return empty, fmt.Errorf("%w: page node %s at depth %d: %w", ErrCorruptNode, a.nodes[i].hash, d, err)
		}
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

// updateLeaf applies ups to the subtree at depth d that is the leaf i.
func (ap *applier) updateLeaf(i int32, d int, ups []Update) (int32, error) {
	n := &ap.a.nodes[i]
	key := n.key()
	if len(ups) == 1 && ups[0].Key == key && ups[0].Value == n.value() {
		return i, nil
	}
	if !samePrefix(&key, &ups[0].Key, d) {
		return empty, fmt.Errorf("%w: leaf %s at depth %d is off its key's path", ErrCorruptNode, key, d)
	}
	j := sort.Search(len(ups), func(j int) bool { return bytes.Compare(ups[j].Key[:], key[:]) >= 0 })
	if j < len(ups) && ups[j].Key == key {
		return ap.build(d, ups, empty) // the batch overrides the leaf
	}
	return ap.build(d, ups, i)
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
		a := ap.a
		start := len(a.kvs)
		a.kvs = append(a.kvs, one.Key[:]...)
		a.kvs = append(a.kvs, one.Value[:]...)
		return a.add(mnode{kind: kindLeaf, raw: a.kvs[start:len(a.kvs):len(a.kvs)]}), nil
	}
	// Two or more distinct keys share the first d bits, so d < KeyBits.
	split := splitIndex(ups, d)
	oldL, oldR := empty, empty
	if old != empty {
		if k := ap.a.nodes[old].key(); bit(&k, d) == 0 {
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
	return ap.join(l, r, d)
}

// join returns the subtree at depth d whose children are l and r: empty if
// both are, the leaf itself if the only non-empty child is a leaf (a
// shortcut leaf moves up), and a new internal node otherwise, whose
// children it settles into its page or pages of their own.
func (ap *applier) join(l, r int32, d int) (int32, error) {
	a := ap.a
	lk, rk := a.nodes[l].kind, a.nodes[r].kind
	switch {
	case lk == kindEmpty && (rk == kindEmpty || rk == kindLeaf):
		return r, nil
	case rk == kindEmpty && lk == kindLeaf:
		return l, nil
	}
	count := a.countOf(l) + a.countOf(r)
	class := classOf(count)
	if err := a.settle(ap.s, l, d+1, class); err != nil {
		return empty, err
	}
	if err := a.settle(ap.s, r, d+1, class); err != nil {
		return empty, err
	}
	h := innerHash(a.hashOf(l), a.hashOf(r))
	size := 1 + a.childSize(l, class, true) + a.childSize(r, class, false)
	return a.add(mnode{kind: kindInner, hashed: true, hash: h, count: count, size: size, left: l, right: r}), nil
}

// splitIndex returns the index of the first update whose key has bit d set.
// ups is sorted and its keys share their first d bits, so those with bit d
// clear come first.
func splitIndex(ups []Update, d int) int {
	return sort.Search(len(ups), func(i int) bool { return bit(&ups[i].Key, d) == 1 })
}
