package smt

import (
	"github.com/bitverse/bitverse/node/wire"
)

// Get returns the value of key in the tree with the given root, and whether
// the key is present. An absent key has the zero value.
func Get(s NodeStore, root, key wire.Hash) (value wire.Hash, found bool, err error) {
	a := getArena()
	defer putArena(a)
	i := a.ref(root)
	for d := 0; ; {
		n := &a.nodes[i]
		switch n.kind {
		case kindEmpty:
			return wire.Hash{}, false, nil
		case kindLeaf:
			if n.key() != key {
				return wire.Hash{}, false, nil
			}
			return n.value(), true, nil
		case kindRef, kindRaw:
			if err := a.open(s, i, d); err != nil {
				return wire.Hash{}, false, err
			}
		case kindInner:
			if bit(&key, d) == 0 {
				i = n.left
			} else {
				i = n.right
			}
			d++
		}
	}
}

// Walk calls fn for every (key, value) in the tree with the given root, in
// increasing key order, and stops at the first error fn returns.
func Walk(s NodeStore, root wire.Hash, fn func(key, value wire.Hash) error) error {
	a := getArena()
	defer putArena(a)
	return walk(s, a, a.ref(root), 0, fn)
}

func walk(s NodeStore, a *arena, i int32, d int, fn func(key, value wire.Hash) error) error {
	mark := len(a.nodes)
	defer func() { a.nodes = a.nodes[:mark] }()
	for {
		switch n := a.nodes[i]; n.kind {
		case kindEmpty:
			return nil
		case kindLeaf:
			return fn(n.key(), n.value())
		case kindRef, kindRaw:
			if err := a.open(s, i, d); err != nil {
				return err
			}
			continue
		case kindInner:
			if err := walk(s, a, n.left, d+1, fn); err != nil {
				return err
			}
			return walk(s, a, n.right, d+1, fn)
		}
	}
}
