package smt

import (
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// Check reads the whole tree under root, recomputes every hash and checks
// every structural rule: each stored record hashes to its key, each leaf
// lies on its key's path, each internal node holds at least two leaves. It
// returns the number of leaves. It is for tests and repair tools; it costs
// a read of the whole tree.
func Check(s NodeStore, root wire.Hash) (leaves int, err error) {
	a := getArena()
	defer putArena(a)
	var path wire.Hash
	n, _, err := check(s, a, a.ref(root), 0, &path)
	return n, err
}

// check checks subtree i at depth d, whose position is the first d bits of
// path, and returns its leaf count and hash.
func check(s NodeStore, a *arena, i int32, d int, path *wire.Hash) (int, wire.Hash, error) {
	switch n := a.nodes[i]; n.kind {
	case kindEmpty:
		return 0, wire.Hash{}, nil
	case kindLeaf:
		if !samePrefix(&n.key, path, d) {
			return 0, n.hash, fmt.Errorf("%w: leaf %s at depth %d is off its key's path", ErrCorruptNode, n.key, d)
		}
		h := leafHash(n.key, n.value)
		if n.hashed && n.hash != h {
			return 0, h, fmt.Errorf("%w: leaf record %s holds a leaf hashing to %s", ErrCorruptNode, n.hash, h)
		}
		return 1, h, nil
	case kindRef:
		mark := len(a.nodes)
		j, err := a.load(s, n.hash, d)
		if err != nil {
			return 0, n.hash, err
		}
		c, h, err := check(s, a, j, d, path)
		a.truncate(mark)
		if err == nil && h != n.hash {
			err = fmt.Errorf("%w: record %s at depth %d hashes to %s", ErrCorruptNode, n.hash, d, h)
		}
		return c, n.hash, err
	}
	n := a.nodes[i]
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
	if cl+cr < 2 {
		return 0, n.hash, fmt.Errorf("%w: internal node %s at depth %d holds %d leaves", ErrCorruptNode, n.hash, d, cl+cr)
	}
	return cl + cr, n.hash, nil
}
