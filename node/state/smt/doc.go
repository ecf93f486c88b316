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
// # Storage
//
// Nodes are content-addressed: a NodeStore maps a node's hash to its stored
// form. NewBoltStore keeps them in a bucket of the caller's bbolt
// transaction, so a block's updates commit atomically with the rest of the
// block; NewMemStore is for tests and tools. Stored forms are small:
//
//	leaf               0x00 ‖ key ‖ value   (65 bytes, the hash preimage)
//	internal           0x01 ‖ left ‖ right  (65 bytes, the hash preimage)
//	internal, no right 0x02 ‖ left          (33 bytes)
//	internal, no left  0x03 ‖ right         (33 bytes)
//
// Apply never changes or deletes a stored node: it adds the nodes of the
// new version and returns the new root. Every older root stays readable and
// provable, which is how the chain rolls back a reorganisation (by going
// back to an older root). Apply works on a whole batch at once: it sorts the
// updates by key and recurses down the tree once, splitting the batch at
// each node, so each changed node is read once and encoded, hashed and
// written once per batch, bottom-up. Nodes it has just built are never read
// back.
//
// Garbage collection of nodes no longer reachable from any root the chain
// keeps is future work: today the bucket only grows.
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
// lead to the slot, and an inclusion proof offered for a zero value, or a
// proof of absence for a non-zero one.
//
// # Concurrency
//
// Functions keep no state between calls. A store is used by one goroutine
// at a time, like the bbolt transaction under it.
//
// # Errors
//
// Proof.Verify wraps ErrInvalidProof with the reason. DecodeProof errors
// wrap wire.ErrMalformed, and also ErrInvalidProof when the bytes parse but
// do not form a well-formed proof. Reading a root that the store does not
// hold, or a store that has lost nodes, gives an error wrapping
// ErrMissingNode; a stored node that does not decode or breaks the tree's
// shape gives ErrCorruptNode. Errors from bbolt are wrapped as they are.
package smt
