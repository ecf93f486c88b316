// Package smt is Bitverse's authenticated sparse Merkle tree: a map from
// 256-bit keys to 32-byte value hashes whose root every block header commits
// to, with compact proofs that a light client checks against that root.
//
// # Shape
//
// The tree is binary over the bits of the key, most significant bit first:
// bit d of a key picks the left (0) or right (1) child at depth d. A subtree
// with no keys is empty and hashes to zero. A subtree with exactly one key is
// that key's leaf, placed at the top of the subtree (a shortcut leaf, as in
// Diem's Jellyfish Merkle tree), so a path is only as long as it takes to
// tell its key from its nearest neighbour. A subtree with two or more keys
// is an internal node, even when all of them lie on one side.
//
//	empty     = 0x00…00 (32 zero bytes)
//	leaf      = SHA-256(0x00 ‖ key ‖ value)
//	internal  = SHA-256(0x01 ‖ left ‖ right)
//
//	                          root
//	                 0 /              \ 1
//	           internal                 leaf(k3,v3)     k3 = 1…   (alone under "1")
//	         0 /      \ 1
//	    internal       0x00…00                          nothing under "01"
//	   0 /    \ 1
//	leaf(k1)  leaf(k2)                                  k1 = 000…, k2 = 001…
//
// A leaf's hash does not depend on its depth, and the shape depends only on
// the set of keys, so the root depends only on the set of (key, value)
// pairs: never on insertion order or on how updates are batched. A zero
// value means "absent", so Update{Key, zero} deletes Key; when a deletion
// leaves a leaf alone under an internal node, the leaf moves up.
//
// # Apply
//
// Apply takes a whole batch (a block's worth) at once. It sorts the updates
// by key and recurses down the tree once, splitting the batch at each
// internal node, so each changed node is hashed once per batch, bottom-up,
// and each changed record is read once and written once. Nothing it builds
// is read back from the store. It never changes or deletes a stored record:
// it adds the records of the new version and returns the new root. Every
// older root stays readable and provable, which is how the chain rolls back
// a reorganisation: by going back to an older root.
//
// An Overlay holds what a run of batches puts in memory and persists only
// the versions it is asked to; a version not persisted is rebuilt, when
// needed, by applying the reverse updates to a later version that was
// (the shape depends only on the set of pairs, so the records match).
//
// Garbage collection of records no longer reachable from any root the chain
// keeps is future work: today the bucket only grows.
//
// # Storage
//
// A NodeStore maps a hash to a record, content-addressed: the key of a
// record is the hash of the tree node it stores. NewBoltStore keeps records
// in a bucket of the caller's bbolt transaction, so a block's updates commit
// or roll back with the rest of the block; NewMemStore is for tests and
// tools.
//
// A record per binary node would cost a dozen random B+tree reads and
// writes per update, so nodes are grouped into pages by subtree size, like
// a B-tree. The class of a subtree of n leaves is floor(log64 n): class 0
// holds 1 to 63 leaves, class 1 64 to 4095, class 2 4096 to 262143, and so
// on. A page is the tree's root, or an internal node whose class is below
// its parent's, together with every descendant of its own class; leaves are
// stored inline in the page above them. A class-0 page is a whole small
// subtree, so one update changes about one bottom page of a few KB plus its
// share of the few large pages above.
//
//	class 2 page (root)          ┌──────── root (100,000 leaves) ────────┐
//	                             │  internal nodes with ≥ 4096 leaves    │
//	                             └──┬────────────┬────────────────────┬──┘
//	class 1 pages              ┌────┴────┐  ┌────┴────┐    …     ┌────┴────┐
//	(64..4095 leaves)          │ ≥ 64    │  │         │          │         │
//	                           └┬──┬──┬──┘  └─────────┘          └─────────┘
//	class 0 pages            ┌──┴┐┌┴─┐┌┴──┐   whole subtrees of < 64 leaves,
//	(< 64 leaves)            │ … ││… ││ … │   leaves inline
//	                         └───┘└──┘└───┘
//
// Records:
//
//	leaf record  0x00 ‖ key ‖ value              only the root of a one-leaf tree
//	page record  0x01 ‖ uvarint leaves ‖ body     keyed by the hash of the page's root
//	body         code ‖ left child ‖ right child  code = 4·left code + right code
//	child        0 empty:  nothing
//	             1 leaf:   key ‖ value
//	             2 inline internal node of this page:
//	                 left:  hash ‖ uvarint leaves ‖ uvarint body length ‖ body
//	                 right: hash ‖ body (length and leaves follow from the parent's)
//	             3 root of another page: hash ‖ uvarint leaves
//
// Stored hashes of inline nodes spare Apply from rehashing a page it reads,
// and the stored lengths let it step over the parts of a page a batch does
// not touch, which it copies verbatim into the new page. A page's layout is
// a function of its content, so equal hashes always mean equal records.
// Apply trusts what it reads; Check recomputes every hash and count.
//
// Apply encodes a batch's records into large chunks and hands them to the
// store without copying; a BoltStore lends it those chunks and takes them
// back when the transaction commits, so a block's megabytes of records
// cost the garbage collector nothing.
//
// # Proofs
//
// Prove walks from the root along the key's bits to the key's slot: a leaf
// or an empty subtree at Depth. The proof holds the siblings along that path
// (the empty ones left out, marked by a bitmap) and, when the slot holds a
// different key's leaf, that leaf's key and value. Verify folds the slot's
// hash back up with the siblings and compares the result with the root:
//
//	root  = H(0x01 ‖ s1 ‖ n1)           key bit 0 = 1: path goes right, s1 on the left
//	n1    = H(0x01 ‖ n2 ‖ 0x00…00)      key bit 1 = 0: path goes left, empty sibling (bitmap 0)
//	n2    = H(0x01 ‖ n3 ‖ s3)
//	n3    = slot: leaf(key,value) | 0x00…00 | leaf(otherKey,otherValue)
//
// The encoding is given on Proof.Encode. A well-formed proof is unique for a
// (root, key) pair: Verify rejects empty siblings in the list, a bitmap
// longer than the path, a slot whose own sibling is empty (the slot would be
// one level up), another leaf that is the key itself or whose key does not
// lead to the slot, an inclusion proof offered for a zero value, and a proof
// of absence offered for a non-zero one.
//
// # Concurrency
//
// Functions keep no state between calls and may run concurrently on
// different stores. A store is used by one goroutine at a time, like the
// bbolt transaction under it.
//
// # Errors
//
// Proof.Verify wraps ErrInvalidProof with the reason. DecodeProof errors
// wrap wire.ErrMalformed, and also ErrInvalidProof when the bytes parse but
// do not form a well-formed proof. Reading a root that the store does not
// hold, or a store that has lost records, gives an error wrapping
// ErrMissingNode; a record that does not decode, or (from Check) a tree
// whose hashes, counts or shape are wrong, gives ErrCorruptNode. Errors from
// bbolt are wrapped as they are.
package smt
