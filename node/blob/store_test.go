package blob

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/bitverse/bitverse/node/store"
	"go.etcd.io/bbolt"
)

// plainReader hides every method but Read, so Put has to spool.
type plainReader struct{ r io.Reader }

func (p plainReader) Read(b []byte) (int, error) { return p.r.Read(b) }

func TestStorePutRead(t *testing.T) {
	db := newDB(t)
	s := NewStore(db)
	for _, cs := range []int{MinChunkSize, DefaultChunkSize} {
		for k, size := range blobSizes(cs) {
			if cs == DefaultChunkSize && size > 3*cs+7 {
				continue // the big sizes are covered at the small chunk size
			}
			data := randomData(size, uint64(size)+uint64(cs))
			want := chunk(data, cs).m
			for _, seek := range []bool{true, false} {
				var r io.Reader = bytes.NewReader(data)
				if !seek {
					r = plainReader{r}
				}
				m, err := s.PutChunks(r, cs)
				if err != nil {
					t.Fatalf("case %d/%d seek=%v: %v", cs, k, seek, err)
				}
				if m != want {
					t.Fatalf("case %d/%d seek=%v: manifest %+v, want %+v", cs, k, seek, m, want)
				}
				if !s.Has(m) {
					t.Fatalf("case %d/%d: not complete after put", cs, k)
				}
				if miss, err := s.Missing(m); err != nil || len(miss) != 0 {
					t.Fatalf("case %d/%d: missing %v, %v", cs, k, miss, err)
				}
				var out bytes.Buffer
				n, err := s.WriteBlob(m, &out)
				if err != nil || n != int64(size) || !bytes.Equal(out.Bytes(), data) {
					t.Fatalf("case %d/%d: read back %d bytes (err %v), equal %v", cs, k, n, err, bytes.Equal(out.Bytes(), data))
				}
				for i := 0; i < m.Chunks(); i++ {
					ch, br, err := s.Chunk(m, i)
					if err != nil {
						t.Fatalf("case %d/%d: chunk %d: %v", cs, k, i, err)
					}
					if err := VerifyChunk(m, i, ch, br); err != nil {
						t.Fatalf("case %d/%d: chunk %d: %v", cs, k, i, err)
					}
				}
				if _, _, err := s.Chunk(m, m.Chunks()); !errors.Is(err, ErrNotFound) {
					t.Fatalf("case %d/%d: chunk past the end: %v", cs, k, err)
				}
				if err := s.Delete(m); err != nil {
					t.Fatal(err)
				}
				miss, _ := s.Missing(m)
				if len(miss) != m.Chunks() || (m.Chunks() > 0 && s.Has(m)) {
					t.Fatalf("case %d/%d: after delete %d missing of %d, has %v", cs, k, len(miss), m.Chunks(), s.Has(m))
				}
			}
		}
	}
	if m, err := s.PutChunks(bytes.NewReader(nil), 3000); !errors.Is(err, ErrBadManifest) {
		t.Fatalf("chunk size 3000: %+v, %v", m, err)
	}
	assertNoSpool(t, db)
}

// assertNoSpool checks that no temporary file is left next to the database.
func assertNoSpool(t *testing.T, db *bbolt.DB) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(db.Path()), "blob-put-*"))
	if len(left) > 0 {
		t.Fatalf("spool files left: %v", left)
	}
}

// TestStorePutOffset stores from the middle of a file: Put reads from the
// current offset and rewinds to it, not to the start.
func TestStorePutOffset(t *testing.T) {
	s := NewStore(newDB(t))
	data := randomData(3*MinChunkSize+5, 1)
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Seek(100, io.SeekStart)
	m, err := s.PutChunks(f, MinChunkSize)
	if err != nil {
		t.Fatal(err)
	}
	if m != chunk(data[100:], MinChunkSize).m {
		t.Fatalf("manifest %+v", m)
	}
}

// changingFile is a ReadSeeker whose content changes after the first pass.
type changingFile struct {
	*bytes.Reader
	data  []byte
	seeks int
}

func (c *changingFile) Seek(off int64, whence int) (int64, error) {
	if whence == io.SeekStart {
		c.seeks++
		if c.seeks == 1 {
			c.data[len(c.data)-1] ^= 1
			c.Reader = bytes.NewReader(c.data)
		}
	}
	return c.Reader.Seek(off, whence)
}

func TestStorePutChanged(t *testing.T) {
	s := NewStore(newDB(t))
	for k, size := range []int{1, 5*MinChunkSize + 1} {
		data := randomData(size, 7)
		want := chunk(data, MinChunkSize).m
		cf := &changingFile{Reader: bytes.NewReader(bytes.Clone(data)), data: bytes.Clone(data)}
		if _, err := s.PutChunks(cf, MinChunkSize); !errors.Is(err, ErrChanged) {
			t.Fatalf("case %d: err %v, want ErrChanged", k, err)
		}
		miss, _ := s.Missing(want)
		if len(miss) != want.Chunks() || s.Has(want) {
			t.Fatalf("case %d: %d of %d chunks kept", k, want.Chunks()-len(miss), want.Chunks())
		}
		// A file that shrinks between the passes.
		cf2 := &shrinkingFile{data: data}
		if _, err := s.PutChunks(cf2, MinChunkSize); !errors.Is(err, ErrChanged) {
			t.Fatalf("case %d: shrinking: err %v, want ErrChanged", k, err)
		}
	}
}

type shrinkingFile struct {
	data []byte
	r    *bytes.Reader
	n    int
}

func (f *shrinkingFile) Read(b []byte) (int, error) {
	if f.r == nil {
		f.r = bytes.NewReader(f.data)
	}
	return f.r.Read(b)
}

func (f *shrinkingFile) Seek(off int64, whence int) (int64, error) {
	if f.r == nil {
		f.r = bytes.NewReader(f.data)
	}
	if whence == io.SeekStart {
		f.n++
		if f.n == 1 {
			f.r = bytes.NewReader(f.data[:len(f.data)-1])
		}
	}
	return f.r.Seek(off, whence)
}

// zeros is a ReadSeeker of n zero bytes that holds nothing in memory.
type zeros struct{ off, n int64 }

func (z *zeros) Read(b []byte) (int, error) {
	if z.off >= z.n {
		return 0, io.EOF
	}
	k := min(int64(len(b)), z.n-z.off)
	clear(b[:k])
	z.off += k
	return int(k), nil
}

func (z *zeros) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		z.off = off
	case io.SeekCurrent:
		z.off += off
	default:
		z.off = z.n + off
	}
	return z.off, nil
}

func TestStorePutTooLarge(t *testing.T) {
	s := NewStore(newDB(t))
	_, err := s.PutChunks(&zeros{n: MaxChunks*MinChunkSize + 1}, MinChunkSize)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err %v, want ErrTooLarge", err)
	}
}

// TestStoreCorruptRecord damages stored records in every way and expects
// reads to fail with ErrCorrupt, drop the record, and Missing to list it.
func TestStoreCorruptRecord(t *testing.T) {
	db := newDB(t)
	s := NewStore(db)
	data := randomData(5*MinChunkSize+11, 3)
	m, err := s.PutChunks(bytes.NewReader(data), MinChunkSize)
	if err != nil {
		t.Fatal(err)
	}
	damage := []func(v []byte) []byte{
		func(v []byte) []byte { v[len(v)-1] ^= 1; return v }, // chunk byte
		func(v []byte) []byte { v[0] ^= 0x80; return v },     // branch byte
		func(v []byte) []byte { return v[:len(v)-1] },        // truncated
		func(v []byte) []byte { return append(v, 0) },        // extended
		func(v []byte) []byte { return v[:3] },               // shorter than the branch
		func(v []byte) []byte { return nil },                 // empty
	}
	for k, dmg := range damage {
		i := k % m.Chunks()
		err := db.Update(func(tx *bbolt.Tx) error {
			b := tx.Bucket(store.Blobs)
			return b.Put(m.chunkKey(i), dmg(bytes.Clone(b.Get(m.chunkKey(i)))))
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Chunk(m, i); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("case %d: err %v, want ErrCorrupt", k, err)
		}
		miss, _ := s.Missing(m)
		if len(miss) != 1 || miss[0] != i || s.Has(m) {
			t.Fatalf("case %d: missing %v, has %v", k, miss, s.Has(m))
		}
		if _, err := s.WriteBlob(m, io.Discard); !errors.Is(err, ErrNotFound) {
			t.Fatalf("case %d: write: %v", k, err)
		}
		// Put repairs it.
		if _, err := s.PutChunks(bytes.NewReader(data), MinChunkSize); err != nil {
			t.Fatal(err)
		}
		if !s.Has(m) {
			t.Fatalf("case %d: not repaired", k)
		}
	}
}

// TestStoreKeyedByManifest: two manifests with the same root (an honest
// one and a forged one claiming fewer chunks) do not share records, so
// chunks verified for the forged one never stand in for the honest one's.
func TestStoreKeyedByManifest(t *testing.T) {
	s := NewStore(newDB(t))
	const cs = MinChunkSize
	data := randomData(2*cs+100, 5)
	honest, err := s.PutChunks(bytes.NewReader(data), cs)
	if err != nil {
		t.Fatal(err)
	}
	forged := Manifest{Size: cs + 100, ChunkSize: cs, Root: honest.Root}
	c := chunk(data, cs)
	// Chunk 2 of the honest blob, with its branch (the node over chunks 0
	// and 1), is a valid chunk 1 of the forged one.
	val := append(bytes.Clone(c.branches[2][0][:]), c.chunks[2]...)
	if err := s.write(forged, []record{{i: 1, val: val}}, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Chunk(forged, 1); err != nil {
		t.Fatalf("the forged record does not verify under the forged manifest: %v", err)
	}
	got, _, err := s.Chunk(honest, 1)
	if err != nil || !bytes.Equal(got, c.chunks[1]) {
		t.Fatalf("honest chunk 1: %v", err)
	}
	if err := s.Delete(forged); err != nil {
		t.Fatal(err)
	}
	if !s.Has(honest) {
		t.Fatal("deleting the forged blob removed the honest one")
	}
}
