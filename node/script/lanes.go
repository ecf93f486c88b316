package script

import (
	"context"
	"slices"
)

// lane is a class of a Pool's callers. Block validation must never wait
// behind admission checks that peers can cause at will, so:
//
//   - a free worker goes to a waiting block-validation call first, and to
//     a waiting admission check only when no block call waits;
//   - admission checks hold at most n-1 of a pool's n workers (all of it
//     when n is 1), so with two or more workers a block call finds one
//     free unless other block calls hold them all.
//
// Within a lane calls are served in the order they came.
type lane uint8

const (
	laneBlocks    lane = iota // connecting blocks and building block templates
	laneAdmission             // mempool admission, previews, re-checks after a reorg
	numLanes
)

// ForBlocks returns the pool's runner for block validation (connecting
// blocks, building templates): it is served first. Pool.Validate is the same.
func (p *Pool) ForBlocks() Runner { return laneRunner{p, laneBlocks} }

// ForAdmission returns the pool's runner for admission checks (mempool,
// previews): it yields to block validation and holds at most n-1 workers.
func (p *Pool) ForAdmission() Runner { return laneRunner{p, laneAdmission} }

// Lanes is a runner that serves block validation before admission. A
// caller that wires one runner into both (node.Open) splits it with these.
type Lanes interface {
	ForBlocks() Runner
	ForAdmission() Runner
}

var _ Lanes = (*Pool)(nil)

type laneRunner struct {
	p    *Pool
	lane lane
}

func (r laneRunner) Validate(ctx context.Context, prog *Program, w Write, c Context, l Ledger) (Verdict, error) {
	return r.p.validate(ctx, r.lane, prog, w, c, l)
}

// sched is the pool's idle workers and waiting calls. Its fields are
// guarded by Pool.mu.
type sched struct {
	idle      []*worker
	queue     [numLanes][]*waiter // FIFO per lane
	admitting int                 // workers held by admission calls
	admitCap  int                 // at most this many
}

// waiter is a call waiting for a worker; got receives it (buffered, so
// the hand-over never blocks under the lock).
type waiter struct{ got chan *worker }

// acquire waits for a worker for a call of lane ln.
func (p *Pool) acquire(ctx context.Context, ln lane) (*worker, error) {
	p.mu.Lock()
	if p.closed() {
		p.mu.Unlock()
		return nil, ErrClosed
	}
	p.queue[ln] = append(p.queue[ln], &waiter{got: make(chan *worker, 1)})
	wt := p.queue[ln][len(p.queue[ln])-1]
	p.dispatch()
	p.mu.Unlock()

	var err error
	select {
	case wk := <-wt.got:
		return wk, nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-p.quit:
		err = ErrClosed
	}
	p.mu.Lock()
	if i := slices.Index(p.queue[ln], wt); i >= 0 {
		p.queue[ln] = slices.Delete(p.queue[ln], i, i+1)
		p.mu.Unlock()
		return nil, err
	}
	p.mu.Unlock()
	// A worker was handed over as the call gave up: pass it on.
	p.release(ln, <-wt.got)
	return nil, err
}

// release ends a call of lane ln: its worker goes back to the idle set
// (nil: the worker died and is being replaced), and waiting calls are
// served.
func (p *Pool) release(ln lane, wk *worker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ln == laneAdmission {
		p.admitting--
	}
	if wk != nil {
		p.addIdle(wk)
	}
	p.dispatch()
}

// added puts a new worker into service.
func (p *Pool) added(wk *worker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addIdle(wk)
	p.dispatch()
}

// addIdle (mu held) makes wk idle, or ends it if the pool closed: Close
// drains the idle set after closing quit under mu, so nothing is left.
func (p *Pool) addIdle(wk *worker) {
	if !p.closed() {
		p.idle = append(p.idle, wk)
		return
	}
	wk.kill()
	delete(p.workers, wk)
	go wk.reap()
}

// dispatch (mu held) hands idle workers to waiting calls, block lane first.
func (p *Pool) dispatch() {
	for len(p.idle) > 0 {
		ln := laneBlocks
		if len(p.queue[laneBlocks]) == 0 {
			if len(p.queue[laneAdmission]) == 0 || p.admitting >= p.admitCap {
				return
			}
			ln = laneAdmission
			p.admitting++
		}
		wt := p.queue[ln][0]
		p.queue[ln] = slices.Delete(p.queue[ln], 0, 1)
		wk := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		wt.got <- wk
	}
}
