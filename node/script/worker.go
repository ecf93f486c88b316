package script

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
)

// workerEnv marks a process started by a Pool as a script worker. Its value
// is the protocol version, so a worker and a parent from different builds
// refuse each other.
const workerEnv = "BITVERSE_SCRIPT_WORKER"

// maxWorkerPrograms bounds the compiled programs a worker keeps.
const maxWorkerPrograms = 256

// MaybeRunWorker turns this process into a script worker if a Pool started
// it: it serves requests on stdin/stdout and exits. Otherwise it returns at
// once. Call it first thing in main (and in TestMain of packages that use a
// Pool), before anything else touches stdin or stdout.
func MaybeRunWorker() {
	if os.Getenv(workerEnv) != protocolVersion {
		return
	}
	err := serveWorker(os.Stdin, os.Stdout, restrictWorkerProcess)
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintln(os.Stderr, "script worker:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

type workerState struct {
	in       *bufio.Reader
	out      *frameWriter
	programs map[[32]byte]*Program
	sb       *sandbox
}

// serveWorker answers validate requests one at a time until in is closed.
// ready, if not nil, runs once the worker is set up, before it says hello:
// a worker process drops what it may do there.
func serveWorker(in io.Reader, out io.Writer, ready func()) error {
	ws := &workerState{
		in:       bufio.NewReaderSize(in, 64<<10),
		out:      &frameWriter{w: out},
		programs: map[[32]byte]*Program{},
	}
	limitWorkerRuntime()
	sb, err := newSandbox()
	if err != nil {
		return err
	}
	ws.sb = sb
	// The address-space limit is set once the worker is ready, relative to
	// its size then, so that start-up reservations do not eat the headroom.
	limitWorkerAddressSpace()
	if ready != nil {
		ready()
	}
	if err := ws.out.send(frameHello, (&enc{}).str(protocolVersion).b); err != nil {
		return err
	}
	for {
		// The parent is trusted: its frames may be as long as a transform's.
		typ, payload, err := readFrameMax(ws.in, maxTransformFrame)
		if err != nil {
			return err
		}
		if typ == frameTransform {
			if err := ws.handleTransform(payload); err != nil {
				return err
			}
			continue
		}
		if typ == frameCompile {
			if err := ws.compile(payload); err != nil {
				return err
			}
			continue
		}
		if typ != frameValidate {
			return fmt.Errorf("%w: unexpected frame %q", errProtocol, typ)
		}
		req, err := decodeRequest(payload)
		if err != nil {
			return err
		}
		if err := ws.handle(req); err != nil {
			return err
		}
	}
}

func (ws *workerState) handle(req request) error {
	p, err := ws.program(req.hash)
	if err != nil {
		return err
	}
	if p == nil {
		return ws.out.send(frameResult, encodeFailure(resultFailure, "the parent sent a script that does not compile"))
	}
	l := &pipeLedger{ws: ws}
	v, err := ws.sb.run(p, req.w, req.c, l)
	switch {
	case l.err != nil:
		return l.err // the pipe broke mid-query
	case err != nil:
		err = ws.out.send(frameResult, encodeFailure(resultLedgerError, err.Error()))
	default:
		err = ws.out.send(frameResult, encodeVerdict(v))
	}
	if err == nil && !ws.sb.usable() {
		// Replace a spent sandbox now, while the parent has the answer,
		// rather than when the next request is waiting.
		ws.sb, err = newSandbox()
	}
	return err
}

// compile answers a compile request: the whole of compile runs here, under
// the parent's guard and this process's limits, and only the verdict goes
// back (the parent instruments the source itself).
func (ws *workerState) compile(payload []byte) error {
	src, err := decodeCompile(payload)
	if err != nil {
		return err
	}
	if len(src) > MaxScriptSize {
		return fmt.Errorf("%w: a script of %d bytes", errProtocol, len(src))
	}
	if _, err := compile(src); err != nil {
		msg := err.Error()
		if msg == "" {
			msg = ErrCompile.Error()
		}
		return ws.out.send(frameCompiled, encodeCompiled(false, msg))
	}
	return ws.out.send(frameCompiled, encodeCompiled(true, ""))
}

// program returns the compiled program for hash, asking the parent for its
// source the first time. It returns nil if the source does not compile.
func (ws *workerState) program(hash [32]byte) (*Program, error) {
	if p, ok := ws.programs[hash]; ok {
		return p, nil
	}
	if err := ws.out.send(frameNeed, hash[:]); err != nil {
		return nil, err
	}
	typ, payload, err := readFrame(ws.in)
	if err != nil {
		return nil, err
	}
	if typ != frameProgram {
		return nil, fmt.Errorf("%w: expected a program, got %q", errProtocol, typ)
	}
	d := &dec{b: payload}
	h, source := d.hash(), d.str()
	if err := d.end(); err != nil {
		return nil, err
	}
	if h != hash {
		return nil, fmt.Errorf("%w: program hash mismatch", errProtocol)
	}
	prog, err := compileFactory(source)
	if err != nil {
		return nil, nil
	}
	if len(ws.programs) >= maxWorkerPrograms {
		clear(ws.programs)
	}
	p := &Program{hash: hash, source: source, prog: prog}
	ws.programs[hash] = p
	return p, nil
}

// pipeLedger forwards ledger queries to the parent and waits for the answer.
type pipeLedger struct {
	ws  *workerState
	err error // the pipe failed: the worker must exit
}

func (l *pipeLedger) ask(method byte, args ...string) answer {
	e := (&enc{}).byte1(method)
	for _, a := range args {
		e.str(a)
	}
	if err := l.ws.out.send(frameQuery, e.b); err != nil {
		l.err = err
		return answer{err: "the parent process is gone"}
	}
	typ, payload, err := readFrame(l.ws.in)
	if err == nil && typ != frameAnswer {
		err = fmt.Errorf("%w: expected a ledger answer, got %q", errProtocol, typ)
	}
	var a answer
	if err == nil {
		a, err = decodeAnswer(payload)
	}
	if err != nil {
		l.err = err
		return answer{err: err.Error()}
	}
	return a
}

func (l *pipeLedger) Balance(addr string) (uint64, error) {
	a := l.ask(queryBalance, addr)
	if a.err != "" {
		return 0, errors.New(a.err)
	}
	return a.amount, nil
}

func (l *pipeLedger) PaidTotal(from, to string) (uint64, error) {
	a := l.ask(queryPaid, from, to)
	if a.err != "" {
		return 0, errors.New(a.err)
	}
	return a.amount, nil
}

func (l *pipeLedger) Owner(keyspace string) (string, bool, error) {
	a := l.ask(queryOwner, keyspace)
	if a.err != "" {
		return "", false, errors.New(a.err)
	}
	return a.owner, a.ok, nil
}

// answerQuery runs a worker's ledger query against the parent's ledger.
func answerQuery(l Ledger, payload []byte) (answer, error) {
	d := &dec{b: payload}
	method := d.byte1()
	var a answer
	var err error
	switch method {
	case queryBalance:
		addr := d.str()
		if e := d.end(); e != nil {
			return a, e
		}
		a.amount, err = l.Balance(addr)
	case queryPaid:
		from, to := d.str(), d.str()
		if e := d.end(); e != nil {
			return a, e
		}
		a.amount, err = l.PaidTotal(from, to)
	case queryOwner:
		ks := d.str()
		if e := d.end(); e != nil {
			return a, e
		}
		a.owner, a.ok, err = l.Owner(ks)
	default:
		return a, fmt.Errorf("%w: ledger method %q", errProtocol, method)
	}
	if err != nil {
		a = answer{err: err.Error()}
	}
	return a, err
}
