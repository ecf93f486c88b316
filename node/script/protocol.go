package script

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Parent and worker talk over the worker's stdin and stdout in frames:
//
//	uint32 big-endian length of what follows | 1 byte type | payload
//
// Payload fields are uvarint-length-prefixed byte strings and fixed 8-byte
// big-endian integers, in the order written below. A frame longer than
// maxFrame, or one that does not decode exactly, is a protocol error and
// ends the worker.
//
//	parent → worker                         worker → parent
//	'V' validate: hash, write, context      'H' hello: protocol version (once, at start)
//	'P' program: hash, factory source       'N' need program: hash
//	'A' ledger answer                       'Q' ledger query: method, arguments
//	                                        'R' result: verdict or failure
//	'C' compile: script source              'K' compiled: ok, or the refusal
//	'T' transform: hash, input, key,        'O' transform output (transform_pool.go)
//	    request, fuel
//
// Transform frames may be up to maxTransformFrame long: they carry an
// input and an output of up to MaxTransformInput and MaxTransformOutput.
const (
	frameHello    = 'H'
	frameValidate = 'V'
	frameNeed     = 'N'
	frameProgram  = 'P'
	frameQuery    = 'Q'
	frameAnswer   = 'A'
	frameResult   = 'R'
	frameCompile  = 'C'
	frameCompiled = 'K'

	frameTransform       = 'T'
	frameTransformResult = 'O'
)

const (
	protocolVersion = "bitverse-script/1"
	maxFrame        = 4 << 20
)

// Ledger methods in 'Q' frames.
const (
	queryBalance = 'b'
	queryPaid    = 'p'
	queryOwner   = 'o'
)

// Result kinds in 'R' frames.
const (
	resultVerdict     = 0 // a verdict follows
	resultLedgerError = 1 // the parent's ledger failed; the message follows
	resultFailure     = 2 // the worker failed (bad program, internal error); the message follows
)

var errProtocol = errors.New("script worker protocol error")

type frameWriter struct {
	w   io.Writer
	buf []byte
}

func (fw *frameWriter) send(typ byte, payload []byte) error {
	return fw.sendMax(typ, payload, maxFrame)
}

// sendMax sends a frame of at most max bytes (transforms' frames are longer).
func (fw *frameWriter) sendMax(typ byte, payload []byte, max int) error {
	if len(payload)+1 > max {
		return fmt.Errorf("%w: frame of %d bytes", errProtocol, len(payload)+1)
	}
	fw.buf = fw.buf[:0]
	fw.buf = binary.BigEndian.AppendUint32(fw.buf, uint32(len(payload)+1))
	fw.buf = append(fw.buf, typ)
	fw.buf = append(fw.buf, payload...)
	_, err := fw.w.Write(fw.buf)
	return err
}

func readFrame(r *bufio.Reader) (byte, []byte, error) { return readFrameMax(r, maxFrame) }

// readFrameMax reads a frame of at most max bytes.
func readFrameMax(r *bufio.Reader, max uint32) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:4])
	if n == 0 || n > max {
		return 0, nil, fmt.Errorf("%w: frame length %d", errProtocol, n)
	}
	payload := make([]byte, n-1)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, err
	}
	return hdr[4], payload, nil
}

// enc builds a payload.
type enc struct{ b []byte }

func (e *enc) bytes(p []byte) *enc {
	e.b = binary.AppendUvarint(e.b, uint64(len(p)))
	e.b = append(e.b, p...)
	return e
}

func (e *enc) str(s string) *enc {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
	return e
}

func (e *enc) u64(v uint64) *enc {
	e.b = binary.BigEndian.AppendUint64(e.b, v)
	return e
}

func (e *enc) byte1(v byte) *enc {
	e.b = append(e.b, v)
	return e
}

func (e *enc) boolean(v bool) *enc {
	if v {
		return e.byte1(1)
	}
	return e.byte1(0)
}

// dec reads a payload; the first error sticks.
type dec struct {
	b   []byte
	err error
}

func (d *dec) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: truncated or malformed %s", errProtocol, what)
	}
}

func (d *dec) bytes() []byte {
	n, k := binary.Uvarint(d.b)
	// The length must be minimal (what enc writes): one encoding per payload.
	if k <= 0 || k != uvarintLen(n) || n > uint64(len(d.b)-k) {
		d.fail("field")
		d.b = nil
		return nil
	}
	out := d.b[k : k+int(n)]
	d.b = d.b[k+int(n):]
	return out
}

func (d *dec) str() string { return string(d.bytes()) }

// uvarintLen is the length of the minimal uvarint encoding of n.
func uvarintLen(n uint64) int {
	k := 1
	for ; n >= 0x80; n >>= 7 {
		k++
	}
	return k
}

func (d *dec) u64() uint64 {
	if len(d.b) < 8 {
		d.fail("integer")
		d.b = nil
		return 0
	}
	v := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *dec) byte1() byte {
	if len(d.b) < 1 {
		d.fail("byte")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *dec) boolean() bool {
	switch d.byte1() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("boolean")
	return false
}

func (d *dec) hash() (h [32]byte) {
	if len(d.b) < 32 {
		d.fail("hash")
		d.b = nil
		return h
	}
	copy(h[:], d.b)
	d.b = d.b[32:]
	return h
}

// end reports the sticky error, or an error if bytes are left over.
func (d *dec) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d trailing bytes", errProtocol, len(d.b))
	}
	return d.err
}

// validate requests.

type request struct {
	hash [32]byte
	w    Write
	c    Context
}

func encodeRequest(r request) []byte {
	e := &enc{}
	e.b = append(e.b, r.hash[:]...)
	e.str(r.w.Key).bytes(r.w.Value).str(r.w.Signer).bytes(r.w.Prev).boolean(r.w.PrevExists)
	e.str(r.c.Keyspace).str(r.c.Owner).u64(r.c.Height).u64(uint64(r.c.Time)).str(r.c.Chain)
	return e.b
}

func decodeRequest(p []byte) (request, error) {
	d := &dec{b: p}
	var r request
	r.hash = d.hash()
	r.w.Key, r.w.Value, r.w.Signer = d.str(), d.bytes(), d.str()
	r.w.Prev, r.w.PrevExists = d.bytes(), d.boolean()
	r.c.Keyspace, r.c.Owner = d.str(), d.str()
	r.c.Height, r.c.Time, r.c.Chain = d.u64(), int64(d.u64()), d.str()
	if len(r.w.Value) == 0 {
		r.w.Value = nil
	}
	if len(r.w.Prev) == 0 {
		r.w.Prev = nil
	}
	return r, d.end()
}

// results.

func encodeVerdict(v Verdict) []byte {
	return (&enc{}).byte1(resultVerdict).boolean(v.Allowed).byte1(byte(v.Code)).u64(v.Fuel).str(v.Reason).b
}

func encodeFailure(kind byte, msg string) []byte {
	return (&enc{}).byte1(kind).str(msg).b
}

func decodeResult(p []byte) (Verdict, byte, string, error) {
	d := &dec{b: p}
	kind := d.byte1()
	switch kind {
	case resultVerdict:
		var v Verdict
		v.Allowed, v.Code, v.Fuel, v.Reason = d.boolean(), Code(d.byte1()), d.u64(), d.str()
		return v, kind, "", d.end()
	case resultLedgerError, resultFailure:
		msg := d.str()
		return Verdict{}, kind, msg, d.end()
	}
	return Verdict{}, 0, "", fmt.Errorf("%w: result kind %d", errProtocol, kind)
}

// compile requests and answers. A 'C' payload is the source as one field;
// a 'K' payload is a boolean (compiled) and the refusal's text (empty when
// it compiled).

func encodeCompile(src []byte) []byte { return (&enc{}).bytes(src).b }

func decodeCompile(p []byte) ([]byte, error) {
	d := &dec{b: p}
	src := d.bytes()
	return src, d.end()
}

func encodeCompiled(ok bool, refusal string) []byte {
	return (&enc{}).boolean(ok).str(refusal).b
}

func decodeCompiled(p []byte) (ok bool, refusal string, err error) {
	d := &dec{b: p}
	ok, refusal = d.boolean(), d.str()
	if err := d.end(); err != nil {
		return false, "", err
	}
	if ok == (refusal != "") {
		return false, "", fmt.Errorf("%w: a compile answer is ok or has a refusal", errProtocol)
	}
	return ok, refusal, nil
}

// ledger queries and answers.

type answer struct {
	amount uint64
	owner  string
	ok     bool
	err    string
}

func encodeAnswer(a answer) []byte {
	return (&enc{}).u64(a.amount).str(a.owner).boolean(a.ok).str(a.err).b
}

func decodeAnswer(p []byte) (answer, error) {
	d := &dec{b: p}
	a := answer{amount: d.u64(), owner: d.str(), ok: d.boolean(), err: d.str()}
	return a, d.end()
}
