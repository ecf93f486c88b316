package wire

import (
	"encoding/binary"
	"fmt"
)

// Writer appends canonical encodings to a byte slice.
type Writer struct{ buf []byte }

// NewWriter returns a writer with room for size bytes.
func NewWriter(size int) *Writer { return &Writer{buf: make([]byte, 0, size)} }

// Bytes returns what has been written.
func (w *Writer) Bytes() []byte { return w.buf }

// U8 writes one byte.
func (w *Writer) U8(v uint8) { w.buf = append(w.buf, v) }

// U32 writes a big-endian uint32.
func (w *Writer) U32(v uint32) { w.buf = binary.BigEndian.AppendUint32(w.buf, v) }

// U64 writes a big-endian uint64.
func (w *Writer) U64(v uint64) { w.buf = binary.BigEndian.AppendUint64(w.buf, v) }

// I64 writes a big-endian two's complement int64.
func (w *Writer) I64(v int64) { w.U64(uint64(v)) }

// Uvarint writes an unsigned varint.
func (w *Writer) Uvarint(v uint64) { w.buf = binary.AppendUvarint(w.buf, v) }

// Fixed writes raw bytes with no length prefix.
func (w *Writer) Fixed(b []byte) { w.buf = append(w.buf, b...) }

// Hash writes a 32-byte hash.
func (w *Writer) Hash(h Hash) { w.buf = append(w.buf, h[:]...) }

// VarBytes writes a length-prefixed byte string.
func (w *Writer) VarBytes(b []byte) {
	w.Uvarint(uint64(len(b)))
	w.buf = append(w.buf, b...)
}

// String writes a length-prefixed string.
func (w *Writer) String(s string) {
	w.Uvarint(uint64(len(s)))
	w.buf = append(w.buf, s...)
}

// Reader decodes canonical encodings. The first error sticks: later reads
// return zero values, and Err reports the first failure.
type Reader struct {
	buf []byte
	off int
	err error
}

// NewReader reads from b.
func NewReader(b []byte) *Reader { return &Reader{buf: b} }

// Err returns the first decoding error.
func (r *Reader) Err() error { return r.err }

// Remaining returns the number of unread bytes.
func (r *Reader) Remaining() int { return len(r.buf) - r.off }

// Fail records err if no error has been recorded yet.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// Done fails unless every byte has been read, and returns the first error.
func (r *Reader) Done() error {
	if r.err == nil && r.off != len(r.buf) {
		r.err = fmt.Errorf("%w: %d trailing bytes", ErrMalformed, len(r.buf)-r.off)
	}
	return r.err
}

func (r *Reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.buf)-r.off {
		r.err = fmt.Errorf("%w: %s needs %d bytes, %d left", ErrMalformed, what, n, len(r.buf)-r.off)
		return nil
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b
}

// U8 reads one byte.
func (r *Reader) U8() uint8 {
	b := r.take(1, "byte")
	if b == nil {
		return 0
	}
	return b[0]
}

// U32 reads a big-endian uint32.
func (r *Reader) U32() uint32 {
	b := r.take(4, "uint32")
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

// U64 reads a big-endian uint64.
func (r *Reader) U64() uint64 {
	b := r.take(8, "uint64")
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// I64 reads a big-endian int64.
func (r *Reader) I64() int64 { return int64(r.U64()) }

// Uvarint reads a canonical (minimal) unsigned varint.
func (r *Reader) Uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.buf[r.off:])
	if n <= 0 {
		r.err = fmt.Errorf("%w: bad varint", ErrMalformed)
		return 0
	}
	if n != len(binary.AppendUvarint(nil, v)) {
		r.err = fmt.Errorf("%w: non-minimal varint", ErrMalformed)
		return 0
	}
	r.off += n
	return v
}

// Fixed reads exactly n raw bytes (a sub-slice of the input, not a copy).
func (r *Reader) Fixed(n int) []byte { return r.take(n, "field") }

// Hash reads a 32-byte hash.
func (r *Reader) Hash() Hash {
	var h Hash
	copy(h[:], r.take(HashSize, "hash"))
	return h
}

// Len reads a varint length and checks it against max and against the bytes
// remaining, given that each element takes at least minSize bytes.
func (r *Reader) Len(max, minSize int, what string) int {
	n := r.Uvarint()
	if r.err != nil {
		return 0
	}
	if n > uint64(max) {
		r.err = fmt.Errorf("%w: %s has %d elements, at most %d allowed (%w)", ErrMalformed, what, n, max, ErrTooLarge)
		return 0
	}
	if minSize > 0 && n > uint64(r.Remaining()/minSize) {
		r.err = fmt.Errorf("%w: %s claims %d elements but only %d bytes follow", ErrMalformed, what, n, r.Remaining())
		return 0
	}
	return int(n)
}

// VarBytes reads a length-prefixed byte string of at most max bytes, copied.
func (r *Reader) VarBytes(max int, what string) []byte {
	n := r.Len(max, 1, what)
	b := r.take(n, what)
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// String reads a length-prefixed string of at most max bytes.
func (r *Reader) String(max int, what string) string {
	n := r.Len(max, 1, what)
	return string(r.take(n, what))
}
