package smt

import (
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// Check reads the whole tree under root, recomputes every hash and leaf
// count and checks every structural rule: each record decodes canonically
// and hashes to its key, each leaf lies on its key's path, each internal
// node holds at least two leaves, each page holds exactly its class. It
// returns the number of leaves. It is for tests and repair tools: it reads
// the whole tree.
func Check(s NodeStore, root wire.Hash) (leaves int, err error) {
	a := getArena()
	defer putArena(a)
	var path wire.Hash
	n, _, err := check(s, a, a.ref(root), 0, &path)
	return int(n), err
}

// check checks subtree i at depth d, whose position is the first d bits of
// path, and returns its leaf count and hash.
func check(s NodeStore, a *arena, i int32, d int, path *wire.Hash) (uint64, wire.Hash, error) {
	mark := len(a.nodes)
	defer func() { a.nodes = a.nodes[:mark] }()
	if k := a.nodes[i].kind; k == kindRef || k == kindRaw {
		if err := a.open(s, i, d); err != nil {
			return 0, wire.Hash{}, err
		}
	}
	n := a.nodes[i]
	switch n.kind {
	case kindEmpty:
		return 0, wire.Hash{}, nil
	case kindLeaf:
		key := n.key()
		if !samePrefix(&key, path, d) {
			return 0, wire.Hash{}, fmt.Errorf("%w: leaf %s at depth %d is off its key's path", ErrCorruptNode, key, d)
		}
		h := leafHashKV(n.raw)
		if n.hashed && n.hash != h {
			return 0, h, fmt.Errorf("%w: leaf record %s holds a leaf hashing to %s", ErrCorruptNode, n.hash, h)
		}
		return 1, h, nil
	}
	path[d>>3] &^= 0x80 >> uint(d&7)
	cl, hl, err := check(s, a, n.left, d+1, path)
	if err != nil {
		return 0, n.hash, err
	}
	path[d>>3] |= 0x80 >> uint(d&7)
	cr, hr, err := check(s, a, n.right, d+1, path)
	path[d>>3] &^= 0x80 >> uint(d&7)
	if err != nil {
		return 0, n.hash, err
	}
	if h := innerHash(hl, hr); h != n.hash {
		return 0, h, fmt.Errorf("%w: internal node at depth %d stored as %s hashes to %s", ErrCorruptNode, d, n.hash, h)
	}
	if cl+cr != n.count {
		return 0, n.hash, fmt.Errorf("%w: internal node %s at depth %d holds %d leaves, recorded as %d", ErrCorruptNode, n.hash, d, cl+cr, n.count)
	}
	return cl + cr, n.hash, nil
}
