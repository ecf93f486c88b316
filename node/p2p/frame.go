package p2p

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Frames on every stream protocol are a 4-byte big-endian length followed
// by that many bytes. The reader knows the largest frame it will accept and
// refuses a larger length before allocating anything.

// writeFrame writes one frame.
func writeFrame(w io.Writer, payload []byte) error {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(payload)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

// readFrame reads one frame of at most max bytes. A longer frame returns an
// error wrapping ErrFrameTooLarge (and ErrProtocol): the stream is useless
// after that and the sender misbehaved.
func readFrame(r io.Reader, max int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if uint64(n) > uint64(max) {
		return nil, fmt.Errorf("%w: %w: %d bytes (max %d)", ErrProtocol, ErrFrameTooLarge, n, max)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}
