package smt

import (
	"fmt"
	"sync"

	"github.com/bitverse/bitverse/node/wire"
)

// pageHeight is the number of tree levels a stored page spans. Pages are
// rooted at the internal nodes whose depth is a multiple of pageHeight.
const pageHeight = 6

// Record tags: the first byte of a stored record.
const (
	tagLeaf = 0x00 // 0x00 ‖ key ‖ value: a tree that is a single leaf
	tagPage = 0x01 // 0x01 ‖ the page's internal nodes in preorder
)

// Child codes in a page's internal node.
const (
	codeEmpty = 0
	codeLeaf  = 1
	codeInner = 2
)

// kind is what an in-memory node is.
type kind uint8

const (
	kindEmpty kind = iota // the zero hash
	kindLeaf              // a leaf: key and value
	kindInner             // an internal node whose children are in memory
	kindRef               // an internal node rooting a stored page not in memory
)

// mnode is a node in memory. Leaves hash lazily: most leaves of a page
// are never hashed in a batch.
type mnode struct {
	kind        kind
	hashed      bool
	left, right int32 // kindInner: children, as arena indices
	hash        wire.Hash
	key, value  wire.Hash // kindLeaf
}

// empty is the arena index of the empty subtree.
const empty int32 = 0

// arena holds the nodes one operation has in memory, addressed by index so
// that growing it never invalidates a reference.
type arena struct {
	nodes []mnode
	recs  []byte   // Apply: encoded records waiting to be put
	out   []record // Apply: where they are in recs
}

var arenas = sync.Pool{New: func() any { return new(arena) }}

// getArena returns a reset arena from the pool; putArena gives it back.
func getArena() *arena {
	a := arenas.Get().(*arena)
	a.truncate(0)
	a.recs, a.out = a.recs[:0], a.out[:0]
	return a
}

func putArena(a *arena) {
	if cap(a.nodes) <= 1<<16 && cap(a.recs) <= 16<<20 {
		arenas.Put(a)
	}
}

// truncate drops every node from index mark on, always keeping empty.
func (a *arena) truncate(mark int) {
	if mark < 1 {
		a.nodes = append(a.nodes[:0], mnode{hashed: true})
		return
	}
	a.nodes = a.nodes[:mark]
}

func (a *arena) add(n mnode) int32 {
	a.nodes = append(a.nodes, n)
	return int32(len(a.nodes) - 1)
}

// ref adds a reference to the stored subtree with hash h (empty if zero).
func (a *arena) ref(h wire.Hash) int32 {
	if h.IsZero() {
		return empty
	}
	return a.add(mnode{kind: kindRef, hashed: true, hash: h})
}

// hashOf returns the hash of node i.
func (a *arena) hashOf(i int32) wire.Hash {
	n := &a.nodes[i]
	if !n.hashed {
		n.hash = leafHash(n.key, n.value)
		n.hashed = true
	}
	return n.hash
}

// load fetches the record of the node with hash h at depth d and decodes
// it into the arena, returning the node's index.
func (a *arena) load(s NodeStore, h wire.Hash, d int) (int32, error) {
	b, err := s.Get(h)
	if err != nil {
		return empty, err
	}
	if b == nil {
		return empty, fmt.Errorf("%w: %s", ErrMissingNode, h)
	}
	i, err := a.decodeRecord(b, h, d)
	if err != nil {
		return empty, fmt.Errorf("%w: record %s at depth %d: %s", ErrCorruptNode, h, d, err)
	}
	return i, nil
}

// decodeRecord decodes a stored record, rejecting any non-canonical form.
// Hashes are taken as stored; Check recomputes them.
func (a *arena) decodeRecord(b []byte, h wire.Hash, d int) (int32, error) {
	if len(b) == 0 {
		return empty, fmt.Errorf("empty record")
	}
	switch b[0] {
	case tagLeaf:
		if d != 0 {
			return empty, fmt.Errorf("leaf record below the root")
		}
		if len(b) != 1+2*wire.HashSize {
			return empty, fmt.Errorf("leaf record of %d bytes", len(b))
		}
		n := mnode{kind: kindLeaf, hashed: true, hash: h}
		copy(n.key[:], b[1:])
		copy(n.value[:], b[1+wire.HashSize:])
		if n.value.IsZero() {
			return empty, fmt.Errorf("leaf with empty value")
		}
		return a.add(n), nil
	case tagPage:
		p := b[1:]
		i, err := a.decodeInner(&p, h, d, 0)
		if err != nil {
			return empty, err
		}
		if len(p) != 0 {
			return empty, fmt.Errorf("%d trailing bytes", len(p))
		}
		return i, nil
	}
	return empty, fmt.Errorf("unknown tag %#x", b[0])
}

// decodeInner decodes the internal node with hash h at depth d, rel levels
// below its page's root, and its in-page descendants.
func (a *arena) decodeInner(p *[]byte, h wire.Hash, d, rel int) (int32, error) {
	if d >= KeyBits {
		return empty, fmt.Errorf("internal node at depth %d", d)
	}
	if len(*p) == 0 {
		return empty, fmt.Errorf("truncated page")
	}
	c := (*p)[0]
	*p = (*p)[1:]
	lc, rc := c>>2, c&3
	switch {
	case c>>4 != 0 || lc > codeInner || rc > codeInner:
		return empty, fmt.Errorf("bad child codes %#x", c)
	case lc == codeEmpty && rc != codeInner, rc == codeEmpty && lc != codeInner:
		return empty, fmt.Errorf("internal node at depth %d holds fewer than two leaves", d)
	}
	i := a.add(mnode{kind: kindInner, hashed: true, hash: h})
	l, err := a.decodeChild(p, lc, d+1, rel+1)
	if err != nil {
		return empty, err
	}
	r, err := a.decodeChild(p, rc, d+1, rel+1)
	if err != nil {
		return empty, err
	}
	a.nodes[i].left, a.nodes[i].right = l, r
	return i, nil
}

func (a *arena) decodeChild(p *[]byte, code byte, d, rel int) (int32, error) {
	switch code {
	case codeEmpty:
		return empty, nil
	case codeLeaf:
		if len(*p) < 2*wire.HashSize {
			return empty, fmt.Errorf("truncated leaf")
		}
		n := mnode{kind: kindLeaf}
		copy(n.key[:], *p)
		copy(n.value[:], (*p)[wire.HashSize:])
		*p = (*p)[2*wire.HashSize:]
		if n.value.IsZero() {
			return empty, fmt.Errorf("leaf with empty value")
		}
		return a.add(n), nil
	}
	if len(*p) < wire.HashSize {
		return empty, fmt.Errorf("truncated hash")
	}
	h := wire.Hash((*p)[:wire.HashSize])
	*p = (*p)[wire.HashSize:]
	if h.IsZero() {
		return empty, fmt.Errorf("internal node with the empty hash")
	}
	if rel < pageHeight {
		return a.decodeInner(p, h, d, rel)
	}
	if d >= KeyBits {
		return empty, fmt.Errorf("internal node at depth %d", d)
	}
	return a.ref(h), nil
}

// appendPage appends the record of the page rooted at internal node i.
// Every internal node pageHeight levels below i must be a kindRef (its own
// page already stored), and every one above a kindInner.
func (a *arena) appendPage(dst []byte, i int32) []byte {
	dst = append(dst, tagPage)
	return a.appendInner(dst, i, 0)
}

func (a *arena) appendInner(dst []byte, i int32, rel int) []byte {
	n := &a.nodes[i]
	dst = append(dst, a.code(n.left)<<2|a.code(n.right))
	dst = a.appendChild(dst, n.left, rel+1)
	return a.appendChild(dst, n.right, rel+1)
}

func (a *arena) code(i int32) byte {
	switch a.nodes[i].kind {
	case kindEmpty:
		return codeEmpty
	case kindLeaf:
		return codeLeaf
	}
	return codeInner
}

func (a *arena) appendChild(dst []byte, i int32, rel int) []byte {
	n := &a.nodes[i]
	switch n.kind {
	case kindLeaf:
		dst = append(dst, n.key[:]...)
		return append(dst, n.value[:]...)
	case kindInner, kindRef:
		if (n.kind == kindRef) != (rel == pageHeight) {
			panic("smt: page boundary out of place") // a bug in Apply, not bad data
		}
		dst = append(dst, n.hash[:]...)
		if n.kind == kindInner {
			dst = a.appendInner(dst, i, rel)
		}
	}
	return dst
}
