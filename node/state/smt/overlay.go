package smt

import (
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// Overlay is a NodeStore that keeps what is put in memory, over a base
// store it reads through. Batches applied one after another on an overlay
// (a run of blocks, one batch each) hash every version of the tree, so
// every root is exact, but the base receives only the versions Persist is
// given: the pages a run's later blocks replace are never written.
//
// A version that was not persisted is not readable from the base: its
// root record is absent there. Apply makes it readable again from a later
// version that is, with the reverse updates (see the package doc).
type Overlay struct {
	base NodeStore
	recs map[wire.Hash][]byte
}

// NewOverlay returns an empty overlay over base. Like base, it is used by
// one goroutine at a time and only while base is valid.
func NewOverlay(base NodeStore) *Overlay {
	return &Overlay{base: base, recs: make(map[wire.Hash][]byte)}
}

func (o *Overlay) Get(h wire.Hash) ([]byte, error) {
	if r, ok := o.recs[h]; ok {
		return r, nil
	}
	return o.base.Get(h)
}

func (o *Overlay) Put(h wire.Hash, node []byte) error {
	if _, ok := o.recs[h]; !ok {
		o.recs[h] = node
	}
	return nil
}

// Persist puts into the base every record held in memory that the tree
// under root reaches, so that root is readable from the base alone. A
// record the overlay does not hold is in the base with all it reaches
// (only whole versions are ever persisted), so the walk reads nothing but
// the pages that are new since the last persisted version.
func (o *Overlay) Persist(root wire.Hash) error {
	if root.IsZero() {
		return nil
	}
	a := getArena()
	defer putArena(a)
	return o.persist(a, a.ref(root), 0)
}

// persist persists the record of node i, a kindRef at depth d, and the
// records below it, if the overlay holds it.
func (o *Overlay) persist(a *arena, i int32, d int) error {
	h := a.nodes[i].hash
	rec, ok := o.recs[h]
	if !ok {
		return nil
	}
	mark := len(a.nodes)
	defer func() { a.nodes = a.nodes[:mark] }()
	if err := a.decodeRecord(i, rec, d, a.nodes[i].count); err != nil {
		return fmt.Errorf("%w: record %s at depth %d: %w", ErrCorruptNode, h, d, err)
	}
	if err := o.base.Put(h, rec); err != nil {
		return err
	}
	delete(o.recs, h) // a subtree shared by two parents is walked once
	if a.nodes[i].kind == kindLeaf {
		return nil
	}
	return o.refs(a, i, d)
}

// refs persists the pages referred to from the part of a page under node
// i at depth d (the page's root, or one of its inline nodes).
func (o *Overlay) refs(a *arena, i int32, d int) error {
	if err := a.expand(i, d); err != nil {
		return fmt.Errorf("%w: page node %s at depth %d: %w", ErrCorruptNode, a.nodes[i].hash, d, err)
	}
	for _, c := range [2]int32{a.nodes[i].left, a.nodes[i].right} {
		var err error
		switch a.nodes[c].kind {
		case kindRaw:
			err = o.refs(a, c, d+1)
		case kindRef:
			err = o.persist(a, c, d+1)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
