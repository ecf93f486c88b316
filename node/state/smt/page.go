package smt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"github.com/bitverse/bitverse/node/wire"
)

// Pages group the tree's nodes into stored records by subtree size. The
// class of a subtree with n leaves is floor(log64 n): class 0 holds 1..63
// leaves, class 1 64..4095, class 2 4096..262143, and so on. A page is the
// root, or an internal node whose class is below its parent's, together with
// every descendant of the same class; leaves are always stored inline.
const classBits = 6

// classOf returns the class of a subtree of n ≥ 1 leaves.
func classOf(n uint64) uint8 { return uint8((bits.Len64(n) - 1) / classBits) }

// Record tags: the first byte of a stored record.
const (
	tagLeaf = 0x00 // 0x00 ‖ key ‖ value: a tree that is a single leaf
	tagPage = 0x01 // 0x01 ‖ uvarint leaf count ‖ body of the page's root
)

// Child codes, two bits each in an internal node's code byte.
const (
	codeEmpty  = 0 // nothing follows
	codeLeaf   = 1 // key ‖ value
	codeInline = 2 // an internal node of the same page: as a left child,
	//                hash ‖ uvarint leaf count ‖ uvarint body length ‖ body;
	//                as a right child, hash ‖ body (its length and count are
	//                what the left child leaves of its parent's)
	codeRef = 3 // hash ‖ uvarint leaf count: the root of another page
)

// kind is what an in-memory node is.
type kind uint8

const (
	kindEmpty kind = iota // the zero hash
	kindLeaf              // a leaf: key and value
	kindInner             // an internal node whose children are in memory
	kindRaw               // an internal node whose body (raw) is not yet parsed
	kindRef               // the root of a page not loaded (raw is nil) or loaded (raw is its body)
)

// mnode is a node in memory. Leaves hash lazily: most leaves of a page are
// never hashed in a batch.
type mnode struct {
	kind        kind
	hashed      bool
	class       uint8  // kindRaw, kindInner from a page: the page's class
	left, right int32  // kindInner: children, as arena indices
	count       uint64 // leaves in the subtree (0 for the root reference: unknown)
	size        int    // kindInner built by Apply: length of its body
	hash        wire.Hash
	// raw is the node's stored form: for a kindLeaf its key ‖ value; for a
	// kindRaw, a kindInner parsed from one (and so unchanged) and a loaded
	// kindRef, its body. A node built by Apply has none. It aliases store
	// memory, valid while the store's transaction lasts, or Apply's own, and
	// is never written to.
	raw []byte
}

// key and value return a leaf's key and value.
func (n *mnode) key() wire.Hash   { return wire.Hash(n.raw[:wire.HashSize]) }
func (n *mnode) value() wire.Hash { return wire.Hash(n.raw[wire.HashSize:]) }

// leafKV is the stored form of a leaf: key ‖ value.
const leafKV = 2 * wire.HashSize

// empty is the arena index of the empty subtree.
const empty int32 = 0

// arena holds the nodes one operation has in memory, addressed by index so
// that growing it never invalidates a reference.
type arena struct {
	nodes []mnode
	recs  []byte   // Apply: the chunk it encodes records into (see reserve)
	chunk int      // Apply: the size of a new chunk
	lend  lender   // Apply: the store, if it lends chunks
	out   []record // Apply: the records waiting to be put
	kvs   []byte   // Apply: key ‖ value of the leaves it makes
}

// spare keeps a few arenas for reuse. Unlike a sync.Pool it survives
// garbage collection, so the arena of a block-sized batch keeps its capacity
// from one block to the next.
var spare = make(chan *arena, 4)

// getArena returns a reset arena; putArena gives it back.
func getArena() *arena {
	var a *arena
	select {
	case a = <-spare:
	default:
		a = new(arena)
	}
	a.nodes = append(a.nodes[:0], mnode{hashed: true})
	a.recs, a.out, a.kvs, a.lend = nil, a.out[:0], nil, nil
	return a
}

func putArena(a *arena) {
	if cap(a.nodes) > 1<<20 || cap(a.out) > 1<<20 {
		return // an unusually large batch: let it go
	}
	clear(a.out) // let the record chunks go
	a.recs = nil // the store may keep what was put until its transaction ends
	select {
	case spare <- a:
	default:
	}
}

func (a *arena) add(n mnode) int32 {
	a.nodes = append(a.nodes, n)
	return int32(len(a.nodes) - 1)
}

// ref adds a reference to the stored tree with root hash h (empty if zero).
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
		n.hash = leafHashKV(n.raw)
		n.hashed = true
	}
	return n.hash
}

// countOf returns the number of leaves under node i.
func (a *arena) countOf(i int32) uint64 {
	switch n := &a.nodes[i]; n.kind {
	case kindEmpty:
		return 0
	case kindLeaf:
		return 1
	default:
		return n.count
	}
}

// errCorrupt is the cause inside corrupt-record errors.
var errCorrupt = errors.New("bad record")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errCorrupt}, args...)...)
}

// load fetches the page or leaf record of the kindRef node i at depth d.
// A page leaves i a loaded kindRef; a leaf record (only a tree's root can
// be one) turns i into that leaf.
func (a *arena) load(s NodeStore, i int32, d int) error {
	h, want := a.nodes[i].hash, a.nodes[i].count
	b, err := s.Get(h)
	if err != nil {
		return err
	}
	if b == nil {
		return fmt.Errorf("%w: %s", ErrMissingNode, h)
	}
	if err := a.decodeRecord(i, b, d, want); err != nil {
		return fmt.Errorf("%w: record %s at depth %d: %w", ErrCorruptNode, h, d, err)
	}
	return nil
}

func (a *arena) decodeRecord(i int32, b []byte, d int, want uint64) error {
	if len(b) == 0 {
		return corrupt("empty")
	}
	n := &a.nodes[i]
	switch b[0] {
	case tagLeaf:
		if d != 0 {
			return corrupt("leaf record below the root")
		}
		if len(b) != 1+2*wire.HashSize {
			return corrupt("leaf record of %d bytes", len(b))
		}
		n.kind, n.raw = kindLeaf, b[1:]
		if n.value().IsZero() {
			return corrupt("leaf with empty value")
		}
		return nil
	case tagPage:
		count, k := uvarint(b[1:])
		switch {
		case k <= 0:
			return corrupt("bad leaf count")
		case count < 2:
			return corrupt("page of %d leaves", count)
		case want != 0 && count != want:
			return corrupt("page holds %d leaves, its parent says %d", count, want)
		}
		n.count, n.class, n.raw = count, classOf(count), b[1+k:]
		return nil
	}
	return corrupt("unknown tag %#x", b[0])
}

// expand parses the body of node i at depth d (a kindRaw, or a loaded
// kindRef) and makes it a kindInner with its children in memory. Inline
// children stay kindRaw until expanded in turn, and their stored lengths
// let expand step over them, so a walk down one path costs a few bytes per
// level, not a decoding of the page.
func (a *arena) expand(i int32, d int) error {
	raw, count, class := a.nodes[i].raw, a.nodes[i].count, a.nodes[i].class
	if d >= KeyBits {
		return corrupt("internal node at depth %d", d)
	}
	lc, rc, err := codes(raw)
	if err != nil {
		return err
	}
	p := raw[1:]
	l, used, err := a.child(p, lc, d+1, class)
	if err != nil {
		return err
	}
	p = p[used:]
	var r int32
	if rc == codeInline {
		// The right child's body runs to the end of this node's body, and
		// its count is what the left child leaves of this node's.
		lcount := a.countOf(l)
		if len(p) < wire.HashSize {
			return corrupt("truncated hash")
		}
		h := wire.Hash(p[:wire.HashSize])
		if h.IsZero() || lcount >= count || count-lcount < 2 || classOf(count-lcount) != class {
			return corrupt("inline node with bad hash or count")
		}
		r = a.add(mnode{kind: kindRaw, hashed: true, class: class, count: count - lcount, hash: h, raw: p[wire.HashSize:]})
	} else {
		if r, used, err = a.child(p, rc, d+1, class); err != nil {
			return err
		}
		if used != len(p) {
			return corrupt("%d trailing bytes", len(p)-used)
		}
		if c := a.countOf(l) + a.countOf(r); c != count {
			return corrupt("node holds %d leaves, its parent says %d", c, count)
		}
	}
	n := &a.nodes[i]
	n.kind, n.left, n.right = kindInner, l, r
	return nil
}

// codes returns the child codes of a body and checks them.
func codes(body []byte) (lc, rc byte, err error) {
	if len(body) == 0 {
		return 0, 0, corrupt("truncated body")
	}
	c := body[0]
	lc, rc = c>>2, c&3
	switch {
	case c>>4 != 0:
		return 0, 0, corrupt("bad child codes %#x", c)
	case lc == codeEmpty && rc <= codeLeaf, rc == codeEmpty && lc <= codeLeaf:
		return 0, 0, corrupt("internal node holds fewer than two leaves")
	}
	return lc, rc, nil
}

// child parses one child of a node in a page of the given class, at depth
// d, from the front of p, and returns it and the bytes it took.
func (a *arena) child(p []byte, code byte, d int, class uint8) (int32, int, error) {
	switch code {
	case codeEmpty:
		return empty, 0, nil
	case codeLeaf:
		if len(p) < leafKV {
			return empty, 0, corrupt("truncated leaf")
		}
		n := mnode{kind: kindLeaf, raw: p[:leafKV:leafKV]}
		if n.value().IsZero() {
			return empty, 0, corrupt("leaf with empty value")
		}
		return a.add(n), leafKV, nil
	}
	if len(p) < wire.HashSize {
		return empty, 0, corrupt("truncated hash")
	}
	h := wire.Hash(p[:wire.HashSize])
	if h.IsZero() {
		return empty, 0, corrupt("internal node with the empty hash")
	}
	count, k := uvarint(p[wire.HashSize:])
	if k <= 0 || count < 2 {
		return empty, 0, corrupt("bad leaf count")
	}
	off := wire.HashSize + k
	if code == codeInline {
		n, k := uvarint(p[off:])
		off += k
		if k <= 0 || n > uint64(len(p)-off) || classOf(count) != class {
			return empty, 0, corrupt("bad inline node")
		}
		raw := p[off : off+int(n) : off+int(n)]
		return a.add(mnode{kind: kindRaw, hashed: true, class: class, count: count, hash: h, raw: raw}), off + int(n), nil
	}
	if classOf(count) >= class {
		return empty, 0, corrupt("page reference of class %d in a class %d page", classOf(count), class)
	}
	if d >= KeyBits {
		return empty, 0, corrupt("internal node at depth %d", d)
	}
	return a.add(mnode{kind: kindRef, hashed: true, count: count, hash: h}), off, nil
}

// uvarint decodes a minimal unsigned varint, returning k ≤ 0 on error.
func uvarint(p []byte) (uint64, int) {
	v, k := binary.Uvarint(p)
	if k > 1 && p[k-1] == 0 { // a zero last byte could have been left off
		return 0, -1
	}
	return v, k
}

// record is a record encoded by Apply and waiting to be put.
type record struct {
	hash wire.Hash
	data []byte
}

// recChunk is the largest chunk Apply encodes records into; a small batch
// starts with a smaller one.
const recChunk = 256 << 10

// reserve makes room for n more bytes in the current chunk, starting a new
// chunk if need be, so that records never move once written: they go to
// the store as they are, and bbolt keeps them until the transaction ends.
func (a *arena) reserve(n int) {
	if cap(a.recs)-len(a.recs) >= n {
		return
	}
	// A small batch's first chunk is made to its size: lending it a full
	// chunk would hold 256 KiB per batch until the transaction commits,
	// and a run of blocks commits many batches at once.
	if a.lend != nil && a.chunk == recChunk && n <= recChunk {
		a.recs = a.lend.lendChunk()
		return
	}
	a.recs = make([]byte, 0, max(a.chunk, n))
	a.chunk = recChunk
}

// encodePage appends the record of the page rooted at node i to a.recs and
// a.out, and leaves i a kindRef. Node i is a kindInner built by Apply, whose
// children are settled, or a node with a stored body that now roots a page
// of its own.
func (a *arena) encodePage(i int32) {
	n := &a.nodes[i]
	a.reserve(1 + uvarintLen(n.count) + a.bodySize(i))
	start := len(a.recs)
	a.recs = append(a.recs, tagPage)
	a.recs = binary.AppendUvarint(a.recs, n.count)
	a.writeBody(i, classOf(n.count))
	a.out = append(a.out, record{n.hash, a.recs[start:len(a.recs):len(a.recs)]})
	n.kind = kindRef
}

// settle decides, for a node just built in a page of the given class,
// whether its child c at depth d stays in that page or roots a page of its
// own. A child of a lower class is encoded now, while its nodes are still
// in cache; a child page of the same class (the page shrank) is loaded to
// be merged in.
func (a *arena) settle(s NodeStore, c int32, d int, class uint8) error {
	switch n := &a.nodes[c]; n.kind {
	case kindEmpty, kindLeaf:
	case kindRef:
		if n.raw == nil && classOf(n.count) == class {
			return a.load(s, c, d)
		}
	default:
		if classOf(n.count) != class {
			a.encodePage(c)
		}
	}
	return nil
}

// writeBody appends the body of node i in a page of the given class.
func (a *arena) writeBody(i int32, class uint8) {
	n := &a.nodes[i]
	if n.raw != nil {
		a.recs = append(a.recs, n.raw...)
		return
	}
	l, r := &a.nodes[n.left], &a.nodes[n.right]
	a.recs = append(a.recs, a.code(l, class)<<2|a.code(r, class))
	a.writeChild(n.left, class, true)
	a.writeChild(n.right, class, false)
}

func (a *arena) code(n *mnode, class uint8) byte {
	switch {
	case n.kind == kindEmpty:
		return codeEmpty
	case n.kind == kindLeaf:
		return codeLeaf
	case n.kind == kindRef && classOf(n.count) != class:
		return codeRef
	}
	return codeInline
}

func (a *arena) writeChild(i int32, class uint8, left bool) {
	n := &a.nodes[i]
	switch a.code(n, class) {
	case codeLeaf:
		a.recs = append(a.recs, n.raw...)
	case codeInline:
		a.recs = append(a.recs, n.hash[:]...)
		if left {
			a.recs = binary.AppendUvarint(a.recs, n.count)
			a.recs = binary.AppendUvarint(a.recs, uint64(a.bodySize(i)))
		}
		a.writeBody(i, class)
	case codeRef:
		a.recs = append(a.recs, n.hash[:]...)
		a.recs = binary.AppendUvarint(a.recs, n.count)
	}
}

// bodySize returns the length of the body of node i.
func (a *arena) bodySize(i int32) int {
	if n := &a.nodes[i]; n.raw == nil {
		return n.size
	}
	return len(a.nodes[i].raw)
}

// childSize returns the length of the encoding of child i of a node in a
// page of the given class.
func (a *arena) childSize(i int32, class uint8, left bool) int {
	n := &a.nodes[i]
	switch a.code(n, class) {
	case codeLeaf:
		return leafKV
	case codeInline:
		size := wire.HashSize + a.bodySize(i)
		if left {
			size += uvarintLen(n.count) + uvarintLen(uint64(a.bodySize(i)))
		}
		return size
	case codeRef:
		return wire.HashSize + uvarintLen(n.count)
	}
	return 0
}

func uvarintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

// open makes node i at depth d, a kindRef or kindRaw, a kindInner with its
// children in memory (or, for the root of a one-leaf tree, a kindLeaf).
func (a *arena) open(s NodeStore, i int32, d int) error {
	if a.nodes[i].kind == kindRef && a.nodes[i].raw == nil {
		if err := a.load(s, i, d); err != nil {
			return err
		}
		if a.nodes[i].kind == kindLeaf {
			return nil
		}
	}
	if err := a.expand(i, d); err != nil {
		return fmt.Errorf("%w: page node %s at depth %d: %w", ErrCorruptNode, a.nodes[i].hash, d, err)
	}
	return nil
}
