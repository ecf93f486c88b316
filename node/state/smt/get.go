package smt

import (
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// Get returns the value of key in the tree with the given root, and whether
// the key is present. An absent key has the zero value.
func Get(s NodeStore, root, key wire.Hash) (value wire.Hash, found bool, err error) {
	h := root
	for d := 0; !h.IsZero(); d++ {
		n, err := load(s, h)
		if err != nil {
			return wire.Hash{}, false, err
		}
		if n.leaf {
			if n.key != key {
				return wire.Hash{}, false, nil
			}
			return n.value, true, nil
		}
		if d >= KeyBits {
			return wire.Hash{}, false, fmt.Errorf("%w: internal node %s below depth %d", ErrCorruptNode, h, KeyBits)
		}
		if bit(&key, d) == 0 {
			h = n.left
		} else {
			h = n.right
		}
	}
	return wire.Hash{}, false, nil
}

// Walk calls fn for every (key, value) in the tree with the given root, in
// increasing key order, and stops at the first error fn returns.
func Walk(s NodeStore, root wire.Hash, fn func(key, value wire.Hash) error) error {
	return walk(s, root, 0, fn)
}

func walk(s NodeStore, h wire.Hash, d int, fn func(key, value wire.Hash) error) error {
	if h.IsZero() {
		return nil
	}
	n, err := load(s, h)
	if err != nil {
		return err
	}
	if n.leaf {
		return fn(n.key, n.value)
	}
	if d >= KeyBits {
		return fmt.Errorf("%w: internal node %s below depth %d", ErrCorruptNode, h, KeyBits)
	}
	if err := walk(s, n.left, d+1, fn); err != nil {
		return err
	}
	return walk(s, n.right, d+1, fn)
}
