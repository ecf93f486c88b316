package blob

import (
	"bytes"
	"errors"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// Fuzz targets, seeded from the tables. Run one with
// go test ./node/blob -run '^$' -fuzz FuzzVerifyChunk -fuzztime 30s.

// FuzzDecodeManifest: a decoder that never panics, accepts only valid
// manifests, and is canonical (decode → encode is the identity).
func FuzzDecodeManifest(f *testing.F) {
	for _, m := range validManifests {
		f.Add(m.Encode())
	}
	for _, c := range badManifests {
		f.Add(c.enc)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeManifest(b)
		if err != nil {
			if !errors.Is(err, ErrBadManifest) {
				t.Fatalf("error %v does not wrap ErrBadManifest", err)
			}
			return
		}
		if m.Check() != nil || !IsManifest(b) || !bytes.Equal(m.Encode(), b) {
			t.Fatalf("accepted %x as %+v, which encodes to %x", b, m, m.Encode())
		}
		again, err := DecodeManifest(m.Encode())
		if err != nil || again != m {
			t.Fatalf("round trip: %+v, %v", again, err)
		}
	})
}

// fuzzBlob is the blob FuzzVerifyChunk attacks: five chunks, the last short.
var fuzzBlob = chunk(randomData(4*MinChunkSize+100, 77), MinChunkSize)

func joinBranch(br []wire.Hash) []byte {
	var out []byte
	for _, h := range br {
		out = append(out, h[:]...)
	}
	return out
}

// FuzzVerifyChunk: against the genuine manifest, only the genuine chunk
// with the genuine branch at the genuine index verifies; against any other
// manifest, VerifyChunk never panics and its errors wrap ErrBadChunk.
func FuzzVerifyChunk(f *testing.F) {
	c := fuzzBlob
	for i := range c.chunks {
		br := joinBranch(c.branches[i])
		f.Add(c.m.Encode(), i, c.chunks[i], br)
		f.Add(c.m.Encode(), i, flip(c.chunks[i], 0), br)
		if len(br) > 0 {
			f.Add(c.m.Encode(), i, c.chunks[i], flip(br, -1))
			f.Add(c.m.Encode(), i, c.chunks[i], br[:len(br)-wire.HashSize])
		}
		f.Add(c.m.Encode(), i+1, c.chunks[i], br)
		f.Add(Manifest{Size: c.m.Size - 1, ChunkSize: c.m.ChunkSize, Root: c.m.Root}.Encode(), i, c.chunks[i], br)
	}
	for _, m := range validManifests {
		f.Add(m.Encode(), 0, []byte{1}, []byte(nil))
	}
	f.Fuzz(func(t *testing.T, mb []byte, i int, ch, brb []byte) {
		m, err := DecodeManifest(mb)
		if err != nil {
			m = c.m
		}
		br := splitBranch(brb)
		err = VerifyChunk(m, i, ch, br)
		if err != nil {
			if !errors.Is(err, ErrBadChunk) {
				t.Fatalf("error %v does not wrap ErrBadChunk", err)
			}
			return
		}
		if m != c.m {
			return // another blob's chunk may verify against its own manifest
		}
		if i < 0 || i >= len(c.chunks) || !bytes.Equal(ch, c.chunks[i]) || !bytes.Equal(joinBranch(br), joinBranch(c.branches[i])) {
			t.Fatalf("forged chunk %d (%d bytes, %d branch hashes) verified", i, len(ch), len(br))
		}
	})
}

// FuzzDecodeRequest: the server's request decoder never panics and is
// canonical.
func FuzzDecodeRequest(f *testing.F) {
	for _, m := range validManifests {
		f.Add(request{Manifest: m, Index: max(0, m.Chunks()-1)}.encode())
	}
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, RequestSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := decodeRequest(b)
		if err != nil {
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("error %v does not wrap ErrProtocol", err)
			}
			return
		}
		if q.Index < 0 || q.Index >= q.Manifest.Chunks() || !bytes.Equal(q.encode(), b) {
			t.Fatalf("accepted %x as %+v", b, q)
		}
	})
}

// FuzzDecodeResponse: the client's response decoder never panics and
// returns a chunk and branch of exactly the lengths the manifest implies.
func FuzzDecodeResponse(f *testing.F) {
	c := fuzzBlob
	for i := range c.chunks {
		ok := append(append([]byte{statusOK}, joinBranch(c.branches[i])...), c.chunks[i]...)
		f.Add(i, ok)
		f.Add(i, ok[:len(ok)-1])
	}
	f.Add(0, []byte{statusNotFound})
	f.Add(0, []byte{statusBusy})
	f.Add(0, []byte{statusNotFound, 0})
	f.Add(0, []byte{7})
	f.Fuzz(func(t *testing.T, i int, b []byte) {
		if i < 0 || i >= len(c.chunks) {
			return // requests are for chunks that exist (decodeRequest checks)
		}
		q := request{Manifest: c.m, Index: i}
		ch, br, err := decodeResponse(q, b)
		if err != nil {
			if !errors.Is(err, ErrProtocol) && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrBusy) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(ch) != c.m.ChunkLen(i) || len(br) != branchLen(len(c.chunks), i) {
			t.Fatalf("chunk of %d bytes and %d branch hashes for chunk %d", len(ch), len(br), i)
		}
	})
}
