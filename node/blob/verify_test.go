package blob

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

func TestVerifier(t *testing.T) {
	store := NewStore(newDB(t))
	rng := rand.New(rand.NewPCG(7, 8))
	for i, size := range []int{0, 1, MinChunkSize, 3*MinChunkSize + 17} {
		data := make([]byte, size)
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		m, err := store.PutChunks(bytes.NewReader(data), MinChunkSize)
		if err != nil {
			t.Fatalf("case %d: put: %v", i, err)
		}
		// The blob itself, written in odd-sized pieces, passes.
		v := NewVerifier(m)
		for rest := data; len(rest) > 0; {
			k := min(len(rest), 1+rng.IntN(5000))
			if _, err := v.Write(rest[:k]); err != nil {
				t.Fatalf("case %d: write: %v", i, err)
			}
			rest = rest[k:]
		}
		if err := v.Check(); err != nil {
			t.Fatalf("case %d: the blob itself fails: %v", i, err)
		}
		// A short copy fails.
		if size > 0 {
			v = NewVerifier(m)
			v.Write(data[:size-1])
			if err := v.Check(); !errors.Is(err, ErrBadChunk) {
				t.Errorf("case %d: one byte short: %v", i, err)
			}
			// A flipped byte fails.
			bad := bytes.Clone(data)
			bad[rng.IntN(size)] ^= 0x40
			v = NewVerifier(m)
			io.Copy(v, bytes.NewReader(bad))
			if err := v.Check(); !errors.Is(err, ErrBadChunk) {
				t.Errorf("case %d: a flipped byte: %v", i, err)
			}
		}
		// One byte too many is refused at once.
		v = NewVerifier(m)
		if _, err := v.Write(append(bytes.Clone(data), 0)); !errors.Is(err, ErrBadChunk) {
			t.Errorf("case %d: a byte too many: %v", i, err)
		}
	}
}
