package blob

import (
	"bytes"
	"errors"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

var someRoot = wire.Sum([]byte("some root"))

// validManifests are well-formed manifests at the edges of every field.
var validManifests = []Manifest{
	{Size: 0, ChunkSize: DefaultChunkSize},
	{Size: 0, ChunkSize: MinChunkSize},
	{Size: 1, ChunkSize: DefaultChunkSize, Root: someRoot},
	{Size: DefaultChunkSize - 1, ChunkSize: DefaultChunkSize, Root: someRoot},
	{Size: DefaultChunkSize, ChunkSize: DefaultChunkSize, Root: someRoot},
	{Size: DefaultChunkSize + 1, ChunkSize: DefaultChunkSize, Root: someRoot},
	{Size: 20 << 20, ChunkSize: DefaultChunkSize, Root: someRoot},
	{Size: MaxChunks * DefaultChunkSize, ChunkSize: DefaultChunkSize, Root: someRoot},
	{Size: MaxChunks * MinChunkSize, ChunkSize: MinChunkSize, Root: someRoot},
	{Size: MaxChunks * MaxChunkSize, ChunkSize: MaxChunkSize, Root: someRoot},
	{Size: 12345, ChunkSize: 8 << 10, Root: someRoot},
}

// encodingWith returns a manifest encoding with fields replaced.
func encodingWith(size uint64, cs uint32, root wire.Hash) []byte {
	return Manifest{Size: size, ChunkSize: cs, Root: root}.Encode()
}

var badManifests = []struct {
	name string
	enc  []byte
}{
	{"empty", nil},
	{"magic only", []byte(Magic)},
	{"one byte short", encodingWith(1, DefaultChunkSize, someRoot)[:ManifestSize-1]},
	{"one byte long", append(encodingWith(1, DefaultChunkSize, someRoot), 0)},
	{"wrong magic", append([]byte("\x00bvblob\x02"), encodingWith(1, DefaultChunkSize, someRoot)[len(Magic):]...)},
	{"text", bytes.Repeat([]byte("a"), ManifestSize)},
	{"chunk size 0", encodingWith(1, 0, someRoot)},
	{"chunk size 1", encodingWith(1, 1, someRoot)},
	{"chunk size below min", encodingWith(1, MinChunkSize/2, someRoot)},
	{"chunk size above max", encodingWith(1, MaxChunkSize*2, someRoot)},
	{"chunk size not a power of two", encodingWith(1, 3<<12, someRoot)},
	{"chunk size min+1", encodingWith(1, MinChunkSize+1, someRoot)},
	{"chunk size max u32", encodingWith(1, 1<<32-1, someRoot)},
	{"one byte over max chunks", encodingWith(MaxChunks*DefaultChunkSize+1, DefaultChunkSize, someRoot)},
	{"max size u64", encodingWith(1<<64-1, MaxChunkSize, someRoot)},
	{"data with the zero root", encodingWith(1, DefaultChunkSize, wire.ZeroHash)},
	{"empty with a root", encodingWith(0, DefaultChunkSize, someRoot)},
}

func TestManifestRoundTrip(t *testing.T) {
	for i, m := range validManifests {
		enc := m.Encode()
		if len(enc) != ManifestSize || !IsManifest(enc) {
			t.Fatalf("case %d: encoding of %d bytes, IsManifest %v", i, len(enc), IsManifest(enc))
		}
		got, err := DecodeManifest(enc)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if got != m {
			t.Fatalf("case %d: decoded %+v, want %+v", i, got, m)
		}
	}
}

func TestManifestRejects(t *testing.T) {
	for i, c := range badManifests {
		if _, err := DecodeManifest(c.enc); !errors.Is(err, ErrBadManifest) {
			t.Fatalf("case %d (%s): err %v, want ErrBadManifest", i, c.name, err)
		}
	}
}

func TestIsManifest(t *testing.T) {
	tests := []struct {
		v    []byte
		want bool
	}{
		{nil, false},
		{[]byte("hello"), false},
		{[]byte(Magic[:7]), false},
		{[]byte(Magic), true}, // claims to be one; DecodeManifest refuses it
		{encodingWith(1, DefaultChunkSize, someRoot), true},
		{append([]byte{'x'}, encodingWith(1, DefaultChunkSize, someRoot)...), false},
	}
	for i, c := range tests {
		if got := IsManifest(c.v); got != c.want {
			t.Fatalf("case %d: IsManifest = %v, want %v", i, got, c.want)
		}
	}
}

func TestChunkLayout(t *testing.T) {
	const cs = DefaultChunkSize
	tests := []struct {
		size   uint64
		chunks int
		last   int
	}{
		{0, 0, -1},
		{1, 1, 1},
		{cs - 1, 1, cs - 1},
		{cs, 1, cs},
		{cs + 1, 2, 1},
		{2*cs - 1, 2, cs - 1},
		{20 << 20, 80, cs},
		{20<<20 + 5, 81, 5},
		{MaxChunks * cs, MaxChunks, cs},
	}
	for i, c := range tests {
		m := Manifest{Size: c.size, ChunkSize: cs, Root: someRoot}
		if c.size == 0 {
			m.Root = wire.ZeroHash
		}
		if err := m.Check(); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if m.Chunks() != c.chunks {
			t.Fatalf("case %d: %d chunks, want %d", i, m.Chunks(), c.chunks)
		}
		if got := m.ChunkLen(c.chunks - 1); got != c.last {
			t.Fatalf("case %d: last chunk %d bytes, want %d", i, got, c.last)
		}
		var sum uint64
		for j := 0; j < c.chunks; j++ {
			sum += uint64(m.ChunkLen(j))
		}
		if sum != c.size || m.ChunkLen(-1) != -1 || m.ChunkLen(c.chunks) != -1 {
			t.Fatalf("case %d: chunk lengths sum to %d, want %d", i, sum, c.size)
		}
	}
}
