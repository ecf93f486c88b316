package blob

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
	"go.etcd.io/bbolt"
)

// putBatchBytes is how many bytes of chunks go into one bbolt transaction.
const putBatchBytes = 8 << 20

// Store keeps chunks in the "blobs" bucket of the node's database:
//
//	root ‖ size u64 ‖ chunk size u32 ‖ index u32  →  branch ‖ chunk
//	root ‖ size u64 ‖ chunk size u32              →  manifest (all chunks present)
//
// Each chunk is stored with its Merkle branch, so a node can serve and
// re-verify any chunk it has, even of a blob it holds only in part. Every
// read verifies the chunk against the manifest. The Store is safe for
// concurrent use.
type Store struct {
	db      *bbolt.DB
	tempDir string
}

// NewStore returns a store on db, which must have the store.Blobs bucket
// (store.Open creates it).
func NewStore(db *bbolt.DB) *Store {
	return &Store{db: db, tempDir: filepath.Dir(db.Path())}
}

// record is one chunk on its way to the database: its index and the value
// stored for it (branch ‖ chunk).
type record struct {
	i    int
	val  []byte
	from peer.ID // the peer that sent it ("" from a local put)
}

// Put stores the blob read from r (until EOF) in chunks of DefaultChunkSize
// and returns its manifest.
func (s *Store) Put(r io.Reader) (Manifest, error) { return s.PutChunks(r, DefaultChunkSize) }

// PutChunks is Put with a chosen chunk size (a power of two from
// MinChunkSize to MaxChunkSize).
//
// It reads the input twice and never holds more than one chunk and the
// chunk hashes in memory: a first pass hashes the chunks to find the root
// (which names every key), a second stores them with their branches, one
// bbolt transaction per 8 MiB. An io.ReadSeeker (a file) is read twice in
// place; any other reader is spooled to a temporary file next to the
// database first. If the input changes between the passes, PutChunks fails
// with ErrChanged and keeps nothing.
func (s *Store) PutChunks(r io.Reader, chunkSize int) (Manifest, error) {
	if err := checkChunkSize(int64(chunkSize)); err != nil {
		return Manifest{}, err
	}
	var (
		hashes []wire.Hash
		size   uint64
		rewind func() (io.Reader, error)
		err    error
	)
	if rs, ok := r.(io.ReadSeeker); ok {
		if start, serr := rs.Seek(0, io.SeekCurrent); serr == nil {
			rewind = func() (io.Reader, error) {
				_, err := rs.Seek(start, io.SeekStart)
				return rs, err
			}
			hashes, size, err = hashChunks(rs, chunkSize)
		}
	}
	if rewind == nil {
		f, ferr := os.CreateTemp(s.tempDir, "blob-put-*")
		if ferr != nil {
			return Manifest{}, fmt.Errorf("spool blob: %w", ferr)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		rewind = func() (io.Reader, error) {
			_, err := f.Seek(0, io.SeekStart)
			return f, err
		}
		hashes, size, err = hashChunks(io.TeeReader(r, f), chunkSize)
	}
	if err != nil {
		return Manifest{}, err
	}
	tree := NewTree(hashes)
	m := Manifest{Size: size, ChunkSize: uint32(chunkSize), Root: tree.Root()}
	if err := m.Check(); err != nil {
		return Manifest{}, err
	}
	if s.Has(m) {
		return m, nil
	}
	src, err := rewind()
	if err != nil {
		return Manifest{}, fmt.Errorf("rewind blob input: %w", err)
	}
	if err := s.storeChunks(m, src, hashes, tree); err != nil {
		if !s.Has(m) {
			s.Delete(m)
		}
		return Manifest{}, err
	}
	return m, nil
}

// hashChunks reads r to EOF and returns the SHA-256 of each chunk.
func hashChunks(r io.Reader, chunkSize int) ([]wire.Hash, uint64, error) {
	buf := make([]byte, chunkSize)
	var hashes []wire.Hash
	var size uint64
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if len(hashes) == MaxChunks {
				return nil, 0, fmt.Errorf("%w: more than %d chunks of %d bytes", ErrTooLarge, MaxChunks, chunkSize)
			}
			hashes = append(hashes, sha256.Sum256(buf[:n]))
			size += uint64(n)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return hashes, size, nil
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read blob: %w", err)
		}
	}
}

// storeChunks is the second pass of PutChunks.
func (s *Store) storeChunks(m Manifest, src io.Reader, hashes []wire.Hash, tree *Tree) error {
	n := m.Chunks()
	perBatch := max(1, putBatchBytes/int(m.ChunkSize))
	batch := make([]record, 0, perBatch)
	for i := 0; i < n; i++ {
		br, _ := tree.Proof(i)
		l := m.ChunkLen(i)
		val := make([]byte, len(br)*wire.HashSize+l)
		for j, h := range br {
			copy(val[j*wire.HashSize:], h[:])
		}
		chunk := val[len(br)*wire.HashSize:]
		if _, err := io.ReadFull(src, chunk); err != nil {
			return fmt.Errorf("%w: chunk %d: %v", ErrChanged, i, err)
		}
		if sha256.Sum256(chunk) != hashes[i] {
			return fmt.Errorf("%w: chunk %d differs from the first read", ErrChanged, i)
		}
		batch = append(batch, record{i: i, val: val})
		if len(batch) == perBatch || i == n-1 {
			if err := s.write(m, batch, i == n-1); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}

// write stores records of m in one transaction and, if complete is set and
// every chunk is then present, marks the blob complete.
func (s *Store) write(m Manifest, recs []record, complete bool) error {
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(store.Blobs)
		for _, r := range recs {
			if err := b.Put(m.chunkKey(r.i), r.val); err != nil {
				return err
			}
		}
		if !complete {
			return nil
		}
		if have := countChunks(b, m); have != m.Chunks() {
			return fmt.Errorf("%w: %d of %d chunks of %s stored", ErrNotFound, have, m.Chunks(), m.Root.Short())
		}
		return b.Put(m.key(), m.Encode())
	})
	if err != nil {
		return fmt.Errorf("store chunks of %s: %w", m, err)
	}
	return nil
}

// countChunks counts the chunk keys of m.
func countChunks(b *bbolt.Bucket, m Manifest) int {
	n := 0
	forChunks(b, m, func(int) { n++ })
	return n
}

// forChunks calls fn with the index of every chunk of m that is stored.
func forChunks(b *bbolt.Bucket, m Manifest, fn func(i int)) {
	prefix := m.key()
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if len(k) == blobKeyLen+4 {
			if i := int(binary.BigEndian.Uint32(k[blobKeyLen:])); i < m.Chunks() {
				fn(i)
			}
		}
	}
}

// Has reports whether every chunk of m is stored (always, for the empty
// blob).
func (s *Store) Has(m Manifest) bool {
	if m.Chunks() == 0 {
		return true
	}
	found := false
	s.db.View(func(tx *bbolt.Tx) error {
		found = tx.Bucket(store.Blobs).Get(m.key()) != nil
		return nil
	})
	return found
}

// Missing returns the indexes of the chunks of m not stored, in order.
func (s *Store) Missing(m Manifest) ([]int, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	have := make([]bool, m.Chunks())
	err := s.db.View(func(tx *bbolt.Tx) error {
		forChunks(tx.Bucket(store.Blobs), m, func(i int) { have[i] = true })
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []int
	for i, ok := range have {
		if !ok {
			out = append(out, i)
		}
	}
	return out, nil
}

// Chunk returns chunk i of m and its branch, verified. ErrNotFound if it
// is not stored; ErrCorrupt if the stored copy does not verify, in which
// case it is deleted (so Missing lists it and a Fetch replaces it).
func (s *Store) Chunk(m Manifest, i int) ([]byte, []wire.Hash, error) {
	val, err := s.record(m, i, 0)
	if err != nil {
		return nil, nil, err
	}
	bl := branchLen(m.Chunks(), i)
	return val[bl*wire.HashSize:], splitBranch(val[:bl*wire.HashSize]), nil
}

// record reads the stored value of chunk i (branch ‖ chunk) into a fresh
// slice after head spare bytes, and verifies it.
func (s *Store) record(m Manifest, i int, head int) ([]byte, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	if i < 0 || i >= m.Chunks() {
		return nil, fmt.Errorf("%w: %s has no chunk %d", ErrNotFound, m, i)
	}
	var buf []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(store.Blobs).Get(m.chunkKey(i)); v != nil {
			buf = make([]byte, head+len(v))
			copy(buf[head:], v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if buf == nil {
		return nil, fmt.Errorf("%w: chunk %d of %s", ErrNotFound, i, m)
	}
	val := buf[head:]
	bl := branchLen(m.Chunks(), i)
	err = fmt.Errorf("%w: chunk %d of %s: record of %d bytes", ErrCorrupt, i, m, len(val))
	if len(val) >= bl*wire.HashSize {
		err = VerifyChunk(m, i, val[bl*wire.HashSize:], splitBranch(val[:bl*wire.HashSize]))
		if err != nil {
			err = fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
	}
	if err != nil {
		s.drop(m, i)
		return nil, err
	}
	return buf, nil
}

// drop deletes a damaged chunk and the blob's completion mark, so that
// Missing lists the chunk again and a Fetch repairs it.
func (s *Store) drop(m Manifest, i int) {
	s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(store.Blobs)
		b.Delete(m.key())
		return b.Delete(m.chunkKey(i))
	})
}

func splitBranch(b []byte) []wire.Hash {
	out := make([]wire.Hash, len(b)/wire.HashSize)
	for j := range out {
		copy(out[j][:], b[j*wire.HashSize:])
	}
	return out
}

// WriteBlob writes the blob m describes to w, chunk by chunk, verifying
// each chunk before writing it. It returns the bytes written. A missing
// chunk stops it with ErrNotFound, a damaged one with ErrCorrupt; what was
// written before stays written, so write to a temporary file and rename it
// on success.
func (s *Store) WriteBlob(m Manifest, w io.Writer) (int64, error) {
	if err := m.Check(); err != nil {
		return 0, err
	}
	var total int64
	for i := 0; i < m.Chunks(); i++ {
		chunk, _, err := s.Chunk(m, i)
		if err != nil {
			return total, err
		}
		n, err := w.Write(chunk)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// Delete removes every chunk of m and its completion mark.
func (s *Store) Delete(m Manifest) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(store.Blobs)
		var keys [][]byte
		prefix := m.key()
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// Complete returns the manifests of the blobs stored in full, at most
// limit of them, in key order. It visits one key per blob (it seeks past
// each blob's chunks), so listing costs the number of blobs, not chunks.
func (s *Store) Complete(limit int) ([]Manifest, error) {
	var out []Manifest
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(store.Blobs).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; {
			if len(k) < blobKeyLen {
				k, v = c.Next()
				continue
			}
			prefix := k[:blobKeyLen]
			if len(k) == blobKeyLen {
				if m, err := DecodeManifest(v); err == nil {
					out = append(out, m)
				}
			}
			next, ok := successor(prefix)
			if !ok {
				break
			}
			k, v = c.Seek(next)
		}
		return nil
	})
	return out, err
}

// successor returns the smallest key greater than every key starting with
// prefix, false if there is none (prefix is all 0xff).
func successor(prefix []byte) ([]byte, bool) {
	out := bytes.Clone(prefix)
	for i := len(out) - 1; i >= 0; i-- {
		if out[i] != 0xff {
			out[i]++
			return out[:i+1], true
		}
	}
	return nil, false
}
